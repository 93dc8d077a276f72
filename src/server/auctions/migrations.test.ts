import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backends, emptyDb } from "../../../test/support/db.js";
import { type Db, migrate, scoped } from "../db/index.js";
import { migrationPlan } from "../db/migrations.js";
import { type AuctionsDb, auctionStore } from "./store.js";

describe.each(backends)("migration 101: bids folded into their audit rows (%s)", (backend) => {
  let handle: { db: Db; close(): Promise<void> } | undefined;
  beforeAll(async () => {
    handle = await emptyDb(backend);
    await migrate(
      handle.db,
      migrationPlan().filter((m) => m.id <= 100),
    );
    const at = "2026-12-01T10:00:00Z";
    await handle.db.transaction().execute(async (tx) => {
      // The rows as the code before 101 wrote them; their parents (show, product, offer, accounts) are beside the point.
      await sql`set local session_replication_role = replica`.execute(tx);
      await sql`insert into auctions (id, show_id, product_id, offer_id, title, image_url, currency, start_price, min_increment, duration_ms,
        soft_close_ms, hold_ms, status, current_price, created_by, created_at)
        values ('auc_1', 'shw_1', 'prd_1', 'ofr_1', 'Lamp', '/lamp.jpg', 'EUR', 100, 10, 60000, 10000, 300000, 'live', 120, 'acc_host', ${at})`.execute(tx);
      const bid = (id: string, account: string, max: number, key: string, preBid = false) =>
        sql`insert into auction_bids (id, auction_id, account_id, bidder_name, bidder_email, max_amount, pre_bid, idempotency_key, created_at)
          values (${id}, 'auc_1', ${account}, ${`Name ${account}`}, ${`${account}@test`}, ${max}, ${preBid}, ${key}, ${at})`.execute(tx);
      const event = (id: string, type: string, account: string | null, amount: number | null, data: Record<string, unknown>) =>
        sql`insert into auction_events (id, auction_id, type, account_id, amount, reason, data, at)
          values (${id}, 'auc_1', ${type}, ${account}, ${amount}, ${type === "bid_refused" ? "bid_too_low" : null}, ${JSON.stringify(data)}, ${at})`.execute(
          tx,
        );
      await event("aev_0", "created", "acc_host", 100, {});
      await bid("bid_1", "acc_a", 150, "k-a1", true);
      await event("aev_1", "bid_accepted", "acc_a", 150, { bidId: "bid_1", price: 100, leader: "acc_a", preBid: true, previousPrice: 100 });
      await event("aev_2", "bid_refused", "acc_b", 90, { minimum: 110 });
      await bid("bid_2", "acc_b", 200, "k-b1");
      await event("aev_3", "bid_accepted", "acc_b", 200, { bidId: "bid_2", price: 160, leader: "acc_b", preBid: false, previousPrice: 100 });
      await event("aev_4", "extended", null, null, { bidId: "bid_2" });
      await bid("bid_3", "acc_a", 200, "k-a2");
      await event("aev_5", "bid_accepted", "acc_a", 200, { bidId: "bid_3", price: 200, leader: "acc_b", preBid: false, previousPrice: 160 });
      // A bid without its audit row: never written that way, but the migration must not lose one.
      await bid("bid_4", "acc_c", 120, "k-c1");
    });
    await migrate(handle.db);
  });
  afterAll(async () => {
    await handle?.close();
  });

  it("keeps the audit log's order and appends a bid that had no audit row", async () => {
    const db = scoped(handle!.db) as AuctionsDb;
    const events = await auctionStore.events(db, "auc_1");
    expect(events.map((e) => [e.type, e.accountId, e.amount])).toEqual([
      ["created", "acc_host", 100],
      ["bid_accepted", "acc_a", 150],
      ["bid_refused", "acc_b", 90],
      ["bid_accepted", "acc_b", 200],
      ["extended", null, null],
      ["bid_accepted", "acc_a", 200],
      ["bid_accepted", "acc_c", 120],
    ]);
    expect(events[3]!.data).toEqual({ bidId: "bid_2", price: 160, leader: "acc_b", preBid: false, previousPrice: 100 });
    expect(events[6]!.data).toMatchObject({ bidId: "bid_4", preBid: false });
    const tables = await sql<{ n: number }>`select count(*)::int as n from information_schema.tables
      where table_schema = current_schema() and table_name = 'auction_bids'`.execute(handle!.db);
    expect(tables.rows[0]!.n).toBe(0);
  });

  it("answers awarding and idempotency from the bid rows it carried over", async () => {
    const db = scoped(handle!.db) as AuctionsDb;
    // Equal maxima: the earlier bid (acc_b's 200) ranks first.
    expect(await auctionStore.rankedBidders(db, "auc_1")).toMatchObject([
      { accountId: "acc_b", name: "Name acc_b", email: "acc_b@test", max: 200 },
      { accountId: "acc_a", name: "Name acc_a", email: "acc_a@test", max: 200 },
      { accountId: "acc_c", max: 120 },
    ]);
    expect(await auctionStore.maxOf(db, "auc_1", "acc_a")).toBe(200);
    const priors = await db.transaction().execute((tx) =>
      auctionStore.bidsByKeys(tx, "auc_1", [
        { accountId: "acc_a", idempotencyKey: "k-a1" },
        { accountId: "acc_b", idempotencyKey: "k-a1" },
      ]),
    );
    expect(priors).toEqual([{ id: "bid_1", accountId: "acc_a", idempotencyKey: "k-a1", maxAmount: 150, preBid: true }]);
  });
});
