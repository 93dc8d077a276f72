import { coreMessages } from "../i18n/coreText.js";
import { combineMessages, defineMessages, useMessages } from "../i18n/messages.js";

// The shop tab's and the bag's strings: loaded with the shop tab (lazily), not with the viewer's first paint.
const bagMessages = combineMessages(
  defineMessages(
    {
      "shop.heading": "Everything in this show",
      "shop.empty": "Nothing on sale in this show yet.",
      "shop.left": { one: "{n} left", other: "{n} left" },
      "shop.state.open": "On sale",
      "shop.state.pinned": "On screen now",
      "shop.state.soldOut": "Sold out",
      "shop.state.ended": "Ended",
      "shop.state.onlyPinned": "Only while on screen",
      "shop.state.notYet": "When the show is live",
      "shop.add": "Add to bag",
      // The button's name starts with its visible text, as speech input expects (axe: label-content-name-mismatch).
      "shop.addNamed": "Add to bag: {title}",
      "shop.inBag": "In bag",
      "bag.heading": "Your bag",
      "bag.empty": "Your bag is empty.",
      "bag.quantity": "Quantity of {title}",
      "bag.remove": "Remove {title}",
      "bag.total": "Total",
      "bag.checkout": { one: "Check out {n} item", other: "Check out {n} items" },
      "bag.full": "A bag holds up to {n} different items.",
      "bag.lines": "Items",
    },
    {
      "shop.heading": "Alles aus dieser Show",
      "shop.empty": "In dieser Show gibt es noch nichts zu kaufen.",
      "shop.left": { one: "Noch {n}", other: "Noch {n}" },
      "shop.state.open": "Im Verkauf",
      "shop.state.pinned": "Gerade im Bild",
      "shop.state.soldOut": "Ausverkauft",
      "shop.state.ended": "Beendet",
      "shop.state.onlyPinned": "Nur solange im Bild",
      "shop.state.notYet": "Sobald die Show live ist",
      "shop.add": "In die Tasche",
      "shop.addNamed": "In die Tasche: {title}",
      "shop.inBag": "In der Tasche",
      "bag.heading": "Deine Tasche",
      "bag.empty": "Deine Tasche ist leer.",
      "bag.quantity": "Anzahl von {title}",
      "bag.remove": "{title} entfernen",
      "bag.total": "Summe",
      "bag.checkout": { one: "{n} Artikel kaufen", other: "{n} Artikel kaufen" },
      "bag.full": "In eine Tasche passen bis zu {n} verschiedene Artikel.",
      "bag.lines": "Artikel",
    },
  ),
  coreMessages,
);

/** Like useI18n, with the shop tab's and the bag's strings added. */
export function useBagText() {
  return useMessages(bagMessages);
}
