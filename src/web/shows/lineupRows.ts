import type { LineupItemView, OfferView } from "../../protocol/api.js";

// The line-up panel's rules that need no DOM: which rows it shows in which order and state, and when a key press is
// typing rather than a shortcut. Unit-tested in lineupRows.test.ts.
export type ItemState = LineupItemView["state"];

/** One row of the line-up panel: a planned line-up item (with its live offer once on sale), or an offer made on the fly. */
export type LineupRow =
  | { kind: "item"; item: LineupItemView; offer: OfferView | null; state: ItemState }
  | { kind: "offer"; offer: OfferView; state: ItemState };

function offerState(offer: OfferView): ItemState {
  if (offer.status !== "active") return "ended";
  return offer.pinned ? "pinned" : "open";
}

/**
 * The rows in the order the host works through them: the line-up by position (each item with the room's live copy of
 * its offer, so units and the pin follow offer.* events), then the show's open offers that belong to no item.
 */
export function lineupRows(items: LineupItemView[], offers: OfferView[]): LineupRow[] {
  const live = new Map(offers.map((o) => [o.id, o]));
  const rows: LineupRow[] = items.map((item) => {
    const offer = (item.offerId && live.get(item.offerId)) || item.offer;
    return { kind: "item", item, offer, state: offer ? offerState(offer) : item.state };
  });
  const taken = new Set(items.map((i) => i.offerId).filter(Boolean));
  for (const o of offers) if (!taken.has(o.id) && o.status === "active") rows.push({ kind: "offer", offer: o, state: offerState(o) });
  return rows;
}

/** Shortcuts fire only when focus is not in something that takes typing (the chat box, a form field). */
export function isTyping(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  if (!el?.tagName) return false;
  if (el.isContentEditable) return true;
  if (el.tagName === "TEXTAREA" || el.tagName === "SELECT") return true;
  if (el.tagName !== "INPUT") return false;
  const type = (el as HTMLInputElement).type;
  return !["checkbox", "radio", "button", "submit", "reset", "range", "color", "file"].includes(type);
}
