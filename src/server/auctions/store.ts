import type { Insertable, Kysely, Selectable, Transaction } from "kysely";
import { randomId } from "../platform/ids.js";
import type { AuctionsTables } from "./schema.js";

export type AuctionRow = Selectable<AuctionsTables["auctions"]>;
export type BidRow = Selectable<AuctionsTables["auction_bids"]>;
/** Auctions' view of the database: its own tables. */
export type AuctionsDb = Kysely<AuctionsTables>;
type Db = AuctionsDb;
type Tx = Transaction<AuctionsTables>;

export type AuctionEventType =
  | "created"
  | "started"
  | "bid_accepted"
  | "bid_refused"
  | "extended"
  | "closed"
  | "awarded"
  | "award_lapsed"
  | "offered_next"
  | "sold"
  | "unsold"
  | "cancelled";

/** One row of the audit log, as written. */
export interface AuctionEventInput {
  auctionId: string;
  type: AuctionEventType;
  at: Date;
  accountId?: string | null;
  amount?: number | null;
  reason?: string | null;
  data?: Record<string, unknown>;
}

const eventRow = (e: AuctionEventInput) => ({
  id: randomId("aev"),
  auction_id: e.auctionId,
  type: e.type,
  account_id: e.accountId ?? null,
  amount: e.amount ?? null,
  reason: e.reason ?? null,
  data: JSON.stringify(e.data ?? {}),
  at: e.at,
});

/** Still of interest to viewers: open for (pre-)bids, or waiting for a winner's payment. */
export const OPEN_STATUSES = ["scheduled", "live", "awarded"] as const;

/** The SQL of auctions. Bids on one auction are serialised by the row lock taken in lockAuction. */
export const auctionStore = {
  async insertAuction(db: Db | Tx, row: Insertable<AuctionsTables["auctions"]>): Promise<void> {
    await db.insertInto("auctions").values(row).execute();
  },

  async auction(db: Db | Tx, id: string): Promise<AuctionRow | undefined> {
    return db.selectFrom("auctions").selectAll().where("id", "=", id).executeTakeFirst();
  },

  /** SELECT … FOR UPDATE: concurrent bids on the same auction queue here until the holder commits. */
  async lockAuction(tx: Tx, id: string): Promise<AuctionRow | undefined> {
    return tx.selectFrom("auctions").selectAll().where("id", "=", id).forUpdate().executeTakeFirst();
  },

  /** The update after a decision, guarded by the version read under the lock (belt and braces on top of the lock). */
  async updateAuction(tx: Tx, id: string, version: number, set: Partial<Omit<AuctionRow, "id" | "version">>): Promise<AuctionRow | undefined> {
    return tx
      .updateTable("auctions")
      .set({ ...set, version: version + 1 } as never)
      .where("id", "=", id)
      .where("version", "=", version)
      .returningAll()
      .executeTakeFirst();
  },

  async event(db: Db | Tx, e: AuctionEventInput): Promise<void> {
    await db.insertInto("auction_events").values(eventRow(e)).execute();
  },

  /** A tick's audit rows in one statement; their seq follows the array's order (the order of decision). */
  async insertEvents(tx: Tx, events: AuctionEventInput[]): Promise<void> {
    if (events.length > 0) await tx.insertInto("auction_events").values(events.map(eventRow)).execute();
  },

  /**
   * A tick's writes in one statement: its accepted bids (seq in array order: ties go to the lower seq), its audit rows
   * (seq in decision order) and the auction row, guarded by the version read under the lock. One round trip instead of
   * three: on PGlite every statement costs the one connection, and a tick is the auction's critical section.
   */
  async writeTick(
    tx: Tx,
    id: string,
    version: number,
    bids: Omit<BidRow, "seq">[],
    events: AuctionEventInput[],
    set: Partial<Omit<AuctionRow, "id" | "version">>,
  ): Promise<AuctionRow | undefined> {
    return tx
      .with("tick_bids", (db) => db.insertInto("auction_bids").values(bids))
      .with("tick_events", (db) => db.insertInto("auction_events").values(events.map(eventRow)))
      .updateTable("auctions")
      .set({ ...set, version: version + 1 } as never)
      .where("id", "=", id)
      .where("version", "=", version)
      .returningAll()
      .executeTakeFirst();
  },

  /** Earlier bids under any of these idempotency keys (the caller matches the account too). */
  async bidsByKeys(tx: Tx, auctionId: string, keys: string[]): Promise<BidRow[]> {
    if (keys.length === 0) return [];
    return tx
      .selectFrom("auction_bids")
      .selectAll()
      .where("auction_id", "=", auctionId)
      .where("idempotency_key", "in", [...new Set(keys)])
      .execute();
  },

  async events(
    db: Db,
    auctionId: string,
    limit = 5000,
  ): Promise<{ seq: number; type: string; accountId: string | null; amount: number | null; reason: string | null; data: unknown; at: Date }[]> {
    const rows = await db.selectFrom("auction_events").selectAll().where("auction_id", "=", auctionId).orderBy("seq").limit(limit).execute();
    return rows.map((r) => ({
      seq: Number(r.seq),
      type: r.type,
      accountId: r.account_id,
      amount: r.amount === null ? null : Number(r.amount),
      reason: r.reason,
      data: JSON.parse(r.data),
      at: new Date(r.at),
    }));
  },

  /** The account's highest maximum in this auction (null: no bid yet). */
  async maxOf(db: Db, auctionId: string, accountId: string): Promise<number | null> {
    const row = await db
      .selectFrom("auction_bids")
      .select((eb) => eb.fn.max("max_amount").as("m"))
      .where("auction_id", "=", auctionId)
      .where("account_id", "=", accountId)
      .executeTakeFirst();
    return row?.m == null ? null : Number(row.m);
  },

  /**
   * Bidders best first: by their highest maximum, ties by who reached it first (lower seq). Same order as the
   * incremental rule in placeBid, where an equal maximum never takes the lead.
   */
  async rankedBidders(db: Db | Tx, auctionId: string): Promise<{ accountId: string; name: string; email: string; max: number; seq: number }[]> {
    const rows = await db
      .selectFrom("auction_bids")
      .select(["account_id", "bidder_name", "bidder_email", "max_amount", "seq"])
      .where("auction_id", "=", auctionId)
      .orderBy("max_amount", "desc")
      .orderBy("seq", "asc")
      .execute();
    const seen = new Set<string>();
    const out: { accountId: string; name: string; email: string; max: number; seq: number }[] = [];
    for (const r of rows) {
      if (seen.has(r.account_id)) continue;
      seen.add(r.account_id);
      out.push({ accountId: r.account_id, name: r.bidder_name, email: r.bidder_email, max: Number(r.max_amount), seq: Number(r.seq) });
    }
    return out;
  },

  async dueToClose(db: Db, now: Date): Promise<string[]> {
    return (await db.selectFrom("auctions").select("id").where("status", "=", "live").where("ends_at", "<=", now).limit(100).execute()).map((r) => r.id);
  },

  async awarded(db: Db): Promise<AuctionRow[]> {
    return db.selectFrom("auctions").selectAll().where("status", "=", "awarded").limit(200).execute();
  },

  async ofShow(db: Db, showId: string, openOnly: boolean): Promise<AuctionRow[]> {
    let q = db.selectFrom("auctions").selectAll().where("show_id", "=", showId);
    if (openOnly) q = q.where("status", "in", [...OPEN_STATUSES]);
    return q.orderBy("created_at", "desc").orderBy("id", "desc").limit(100).execute();
  },
};
