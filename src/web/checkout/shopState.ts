import type { OfferView, ShowStatus } from "../../protocol/api.js";

/** What a viewer can do with an offer in the shop tab now. */
export type ShopState = "pinned" | "open" | "soldOut" | "ended" | "onlyPinned" | "notYet";

// Units one line may hold (the server's limit per line is 100; a bag is for a few items).
const MAX_PER_LINE = 10;

/**
 * The server's sale rule, as the shop tab shows it: the pinned card sells while open; live, every other open offer
 * too unless it sells only while pinned; before the show only the pinned card; the replay every open offer.
 */
export function shopState(offer: OfferView, status: ShowStatus, now: number): ShopState {
  if (offer.remaining <= 0) return "soldOut";
  if (offer.status !== "active" || Date.parse(offer.endsAt) <= now) return "ended";
  if (offer.pinned) return "pinned";
  if (status === "scheduled") return "notYet";
  if ((status === "live" || status === "reconnecting") && offer.sellsOnlyWhilePinned) return "onlyPinned";
  return "open";
}

export const canAddToBag = (state: ShopState) => state === "pinned" || state === "open";

/** How many of an offer one line may hold: what is left, the per-buyer limit, and a small cap. */
export const lineMax = (offer: OfferView) => Math.max(1, Math.min(MAX_PER_LINE, offer.remaining, offer.perBuyerLimit ?? MAX_PER_LINE));

/**
 * The shop tab's order: the pinned card first, then the line-up's offers in line-up order (`lineupOrder`, kept live by
 * lineup.changed), then offers made on the fly, newest first.
 */
export function shopOrder(offers: readonly OfferView[], lineupOrder: readonly string[] = []): OfferView[] {
  const rank = new Map(lineupOrder.map((id, i) => [id, i]));
  const place = (o: OfferView) => rank.get(o.id) ?? Number.POSITIVE_INFINITY;
  return [...offers].sort(
    (a, b) => Number(b.pinned) - Number(a.pinned) || place(a) - place(b) || Date.parse(b.startsAt) - Date.parse(a.startsAt) || a.id.localeCompare(b.id),
  );
}
