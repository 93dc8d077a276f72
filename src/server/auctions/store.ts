import { type Insertable, type Kysely, type Selectable, type Transaction, sql } from "kysely";
import { integerArrayLiteral as ints, textArrayLiteral as texts } from "../db/array-literal.js";
import { randomId } from "../platform/ids.js";
import type { AuctionsTables } from "./schema.js";

export type AuctionRow = Selectable<AuctionsTables["auctions"]>;
/** An accepted bid as its `bid_accepted` audit row records it: what an idempotent retry is answered with. */
export interface PriorBid {
  id: string;
  accountId: string;
  idempotencyKey: string;
  maxAmount: number;
  preBid: boolean;
}
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
  /** An accepted bid's row: its id is the bid's, and it carries what awarding and idempotency read. */
  bid?: { id: string; name: string; email: string; idempotencyKey: string };
}

const eventRow = (e: AuctionEventInput) => ({
  id: e.bid?.id ?? randomId("aev"),
  auction_id: e.auctionId,
  type: e.type,
  account_id: e.accountId ?? null,
  amount: e.amount ?? null,
  reason: e.reason ?? null,
  data: JSON.stringify(e.data ?? {}),
  at: e.at,
  bidder_name: e.bid?.name ?? null,
  bidder_email: e.bid?.email ?? null,
  idempotency_key: e.bid?.idempotencyKey ?? null,
});

/** Audit rows of one auction and instant, one array per column, inserted in array order (their seq follows it). */
function insertEventsSql(auctionId: string, at: Date, events: AuctionEventInput[]) {
  const rows = events.map((e) => {
    if (e.auctionId !== auctionId || e.at.getTime() !== at.getTime()) throw new Error("a tick's audit rows share its auction and instant");
    return eventRow(e);
  });
  return sql<
    Record<string, unknown>
  >`insert into auction_events (id, auction_id, type, account_id, amount, reason, data, at, bidder_name, bidder_email, idempotency_key)
    select e.id, ${auctionId}, e.type, e.account_id, e.amount, e.reason, e.data, ${at}::timestamptz, e.bidder_name, e.bidder_email, e.idempotency_key
    from unnest(${texts(rows.map((r) => r.id))}::text[], ${texts(rows.map((r) => r.type))}::text[], ${texts(rows.map((r) => r.account_id))}::text[],
      ${ints(rows.map((r) => r.amount))}::bigint[], ${texts(rows.map((r) => r.reason))}::text[], ${texts(rows.map((r) => r.data))}::text[],
      ${texts(rows.map((r) => r.bidder_name))}::text[], ${texts(rows.map((r) => r.bidder_email))}::text[], ${texts(rows.map((r) => r.idempotency_key))}::text[])
      with ordinality as e(id, type, account_id, amount, reason, data, bidder_name, bidder_email, idempotency_key, ord)
    order by e.ord`;
}

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

  /**
   * A tick's writes in one statement: its audit rows in decision order (an accepted bid's row is the bid; ties go to
   * the lower seq) and the auction row, guarded by the version read under the lock. One round trip: on PGlite every
   * statement costs the one connection, and a tick is the auction's critical section. The rows travel as one array per
   * column (`unnest … with ordinality … order by`: inserted in array order), not as a VALUES list of ~11 parameters per
   * row, and each array as one literal string (db/array-literal.ts) the driver does not walk element by element.
   */
  async writeTick(
    tx: Tx,
    id: string,
    version: number,
    tick: { at: Date; events: AuctionEventInput[] },
    set: Partial<Omit<AuctionRow, "id" | "version">>,
  ): Promise<AuctionRow | undefined> {
    return tx
      .with("tick_events", () => sql<Record<string, unknown>>`(${insertEventsSql(id, tick.at, tick.events)})`)
      .updateTable("auctions")
      .set({ ...set, version: version + 1 } as never)
      .where("id", "=", id)
      .where("version", "=", version)
      .returningAll()
      .executeTakeFirst();
  },

  /** A tick's audit rows alone (every bid refused), as writeTick writes them. */
  async insertTickEvents(tx: Tx, auctionId: string, at: Date, events: AuctionEventInput[]): Promise<void> {
    if (events.length > 0) await insertEventsSql(auctionId, at, events).execute(tx);
  },

  /**
   * Earlier bids under any of these (account, idempotency key) pairs, one look-up per pair in the partial unique index
   * auction_events_bid_key. The `lateral … limit 1` keeps the keys outermost: as a plain join the planner (no
   * statistics on a fresh auction) walked every bid of the auction through the index's auction_id prefix instead.
   */
  async bidsByKeys(tx: Tx, auctionId: string, keys: { accountId: string; idempotencyKey: string }[]): Promise<PriorBid[]> {
    if (keys.length === 0) return [];
    const r = await sql<{ account_id: string; idempotency_key: string; amount: number; data: string }>`select k.account_id, k.idempotency_key, e.amount, e.data
      from unnest(${texts(keys.map((k) => k.accountId))}::text[], ${texts(keys.map((k) => k.idempotencyKey))}::text[]) as k(account_id, idempotency_key)
      cross join lateral (select e.amount, e.data from auction_events e
        where e.auction_id = ${auctionId} and e.type = 'bid_accepted' and e.account_id = k.account_id and e.idempotency_key = k.idempotency_key
        limit 1) e`.execute(tx);
    return r.rows.map((row) => {
      const data = JSON.parse(row.data) as { bidId: string; preBid: boolean };
      return { id: data.bidId, accountId: row.account_id, idempotencyKey: row.idempotency_key, maxAmount: Number(row.amount), preBid: data.preBid };
    });
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
      .selectFrom("auction_events")
      .select((eb) => eb.fn.max("amount").as("m"))
      .where("auction_id", "=", auctionId)
      .where("type", "=", "bid_accepted")
      .where("account_id", "=", accountId)
      .executeTakeFirst();
    return row?.m == null ? null : Number(row.m);
  },

  /**
   * Bidders best first: by their highest maximum, ties by who reached it first (lower seq). Same order as the
   * incremental rule in placeBid, where an equal maximum never takes the lead. Read once per award step, so the
   * auction's bids are sorted here rather than kept in a rank index that every bid would pay for.
   */
  async rankedBidders(db: Db | Tx, auctionId: string): Promise<{ accountId: string; name: string; email: string; max: number; seq: number }[]> {
    const rows = await db
      .selectFrom("auction_events")
      .select(["account_id", "bidder_name", "bidder_email", "amount", "seq"])
      .where("auction_id", "=", auctionId)
      .where("type", "=", "bid_accepted")
      .orderBy("amount", "desc")
      .orderBy("seq", "asc")
      .execute();
    const seen = new Set<string>();
    const out: { accountId: string; name: string; email: string; max: number; seq: number }[] = [];
    for (const r of rows) {
      // bid_accepted rows carry these (auction_events_bid_check)
      const accountId = r.account_id!;
      if (seen.has(accountId)) continue;
      seen.add(accountId);
      out.push({ accountId, name: r.bidder_name!, email: r.bidder_email!, max: Number(r.amount), seq: Number(r.seq) });
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
