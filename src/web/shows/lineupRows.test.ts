import { describe, expect, it } from "vitest";
import type { LineupItemView, OfferView } from "../../protocol/api.js";
import { isTyping, lineupRows } from "./lineupRows.js";

const offer = (id: string, patch: Partial<OfferView> = {}): OfferView => ({
  id,
  showId: "shw_1",
  productId: "prd_1",
  title: id,
  description: "",
  imageUrl: "",
  price: 2500,
  showPrice: 1900,
  currency: "EUR",
  quantity: 3,
  remaining: 3,
  startsAt: "2026-12-02T20:00:00.000Z",
  endsAt: "2026-12-03T00:00:00.000Z",
  pinned: false,
  status: "active",
  ...patch,
});

const item = (id: string, patch: Partial<LineupItemView> = {}): LineupItemView => ({
  id,
  showId: "shw_1",
  position: 0,
  productId: "prd_1",
  variantId: null,
  title: id,
  imageUrl: "",
  price: 2500,
  showPrice: 1900,
  currency: "EUR",
  quantity: 3,
  perBuyerLimit: null,
  startPinned: false,
  sellsOnlyWhilePinned: false,
  durationSeconds: 14_400,
  stock: null,
  state: "planned",
  offerId: null,
  offer: null,
  ...patch,
});

describe("line-up rows", () => {
  it("takes an item's state and units from the room's live offer, not the line-up as last read", () => {
    const stale = offer("ofr_a", { remaining: 3, pinned: false });
    const rows = lineupRows(
      [item("lup_a", { state: "open", offerId: "ofr_a", offer: stale }), item("lup_b")],
      [offer("ofr_a", { remaining: 1, pinned: true })],
    );
    expect(rows.map((r) => [r.kind, r.state])).toEqual([
      ["item", "pinned"],
      ["item", "planned"],
    ]);
    expect(rows[0]!.kind === "item" && rows[0]!.offer?.remaining).toBe(1);
  });

  it("lists open offers of no item after the line-up, and an item whose offer ended as ended", () => {
    const rows = lineupRows(
      [item("lup_a", { state: "open", offerId: "ofr_a", offer: offer("ofr_a") })],
      [offer("ofr_a", { status: "ended" }), offer("ofr_fly", { pinned: true }), offer("ofr_old", { status: "ended" })],
    );
    expect(rows.map((r) => [r.kind, r.kind === "item" ? r.item.id : r.offer.id, r.state])).toEqual([
      ["item", "lup_a", "ended"],
      ["offer", "ofr_fly", "pinned"],
    ]);
  });
});

describe("keyboard shortcuts", () => {
  const el = (tagName: string, patch: Record<string, unknown> = {}) => ({ tagName, isContentEditable: false, ...patch }) as unknown as EventTarget;
  it("do not fire while typing in text fields, text areas, selects or editable content", () => {
    for (const target of [el("INPUT", { type: "text" }), el("INPUT", { type: "number" }), el("TEXTAREA"), el("SELECT"), el("DIV", { isContentEditable: true })])
      expect(isTyping(target)).toBe(true);
  });
  it("fire from buttons, check boxes and the page itself", () => {
    for (const target of [el("BUTTON"), el("INPUT", { type: "checkbox" }), el("BODY"), null]) expect(isTyping(target)).toBe(false);
  });
});
