import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { referenceAuction } from "../../../test/support/auction-reference.js";
import { backends, openTestDb } from "../../../test/support/db.js";
import { commerceFixture } from "../../../test/support/fixtures.js";
import type { DbHandle } from "../db/index.js";
import type { AppError } from "../platform/errors.js";
import { AuctionService, applyBid, bidderKey } from "./service.js";

const bidsArb = fc.array(fc.record({ who: fc.integer({ min: 0, max: 4 }), max: fc.integer({ min: 8, max: 120 }).map((n) => n * 50) }), {
  minLength: 1,
  maxLength: 40,
});

describe("proxy bidding against the reference model", () => {
  it("applyBid, one bid at a time, decides and prices every bid as the reference does", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 }).map((n) => n * 50),
        fc.integer({ min: 1, max: 8 }).map((n) => n * 25),
        bidsArb,
        (start, inc, bids) => {
          const ref = referenceAuction(start, inc);
          let s = { startPrice: start, increment: inc, price: start, leaderId: null as string | null, leaderMax: null as number | null };
          for (const b of bids) {
            const id = `acc${b.who}`;
            const want = ref.bid(id, b.max);
            const got = applyBid(s, { accountId: id, max: b.max });
            expect(got.ok).toBe(want.ok);
            if (!got.ok || !want.ok) {
              if (!got.ok && !want.ok) expect(got.minimum).toBe(want.minimum);
              continue;
            }
            expect({ price: got.price, leaderId: got.leaderId }).toEqual({ price: want.price, leaderId: want.leaderId });
            s = { ...s, price: got.price, leaderId: got.leaderId, leaderMax: got.leaderMax };
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});

// The group commit against the same model: bids sent at once are decided in ticks of several, so the audit log's order
// (the order of decision) replayed through the reference gives the same decisions, the same final price and leader.
describe.each(backends)("auction ticks against the reference model (%s)", (backend) => {
  let handle: DbHandle;
  let f: Awaited<ReturnType<typeof commerceFixture>>;
  let auctions: AuctionService;
  const buyers: { id: string; displayName: string; email: string; role: "buyer"; merchantId: null }[] = [];
  const broadcasts = new Map<string, number>();

  beforeAll(async () => {
    handle = await openTestDb(backend);
    f = await commerceFixture(handle);
    auctions = new AuctionService({ db: f.db, clock: f.clock, outbox: f.outbox, shows: f.shows, offers: f.offers, orders: f.orders, bus: f.bus });
    for (let i = 0; i < 5; i++) {
      const a = await f.accounts.createAccount({
        email: `prop-${i}-${Math.random()}@t.test`,
        password: "pw-123456",
        displayName: `Bidder ${i}`,
        role: "buyer",
        merchantId: null,
      });
      buyers.push({ id: a.id, displayName: a.displayName, email: a.email, role: "buyer", merchantId: null });
    }
    f.bus.subscribe("auction.bid", (e) => broadcasts.set(e.auctionId, (broadcasts.get(e.auctionId) ?? 0) + 1));
  }, 300_000);
  afterAll(() => handle?.close());

  it("bids sent together: every decision, the price and the leader as the reference decides them in audit order", async () => {
    let acceptedTotal = 0;
    let broadcastTotal = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 20 }).map((n) => n * 50),
        fc.integer({ min: 1, max: 8 }).map((n) => n * 25),
        bidsArb,
        async (start, inc, bids) => {
          const created = await auctions.create(f.show.id, f.host.id, f.product, {
            productId: f.product.id,
            startPrice: start,
            minIncrement: inc,
            durationSeconds: 600,
            softCloseSeconds: 0,
            holdSeconds: 120,
          });
          await auctions.start(created.id, f.host.id);
          const answers = await Promise.allSettled(bids.map((b, i) => auctions.placeBid(created.id, buyers[b.who]!, b.max, `prop-${created.id}-${i}`)));
          for (const a of answers) if (a.status === "rejected") expect((a.reason as AppError).code).toBe("bid_too_low");

          const log = (await auctions.events(created.id)).filter((e) => e.type === "bid_accepted" || e.type === "bid_refused");
          expect(log).toHaveLength(bids.length); // every bid decided once, and audited
          const ref = referenceAuction(start, inc);
          for (const e of log) {
            const want = ref.bid(e.accountId!, e.amount!);
            expect(e.type).toBe(want.ok ? "bid_accepted" : "bid_refused");
            if (want.ok) expect((e.data as { price: number }).price).toBe(want.price);
            else expect((e.data as { minimum: number }).minimum).toBe(want.minimum);
          }
          const accepted = log.filter((e) => e.type === "bid_accepted").length;
          const view = await auctions.auction(created.id);
          expect(view.bidCount).toBe(accepted);
          expect(view.currentPrice).toBe(ref.state.price);
          expect(view.leaderKey).toBe(ref.state.leaderId ? bidderKey(created.id, ref.state.leaderId) : null);
          // The answers agree with the log: an accepted answer's bid is an accepted row, a refusal a refused one.
          expect(answers.filter((a) => a.status === "fulfilled")).toHaveLength(accepted);
          acceptedTotal += accepted;
          broadcastTotal += broadcasts.get(created.id) ?? 0;
        },
      ),
      { numRuns: backend === "pglite" ? 40 : 25 },
    );
    // Ticks decided several bids at once (one broadcast per tick, not per bid).
    expect(broadcastTotal).toBeGreaterThan(0);
    expect(broadcastTotal).toBeLessThan(acceptedTotal);
  }, 600_000);
});
