import { describe, expect, it } from "vitest";
import type { OfferView } from "../../protocol/api.js";
import type { Envelope } from "../../protocol/realtime.js";
import { CHAT_HISTORY_LIMIT, type RoomState, applyRoomEvent, pinnedOffer, roomFromSnapshot } from "./showState.js";

const offer = (id: string, pinned = false): OfferView => ({
  id,
  showId: "s1",
  productId: `p-${id}`,
  title: id,
  description: "",
  imageUrl: "/x.svg",
  price: 1000,
  showPrice: 800,
  currency: "EUR",
  quantity: 10,
  remaining: 10,
  startsAt: "2030-01-01T00:00:00Z",
  endsAt: "2030-01-01T01:00:00Z",
  pinned,
  status: "active",
});
const room = (offers: OfferView[]): RoomState => ({ status: "live", viewers: 0, offers, chat: [] });
const e = (t: string, d: unknown): Envelope => ({ t, seq: 1, d });

describe("applyRoomEvent", () => {
  it("keeps exactly one pinned offer when another is pinned", () => {
    const s = applyRoomEvent(room([offer("a", true), offer("b")]), e("offer.pinned", { offer: offer("b", true) }));
    expect(s.offers.filter((o) => o.pinned).map((o) => o.id)).toEqual(["b"]);
    expect(pinnedOffer(s)?.id).toBe("b");
  });

  it("updates units left and keeps a sold-out pinned offer on screen", () => {
    let s = applyRoomEvent(room([offer("a", true)]), e("offer.updated", { offerId: "a", remaining: 3 }));
    expect(pinnedOffer(s)?.remaining).toBe(3);
    s = applyRoomEvent(s, e("offer.ended", { offerId: "a", reason: "sold_out" }));
    expect(pinnedOffer(s)).toMatchObject({ id: "a", remaining: 0, status: "ended" });
  });

  it("ignores a stock figure older than the one it shows", () => {
    let s = applyRoomEvent(room([offer("a", true)]), e("offer.updated", { offerId: "a", remaining: 4, version: 6 }));
    s = applyRoomEvent(s, e("offer.updated", { offerId: "a", remaining: 5, version: 5 }));
    expect(pinnedOffer(s)).toMatchObject({ remaining: 4, stockVersion: 6 });
    s = applyRoomEvent(s, e("offer.updated", { offerId: "a", remaining: 3, version: 7 }));
    expect(pinnedOffer(s)).toMatchObject({ remaining: 3, stockVersion: 7 });
  });

  it("lists an offer opened without a pin, keeping the pinned one and a newer stock figure", () => {
    let s = applyRoomEvent(room([offer("a", true)]), e("offer.opened", { offer: offer("b") }));
    expect(s.offers.map((o) => [o.id, o.pinned])).toEqual([
      ["a", true],
      ["b", false],
    ]);
    s = applyRoomEvent(s, e("offer.updated", { offerId: "b", remaining: 7, version: 3 }));
    // The same offer read before that sale (an older version) changes nothing.
    s = applyRoomEvent(s, e("offer.opened", { offer: { ...offer("b"), stockVersion: 1 } }));
    expect(s.offers.find((o) => o.id === "b")).toMatchObject({ remaining: 7, stockVersion: 3 });
  });

  it("takes the line-up order from the snapshot and from lineup.changed", () => {
    let s = roomFromSnapshot({ epoch: "e", seq: 0, status: "live", viewers: 0, offers: [offer("a"), offer("b")], lineup: ["a", "b"], chat: [] });
    expect(s.lineupOrder).toEqual(["a", "b"]);
    s = applyRoomEvent(s, e("lineup.changed", { offerIds: ["b", "a"] }));
    expect(s.lineupOrder).toEqual(["b", "a"]);
  });

  it("caps the chat history", () => {
    let s = room([]);
    for (let i = 0; i < CHAT_HISTORY_LIMIT + 5; i++) {
      s = applyRoomEvent(s, e("chat.posted", { id: `m${i}`, author: "a", role: "viewer", text: "x", at: "" }));
    }
    expect(s.chat).toHaveLength(CHAT_HISTORY_LIMIT);
    expect(s.chat[0].id).toBe("m5");
  });

  it("shows a message once when the snapshot had it and it arrives again, and drops the marker before it", () => {
    const msg = (id: string) => ({ id, author: "a", role: "viewer" as const, text: id, at: "" });
    // Posted while the joining client's snapshot was read: in the snapshot, and again as events (higher seq).
    let s = roomFromSnapshot({ epoch: "e", seq: 5, status: "live", viewers: 0, offers: [], chat: [msg("m1"), msg("m2"), msg("m3")] });
    s = applyRoomEvent(s, e("chat.trimmed", { skipped: 2, before: "m3" }));
    s = applyRoomEvent(s, e("chat.posted", msg("m3")));
    expect(s.chat.map((m) => m.id)).toEqual(["m1", "m2", "m3"]);
    expect(s.chatSkipped?.size ?? 0).toBe(0);
    // A frame trimmed before a message the client did not have: the marker stays, before that message.
    s = applyRoomEvent(s, e("chat.trimmed", { skipped: 4, before: "m9" }));
    s = applyRoomEvent(s, e("chat.posted", msg("m9")));
    expect(s.chat.map((m) => m.id)).toEqual(["m1", "m2", "m3", "m9"]);
    expect([...(s.chatSkipped ?? [])]).toEqual([["m9", 4]]);
  });
});
