import { describe, expect, it } from "vitest";
import type { OfferView } from "../../protocol/api.js";
import { canAddToBag, lineMax, shopOrder, shopState } from "./shopState.js";

const NOW = Date.parse("2026-12-02T20:00:00Z");
const offer = (o: Partial<OfferView> = {}): OfferView => ({
  id: "ofr_1",
  showId: "shw_1",
  productId: "prd_1",
  title: "Mug",
  description: "",
  imageUrl: "/m.png",
  price: 2000,
  showPrice: 1500,
  currency: "EUR",
  quantity: 10,
  remaining: 4,
  startsAt: new Date(NOW - 60_000).toISOString(),
  endsAt: new Date(NOW + 600_000).toISOString(),
  pinned: false,
  status: "active",
  ...o,
});

describe("the shop tab's offer states (the server's sale rule)", () => {
  it("sells every open offer while live, except one sold only while pinned", () => {
    expect(shopState(offer(), "live", NOW)).toBe("open");
    expect(shopState(offer({ sellsOnlyWhilePinned: true }), "live", NOW)).toBe("onlyPinned");
    expect(shopState(offer({ sellsOnlyWhilePinned: true, pinned: true }), "live", NOW)).toBe("pinned");
    expect(shopState(offer({ sellsOnlyWhilePinned: true }), "reconnecting", NOW)).toBe("onlyPinned");
  });

  it("sells only the pinned card before the show, and every open offer in the replay", () => {
    expect(shopState(offer(), "scheduled", NOW)).toBe("notYet");
    expect(shopState(offer({ pinned: true }), "scheduled", NOW)).toBe("pinned");
    expect(shopState(offer({ sellsOnlyWhilePinned: true }), "ended", NOW)).toBe("open");
  });

  it("says sold out and ended, and only open or pinned offers go into the bag", () => {
    expect(shopState(offer({ remaining: 0 }), "live", NOW)).toBe("soldOut");
    expect(shopState(offer({ status: "ended" }), "live", NOW)).toBe("ended");
    expect(shopState(offer({ endsAt: new Date(NOW - 1).toISOString() }), "live", NOW)).toBe("ended");
    expect((["pinned", "open", "soldOut", "ended", "onlyPinned", "notYet"] as const).filter(canAddToBag)).toEqual(["pinned", "open"]);
  });

  it("lets a line hold at most what is left, the per-buyer limit and 10", () => {
    expect(lineMax(offer({ remaining: 4 }))).toBe(4);
    expect(lineMax(offer({ remaining: 50 }))).toBe(10);
    expect(lineMax(offer({ remaining: 50, perBuyerLimit: 2 }))).toBe(2);
  });
});

describe("the shop tab's order", () => {
  it("puts the pinned card first, then the line-up in its order, then offers made on the fly, newest first", () => {
    const at = (min: number) => new Date(NOW - min * 60_000).toISOString();
    const offers = [
      offer({ id: "fly-old", startsAt: at(30) }),
      offer({ id: "l2", startsAt: at(1) }),
      offer({ id: "fly-new", startsAt: at(2) }),
      offer({ id: "l1", startsAt: at(5) }),
      offer({ id: "l3", startsAt: at(9), pinned: true }),
    ];
    expect(shopOrder(offers, ["l1", "l2", "l3"]).map((o) => o.id)).toEqual(["l3", "l1", "l2", "fly-new", "fly-old"]);
    // Without a line-up: newest first after the pinned card.
    expect(shopOrder(offers).map((o) => o.id)).toEqual(["l3", "l2", "fly-new", "l1", "fly-old"]);
  });
});
