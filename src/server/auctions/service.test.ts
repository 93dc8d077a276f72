import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backends, openTestDb } from "../../../test/support/db.js";
import { commerceFixture } from "../../../test/support/fixtures.js";
import type { DbHandle } from "../db/index.js";
import { TEST_CARD_OK } from "../payments/index.js";
import { AppError } from "../platform/errors.js";
import { AuctionService, applyBid, maskName } from "./service.js";

const SHIPPING = { name: "Ada Buyer", line1: "Hauptstr. 1", postalCode: "10115", city: "Berlin", country: "DE" };

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    if (err instanceof AppError) return err.code;
    throw err;
  }
  return "ok";
}

describe("applyBid (proxy bidding)", () => {
  const base = { startPrice: 1000, increment: 100, price: 1000, leaderId: null, leaderMax: null };
  it("opens at the start price whatever the first maximum", () => {
    expect(applyBid(base, { accountId: "a", max: 5000 })).toEqual({ ok: true, price: 1000, leaderId: "a", leaderMax: 5000, tookLead: true });
    expect(applyBid(base, { accountId: "a", max: 999 })).toEqual({ ok: false, minimum: 1000 });
  });
  it("bids for the leader up to their maximum: second max + increment, capped at the highest max", () => {
    const s = { ...base, leaderId: "a", leaderMax: 5000 };
    expect(applyBid(s, { accountId: "b", max: 3000 })).toMatchObject({ ok: true, price: 3100, leaderId: "a" });
    expect(applyBid(s, { accountId: "b", max: 4950 })).toMatchObject({ ok: true, price: 5000, leaderId: "a" });
    expect(applyBid(s, { accountId: "b", max: 6000 })).toMatchObject({ ok: true, price: 5100, leaderId: "b", leaderMax: 6000 });
    expect(applyBid(s, { accountId: "b", max: 5050 })).toMatchObject({ ok: true, price: 5050, leaderId: "b" });
  });
  it("equal maxima: the earlier bid keeps the lead, at its maximum", () => {
    const s = { ...base, price: 3100, leaderId: "a", leaderMax: 5000 };
    expect(applyBid(s, { accountId: "b", max: 5000 })).toMatchObject({ ok: true, price: 5000, leaderId: "a", tookLead: false });
  });
  it("refuses less than price + increment, and a leader lowering their maximum", () => {
    const s = { ...base, price: 3100, leaderId: "a", leaderMax: 5000 };
    expect(applyBid(s, { accountId: "b", max: 3199 })).toEqual({ ok: false, minimum: 3200 });
    expect(applyBid(s, { accountId: "a", max: 5000 })).toEqual({ ok: false, minimum: 5001 });
    expect(applyBid(s, { accountId: "a", max: 8000 })).toMatchObject({ ok: true, price: 3100, leaderMax: 8000 });
  });
  it("masks names", () => {
    expect(maskName("Mia Bauer")).toBe("M***r");
    expect(maskName("Al")).toBe("A***");
    expect(maskName("")).toBe("***");
  });
});

describe.each(backends)("auctions with the manual clock (%s)", (backend) => {
  let handle: DbHandle;
  let f: Awaited<ReturnType<typeof commerceFixture>>;
  let auctions: AuctionService;
  const buyers: { id: string; displayName: string; email: string; role: "buyer"; merchantId: null }[] = [];
  const busEvents: { t: string; d: unknown }[] = [];

  beforeAll(async () => {
    handle = await openTestDb(backend);
    f = await commerceFixture(handle);
    auctions = new AuctionService({ db: f.db, clock: f.clock, outbox: f.outbox, shows: f.shows, offers: f.offers, orders: f.orders, bus: f.bus });
    for (const name of ["Anna", "Ben", "Cleo"]) {
      const a = await f.accounts.createAccount({
        email: `${name.toLowerCase()}-${Math.random()}@t.test`,
        password: "pw-123456",
        displayName: name,
        role: "buyer",
        merchantId: null,
      });
      buyers.push({ id: a.id, displayName: a.displayName, email: a.email, role: "buyer", merchantId: null });
    }
    for (const t of ["auction.started", "auction.bid", "auction.extended", "auction.closed", "auction.offered_next"] as const)
      f.bus.subscribe(t, (d) => busEvents.push({ t, d }));
  }, 300_000);
  afterAll(() => handle?.close());

  const make = async (
    over: Partial<{ startPrice: number; minIncrement: number; durationSeconds: number; softCloseSeconds: number; holdSeconds: number }> = {},
  ) =>
    auctions.create(f.show.id, f.host.id, f.product, {
      productId: f.product.id,
      startPrice: 1000,
      minIncrement: 100,
      durationSeconds: 60,
      softCloseSeconds: 10,
      holdSeconds: 120,
      ...over,
    });
  let n = 0;
  const bid = (id: string, who: (typeof buyers)[number], max: number) => auctions.placeBid(id, who, max, `key-${++n}-${Math.random()}`);
  const [anna, ben, cleo] = [0, 1, 2].map((i) => () => buyers[i]!);

  it("soft close: a bid exactly N s before the end leaves ends_at; inside N s resets it to N; at and after the end it is refused", async () => {
    const a = await make();
    await auctions.start(a.id, f.host.id);
    const ends = new Date((await auctions.auction(a.id)).endsAt!).getTime();
    f.clock.set(ends - 10_000);
    await bid(a.id, anna(), 2000);
    expect(new Date((await auctions.auction(a.id)).endsAt!).getTime()).toBe(ends);
    f.clock.set(ends - 9_999);
    await bid(a.id, ben(), 3000);
    const ends2 = ends - 9_999 + 10_000;
    expect(new Date((await auctions.auction(a.id)).endsAt!).getTime()).toBe(ends2);
    expect(busEvents.some((e) => e.t === "auction.extended" && (e.d as { endsAt: string }).endsAt === new Date(ends2).toISOString())).toBe(true);
    f.clock.set(ends2 - 1); // the last millisecond: accepted, and extended again
    await bid(a.id, anna(), 4000);
    const ends3 = ends2 - 1 + 10_000;
    expect(new Date((await auctions.auction(a.id)).endsAt!).getTime()).toBe(ends3);
    f.clock.set(ends3); // at the end millisecond: too late
    expect(await codeOf(bid(a.id, ben(), 9000))).toBe("auction_closed");
    f.clock.set(ends3 + 5);
    expect(await codeOf(bid(a.id, cleo(), 9000))).toBe("auction_closed");
    const log = await auctions.events(a.id);
    expect(log.filter((e) => e.type === "bid_accepted")).toHaveLength(3);
    expect(log.filter((e) => e.type === "bid_refused").map((e) => e.reason)).toEqual(["auction_closed", "auction_closed"]);
    expect(log.filter((e) => e.type === "extended")).toHaveLength(2);
    await auctions.sweep();
    const closed = await auctions.auction(a.id);
    expect(closed.status).toBe("awarded");
    expect(closed.award).toMatchObject({ rank: 1, price: 3100, bidder: "A***a" });
  });

  it("a sweep before ends_at does not close; the first sweep at ends_at does (server clock only)", async () => {
    const a = await make({ softCloseSeconds: 0 });
    await auctions.start(a.id, f.host.id);
    const ends = new Date((await auctions.auction(a.id)).endsAt!).getTime();
    f.clock.set(ends - 1);
    expect((await auctions.sweep()).closed).toBe(0);
    expect((await auctions.auction(a.id)).status).toBe("live");
    f.clock.set(ends);
    expect((await auctions.sweep()).closed).toBe(1);
    const done = await auctions.auction(a.id);
    expect(done.status).toBe("unsold");
    expect((await auctions.events(a.id)).map((e) => e.type)).toEqual(["created", "started", "closed", "unsold"]);
  });

  it("proxy bidding over the service: visible price, tie to the earlier bid, refused low bids in the log", async () => {
    const a = await make({ softCloseSeconds: 0 });
    await auctions.start(a.id, f.host.id);
    const r1 = await bid(a.id, anna(), 5000);
    expect(r1.auction.currentPrice).toBe(1000);
    expect(r1.bid.leading).toBe(true);
    const r2 = await bid(a.id, ben(), 3000);
    expect(r2.auction.currentPrice).toBe(3100);
    expect(r2.bid.leading).toBe(false);
    const r3 = await bid(a.id, ben(), 5000);
    expect(r3.auction.currentPrice).toBe(5000);
    expect(r3.auction.leaderKey).toBe(r1.auction.leaderKey);
    expect(await codeOf(bid(a.id, cleo(), 5050))).toBe("bid_too_low");
    const r4 = await bid(a.id, cleo(), 7000);
    expect(r4.auction).toMatchObject({ currentPrice: 5100, leader: "C***o", bidCount: 4, minimumBid: 5200 });
    const log = await auctions.events(a.id);
    expect(log.find((e) => e.type === "bid_refused")).toMatchObject({ reason: "bid_too_low", amount: 5050, data: { minimum: 5100 } });
  });

  it("same Idempotency-Key: the same bid once; a different amount under it is refused", async () => {
    const a = await make();
    await auctions.start(a.id, f.host.id);
    const first = await auctions.placeBid(a.id, anna(), 2000, "same-key-1");
    const again = await auctions.placeBid(a.id, anna(), 2000, "same-key-1");
    expect(again.replayed).toBe(true);
    expect(again.bid.id).toBe(first.bid.id);
    expect((await auctions.auction(a.id)).bidCount).toBe(1);
    expect(await codeOf(auctions.placeBid(a.id, anna(), 2500, "same-key-1"))).toBe("idempotency_mismatch");
  });

  it("a bid on an unknown auction is not_found, every time (the failed look-up of its show is not remembered)", async () => {
    expect(await codeOf(auctions.placeBid("auc_missing", anna(), 2000, "missing-1"))).toBe("not_found");
    expect(await codeOf(auctions.placeBid("auc_missing", anna(), 2000, "missing-2"))).toBe("not_found");
  });

  it("a retried key among new bids of one tick: answered as the first time, audited once, the new bids decided as usual", async () => {
    const a = await make();
    await auctions.start(a.id, f.host.id);
    const first = await auctions.placeBid(a.id, anna(), 2000, "mixed-anna-1");
    // Submitted together, so they share a tick: a replay (decided as refused before any look-up, since anna's 2000 is
    // in the price already: its key is then found and the whole tick decided again with every key looked up), the same
    // key with another amount, two new bids. (A lone key reused with another amount takes the other way back: decided
    // as accepted, refused by the unique index, the tick run again; the test above.)
    const [ben1, replay, mismatch, cleo1] = await Promise.allSettled([
      auctions.placeBid(a.id, ben(), 2500, "mixed-ben-1"),
      auctions.placeBid(a.id, anna(), 2000, "mixed-anna-1"),
      auctions.placeBid(a.id, anna(), 2600, "mixed-anna-1"),
      auctions.placeBid(a.id, cleo(), 3000, "mixed-cleo-1"),
    ]);
    expect(replay.status === "fulfilled" && replay.value).toMatchObject({ replayed: true, bid: { id: first.bid.id, maxAmount: 2000 } });
    expect(mismatch.status === "rejected" && (mismatch.reason as AppError).code).toBe("idempotency_mismatch");
    expect(ben1.status === "fulfilled" && ben1.value.replayed).toBe(false);
    expect(cleo1.status === "fulfilled" && cleo1.value.replayed).toBe(false);
    expect(await auctions.auction(a.id)).toMatchObject({ bidCount: 3, leader: "C***o", currentPrice: 2600 });
    const log = await auctions.events(a.id);
    expect(log.filter((e) => e.type === "bid_accepted").map((e) => e.amount)).toEqual([2000, 2500, 3000]);
    expect(log.filter((e) => e.type === "bid_refused")).toEqual([]);
  });

  it("pre-bids before the start count with proxy bidding; the live timer starts at start()", async () => {
    const a = await make();
    const p1 = await auctions.placeBid(a.id, anna(), 1500, "pre-1", { preBidOnly: true });
    expect(p1.bid.preBid).toBe(true);
    await bid(a.id, ben(), 2000);
    let v = await auctions.auction(a.id);
    expect(v).toMatchObject({ status: "scheduled", currentPrice: 1600, endsAt: null, bidCount: 2 });
    f.clock.advance(3_600_000); // an hour later: the pre-bids do not run a timer
    const started = await auctions.start(a.id, f.host.id);
    expect(new Date(started.endsAt!).getTime()).toBe(f.clock.now().getTime() + 60_000);
    expect(await codeOf(auctions.placeBid(a.id, cleo(), 5000, "pre-late", { preBidOnly: true }))).toBe("auction_closed");
    await bid(a.id, cleo(), 5000);
    v = await auctions.auction(a.id);
    expect(v).toMatchObject({ status: "live", currentPrice: 2100, leader: "C***o" });
  });

  it("the show's host and the merchant's staff cannot bid (refusal audited)", async () => {
    const a = await make();
    await auctions.start(a.id, f.host.id);
    const host = { id: f.host.id, displayName: "Host", email: f.host.email, role: "host" as const, merchantId: f.merchant.id };
    expect(await codeOf(auctions.placeBid(a.id, host, 5000, "host-bid-1"))).toBe("cannot_bid_own_show");
    const staff = await f.accounts.createAccount({
      email: `staff-${Math.random()}@t.test`,
      password: "pw-123456",
      displayName: "Staff",
      role: "staff",
      merchantId: f.merchant.id,
    });
    expect(await codeOf(auctions.placeBid(a.id, staff, 5000, "staff-bid-1"))).toBe("cannot_bid_own_show");
    const log = await auctions.events(a.id);
    expect(log.filter((e) => e.type === "bid_refused").map((e) => e.reason)).toEqual(["cannot_bid_own_show", "cannot_bid_own_show"]);
    expect((await auctions.auction(a.id, staff)).you?.canBid).toBe(false);
    expect((await auctions.auction(a.id, anna())).you?.canBid).toBe(true);
  });

  it("winner does not pay: the hold expires and the next bidder by maximum is offered it at their maximum; then the third; then unsold", async () => {
    const a = await make({ softCloseSeconds: 0, holdSeconds: 60 });
    await auctions.start(a.id, f.host.id);
    await bid(a.id, anna(), 3000);
    await bid(a.id, ben(), 2500);
    expect(await codeOf(bid(a.id, cleo(), 2000))).toBe("bid_too_low"); // below price 2600 + 100
    await bid(a.id, cleo(), 2700);
    f.clock.advance(60_000);
    await auctions.sweep();
    let v = await auctions.auction(a.id, anna());
    expect(v.status).toBe("awarded");
    expect(v.award).toMatchObject({ rank: 1, price: 2800 });
    const order1 = await f.orders.order(v.you!.awardOrderId!);
    expect(order1).toMatchObject({ status: "pending_payment", total: 2800, quantity: 1 });
    expect(new Date(order1.holdExpiresAt!).getTime()).toBe(f.clock.now().getTime() + 60_000);
    // Still inside the hold: nothing moves.
    f.clock.advance(59_999);
    await f.orders.expireHolds();
    await auctions.sweep();
    expect((await auctions.auction(a.id)).award?.rank).toBe(1);
    f.clock.advance(1);
    await f.orders.expireHolds();
    await auctions.sweep();
    v = await auctions.auction(a.id, cleo());
    expect(v.award).toMatchObject({ rank: 2, price: 2700, bidder: "C***o" }); // Cleo's max 2700 beats Ben's 2500
    expect(busEvents.some((e) => e.t === "auction.offered_next" && (e.d as { auctionId: string; rank: number }).auctionId === a.id)).toBe(true);
    const order2 = v.you!.awardOrderId!;
    f.clock.advance(60_000);
    await f.orders.expireHolds();
    await auctions.sweep();
    v = await auctions.auction(a.id, ben());
    expect(v.award).toMatchObject({ rank: 3, price: 2500 });
    expect(await f.orders.order(order2)).toMatchObject({ status: "expired" });
    f.clock.advance(60_000);
    await f.orders.expireHolds();
    await auctions.sweep();
    expect((await auctions.auction(a.id)).status).toBe("unsold");
    const types = (await auctions.events(a.id)).map((e) => e.type);
    expect(types.filter((t) => t === "award_lapsed")).toHaveLength(3);
    expect(types.slice(-1)).toEqual(["unsold"]);
  });

  it("the winner pays inside the hold: sold, with the order paid at the winning price", async () => {
    const a = await make({ softCloseSeconds: 0 });
    await auctions.start(a.id, f.host.id);
    await bid(a.id, anna(), 1800);
    await bid(a.id, ben(), 1500);
    f.clock.advance(60_000);
    await auctions.sweep();
    const v = await auctions.auction(a.id, anna());
    const paid = await f.orders.pay(v.you!.awardOrderId!, { number: TEST_CARD_OK }, { shipping: SHIPPING });
    expect(paid).toMatchObject({ status: "paid", total: 1600 });
    await auctions.sweep();
    expect((await auctions.auction(a.id)).status).toBe("sold");
    expect((await auctions.events(a.id)).map((e) => e.type).slice(-2)).toEqual(["awarded", "sold"]);
  });

  it("cancel ends bidding with no winner", async () => {
    const a = await make();
    await auctions.start(a.id, f.host.id);
    await bid(a.id, anna(), 1800);
    await auctions.cancel(a.id, f.host.id);
    expect(await codeOf(bid(a.id, ben(), 5000))).toBe("auction_closed");
    f.clock.advance(120_000);
    await auctions.sweep();
    expect((await auctions.auction(a.id)).status).toBe("cancelled");
    expect(await codeOf(auctions.start(a.id, f.host.id))).toBe("conflict");
  });
});
