import { coreMessages } from "../i18n/coreText.js";
import { type Message, combineMessages, defineMessages, useMessages } from "../i18n/messages.js";

// Mystery and coupon strings travel with their lazily loaded chunks (as the giveaway texts do), not in i18n/coreText.ts: a
// viewer of a show without them never downloads them, and the viewer's first load stays within its weight budget.
const en = {
  "mystery.title": "Mystery: {title}",
  "mystery.lead": "Every bag holds one of these items. The odds are published before you buy.",
  "mystery.odds": "{odds} %",
  "mystery.oddsWas": "was {odds} %",
  "mystery.left": "{n} left",
  "mystery.out": "gone",
  "mystery.renormalised": "An item ran out: the odds of the others went up in proportion.",
  "mystery.soldOut": "Every item is gone.",
  "mystery.adult": "I am 18 or older",
  "mystery.adultNote": "This shop sells mystery items to adults only: tick the box, then buy.",
  "mystery.buyHint": "Buy it on the offer card.",
  "mystery.commitment": "Sealed seed (SHA-256): {hash}…",
  "mystery.seed": "Seed revealed: {seed}",
  "mystery.fair": "Each draw = HMAC-SHA256(seed, SHA-256(order id) ‖ unit ‖ counter) over the odds; the seed is revealed when the pool closes.",
  "mystery.reveal": "Your surprise",
  "mystery.revealTap": "Tap to open",
  "mystery.youGot": "You got: {title}",
  "coupon.title": "Coupon",
  "coupon.off": "{value} off",
  "coupon.endsIn": "Claim within {time}",
  "coupon.left": "{n} left",
  "coupon.claim": "Claim",
  "coupon.claimed": "Claimed — it applies at checkout.",
  "coupon.signIn": "Sign in to claim",
  "coupon.error.coupon_expired": "Too late: this coupon has expired.",
  "coupon.error.coupon_exhausted": "All gone: every coupon has been claimed.",
  "coupon.error.coupon_already_used": "You have already used this coupon.",
  "coupon.error.coupon_invalid": "This code does not exist.",
  "coupon.error.other": "That did not work. Please try again.",
};
export type MysteryKey = keyof typeof en;

const de: Record<MysteryKey, Message> = {
  "mystery.title": "Überraschung: {title}",
  "mystery.lead": "Jede Tüte enthält einen dieser Artikel. Die Chancen stehen vor dem Kauf fest.",
  "mystery.odds": "{odds} %",
  "mystery.oddsWas": "vorher {odds} %",
  "mystery.left": "noch {n}",
  "mystery.out": "vergriffen",
  "mystery.renormalised": "Ein Artikel ist vergriffen: Die Chancen der anderen sind anteilig gestiegen.",
  "mystery.soldOut": "Alle Artikel sind vergriffen.",
  "mystery.adult": "Ich bin 18 oder älter",
  "mystery.adultNote": "Dieser Shop verkauft Überraschungsartikel nur an Erwachsene: Häkchen setzen, dann kaufen.",
  "mystery.buyHint": "Kaufen über die Angebotskarte.",
  "mystery.commitment": "Versiegelter Seed (SHA-256): {hash}…",
  "mystery.seed": "Seed aufgedeckt: {seed}",
  "mystery.fair": "Jede Ziehung = HMAC-SHA256(Seed, SHA-256(Bestell-ID) ‖ Stück ‖ Zähler) über die Chancen; der Seed wird beim Schließen des Pools aufgedeckt.",
  "mystery.reveal": "Deine Überraschung",
  "mystery.revealTap": "Zum Öffnen tippen",
  "mystery.youGot": "Du hast: {title}",
  "coupon.title": "Gutschein",
  "coupon.off": "{value} Rabatt",
  "coupon.endsIn": "Sichern innerhalb von {time}",
  "coupon.left": "noch {n}",
  "coupon.claim": "Sichern",
  "coupon.claimed": "Gesichert — wird an der Kasse abgezogen.",
  "coupon.signIn": "Zum Sichern anmelden",
  "coupon.error.coupon_expired": "Zu spät: Der Gutschein ist abgelaufen.",
  "coupon.error.coupon_exhausted": "Weg: Alle Gutscheine sind vergeben.",
  "coupon.error.coupon_already_used": "Du hast diesen Gutschein schon benutzt.",
  "coupon.error.coupon_invalid": "Diesen Code gibt es nicht.",
  "coupon.error.other": "Das hat nicht geklappt. Bitte versuch es nochmal.",
};

// Keys not found here are the shared ones (and importing them keeps the shared dictionary in one chunk with the helper).
export const mysteryMessages = combineMessages(defineMessages(en, de), coreMessages);

export function useMysteryText() {
  return useMessages(mysteryMessages);
}
