import { createHmac } from "node:crypto";
import { type Kysely, sql } from "kysely";
import type { PlaybackReport, TrafficSource } from "../../protocol/api.js";
import { type Db, scoped } from "../db/index.js";
import { insertArrays } from "../db/array-insert.js";
import type { Clock } from "../platform/clock.js";
import type { AnalyticsTables, EventKind, Metric } from "./schema.js";

export const SAMPLE_MS = 10_000;
const MINUTE_MS = 60_000;
// Rows per multi-row statement (5–11 parameters a row, far below PostgreSQL's 65,535).
const CHUNK = 1000;
const EVENT_COLUMNS = {
  show_id: "text",
  merchant_id: "text",
  at: "timestamptz",
  kind: "text",
  offer_id: "text",
  order_id: "text",
  quantity: "integer",
  amount: "bigint",
  buyer_key: "text",
  source: "text",
} as const;
// An order fact waits at least this many flushes and this long for its transaction to commit; not visible by then,
// it was rolled back. By time too: under load (a saturated PGlite connection) an order's commit took longer than
// three 1 s flushes in the fan-out bench, and its facts lapsed uncounted.
const FACT_TRIES = 3;
const FACT_WAIT_MS = 120_000;
// Bounds of what waits in memory between flushes (a database that stays away must not take the process with it).
const MAX_PENDING_EVENTS = 200_000;

type OrderStatus = "pending_payment" | "paid" | "payment_failed" | "expired" | "cancelled" | "fulfilled" | "delivered" | "refunded";
const PAID_STATUSES: ReadonlySet<OrderStatus> = new Set(["paid", "fulfilled", "delivered", "refunded"]);

export interface RecorderDeps {
  db: Db;
  clock: Clock;
  /** This process: its viewer samples are one row per node, summed when read. */
  nodeId: string;
  /** Keys the hashes of device ids and buyers' emails (never stored raw). */
  secretsKey: Buffer;
  /** A show's merchant (events carry it, for the shop's new vs returning buyers). */
  merchantOf(showId: string): Promise<string>;
  /** Orders' statuses as committed (a fact recorded inside an order's transaction waits for its commit). */
  orderStatuses(orderIds: string[]): Promise<Map<string, OrderStatus>>;
  /** Of these committed orders, those a share link of their show was credited with (commissions' attribution). */
  linkAttributed?(orderIds: string[]): Promise<Set<string>>;
  onError?(err: unknown): void;
}

interface EventRow {
  showId: string;
  at: Date;
  kind: EventKind;
  offerId: string | null;
  orderId: string | null;
  quantity: number;
  amount: number;
  buyerKey: string | null;
  /** Hashed into buyerKey when written (the keyed hash is not computed inside the order's transaction). */
  buyer?: { accountId: string | null; email: string };
  source: TrafficSource | null;
}

/** Something an order's transaction told us: written once the order shows it committed. */
interface OrderFact {
  event: EventRow;
  needs: "exists" | "paid";
  /** Counter, value, offer ('' show-wide). */
  counts: [Metric, number, string][];
  tries: number;
  /** The order came with a referral cookie: its source is "share" once commissions credited a valid share link. */
  referral?: boolean;
}

/**
 * Analytics recording, off the hot path: every call only adds to memory (no I/O, nothing awaited); `flush` writes
 * what gathered as a few multi-row statements, every few seconds from the module's timer. Counters are summed per
 * (show, minute, metric, offer) before they are written, so a busy minute is one upsert per counter, not one per
 * event. Order facts arrive inside the order's transaction (orders' subscribers) and are written only once the order
 * is visible as committed, so a rolled-back order never counts.
 */
export class AnalyticsRecorder {
  enabled: boolean;
  readonly nodeId: string;
  #minutes = new Map<string, { showId: string; minute: number; metric: Metric; offerId: string; value: number }>();
  #events: EventRow[] = [];
  #facts: OrderFact[] = [];
  #samples = new Map<string, { showId: string; at: number; viewers: number }>();
  #viewers = new Map<string, { showId: string; key: string; firstAt: Date; source: TrafficSource }>();
  #lastSampled = new Map<string, number>();
  #merchants = new Map<string, string>();
  #flushing: Promise<void> | null = null;
  readonly #db: Kysely<AnalyticsTables>;

  constructor(
    private readonly deps: RecorderDeps,
    opts: { enabled?: boolean } = {},
  ) {
    this.enabled = opts.enabled ?? true;
    this.nodeId = deps.nodeId;
    this.#db = scoped<AnalyticsTables>(deps.db);
  }

  #now(): Date {
    return this.deps.clock.now();
  }

  count(showId: string, metric: Metric, value: number, offerId = "", at = this.#now()): void {
    if (!this.enabled || value === 0) return;
    const minute = Math.floor(at.getTime() / MINUTE_MS) * MINUTE_MS;
    const key = `${showId}\u0000${minute}\u0000${metric}\u0000${offerId}`;
    const c = this.#minutes.get(key);
    if (c) c.value += value;
    else this.#minutes.set(key, { showId, minute, metric, offerId, value });
  }

  #event(e: Omit<EventRow, "at"> & { at?: Date }): EventRow | null {
    if (!this.enabled || this.#events.length + this.#facts.length >= MAX_PENDING_EVENTS) return null;
    return { ...e, at: e.at ?? this.#now() };
  }

  pinned(showId: string, offerId: string, pinned: boolean): void {
    const e = this.#event({ showId, kind: pinned ? "pin" : "unpin", offerId, orderId: null, quantity: 0, amount: 0, buyerKey: null, source: null });
    if (e) this.#events.push(e);
  }

  checkoutOpened(showId: string, offerId: string, source: TrafficSource | null): void {
    const e = this.#event({ showId, kind: "checkout", offerId, orderId: null, quantity: 0, amount: 0, buyerKey: null, source });
    if (!e) return;
    this.#events.push(e);
    this.count(showId, "checkouts", 1, offerId, e.at);
  }

  impressions(showId: string, offerIds: readonly string[]): void {
    for (const offerId of new Set(offerIds)) this.count(showId, "impressions", 1, offerId);
  }

  chatPosted(showId: string): void {
    this.count(showId, "chat", 1);
  }

  reactions(showId: string, n: number): void {
    this.count(showId, "reactions", n);
  }

  /** A player's heartbeat (telemetry): watch time, stalls, startup and live delay. */
  playback(showId: string, r: PlaybackReport): void {
    if (!this.enabled) return;
    const at = this.#now();
    this.count(showId, "watch_ms", r.intervalMs, "", at);
    this.count(showId, "stalled_ms", r.stalledMs, "", at);
    if (r.startupMs !== null) {
      this.count(showId, "startup_ms", r.startupMs, "", at);
      this.count(showId, "startup_n", 1, "", at);
    }
    if (r.liveDelayMs !== null) {
      this.count(showId, "delay_ms", r.liveDelayMs, "", at);
      this.count(showId, "delay_n", 1, "", at);
    }
  }

  /** A viewer's socket joined the show's room (not the show's staff): counted once per show. */
  viewerJoined(showId: string, who: { accountId: string | null; device: string | null }, source: TrafficSource): void {
    if (!this.enabled) return;
    const key = who.accountId ?? (who.device ? `d:${this.#hash(who.device)}` : null);
    if (!key) return;
    const k = `${showId}\u0000${key}`;
    if (!this.#viewers.has(k)) this.#viewers.set(k, { showId, key, firstAt: this.#now(), source });
  }

  /** This node's viewers of a show now (every 10 s from the module's timer); the slot is the 10 s it falls in. */
  sample(showId: string, viewers: number): void {
    if (!this.enabled) return;
    // A show nobody watches here is written once as 0 (the curve comes down), then not again until someone joins.
    if (viewers === 0 && (this.#lastSampled.get(showId) ?? 0) === 0) return;
    this.#lastSampled.set(showId, viewers);
    if (viewers === 0) this.#lastSampled.delete(showId);
    const at = Math.floor(this.#now().getTime() / SAMPLE_MS) * SAMPLE_MS;
    this.#samples.set(`${showId}\u0000${at}`, { showId, at, viewers });
  }

  /** Shows this node sampled with viewers last time (the next sample must write their drop to 0). */
  sampledShows(): string[] {
    return [...this.#lastSampled.keys()];
  }

  buyerKey(accountId: string | null, email: string): string {
    return accountId ?? `e:${this.#hash(email.trim().toLowerCase())}`;
  }

  hold(o: {
    orderId: string;
    showId: string;
    offerId: string;
    quantity: number;
    accountId: string | null;
    source: TrafficSource;
    at: Date;
    /** A referral cookie came with the order (valid or not: the flush asks the attribution). */
    referral?: boolean;
  }): void {
    const event = this.#event({
      showId: o.showId,
      at: o.at,
      kind: "hold",
      offerId: o.offerId,
      orderId: o.orderId,
      quantity: o.quantity,
      amount: 0,
      buyerKey: o.accountId,
      source: o.source,
    });
    if (event) this.#facts.push({ event, needs: "exists", counts: [["holds", 1, o.offerId]], tries: 0, referral: o.referral });
  }

  /** A paid order: one order show-wide; paid, units and GMV for each line's offer (a bag has several lines). */
  paid(o: {
    orderId: string;
    showId: string;
    offerId: string;
    quantity: number;
    total: number;
    /** The buyer: a key made by buyerKey(), or the account and email to make it from when written. */
    buyer: string | { accountId: string | null; email: string };
    lines?: readonly { offerId: string; quantity: number; amount: number }[];
  }): void {
    const event = this.#event({
      showId: o.showId,
      kind: "paid",
      offerId: o.offerId,
      orderId: o.orderId,
      quantity: o.quantity,
      amount: o.total,
      buyerKey: typeof o.buyer === "string" ? o.buyer : null,
      ...(typeof o.buyer === "string" ? {} : { buyer: o.buyer }),
      source: null,
    });
    if (!event) return;
    const counts: [Metric, number, string][] = [["orders", 1, ""]];
    for (const l of o.lines ?? [{ offerId: o.offerId, quantity: o.quantity, amount: o.total }])
      counts.push(["paid", 1, l.offerId], ["units", l.quantity, l.offerId], ["gmv", l.amount, l.offerId]);
    this.#facts.push({ event, needs: "paid", counts, tries: 0 });
  }

  refunded(o: { orderId: string; showId: string; offerId: string; quantity: number; amount: number }): void {
    const event = this.#event({
      showId: o.showId,
      kind: "refund",
      offerId: o.offerId,
      orderId: o.orderId,
      quantity: o.quantity,
      amount: o.amount,
      buyerKey: null,
      source: null,
    });
    if (!event) return;
    const counts: [Metric, number, string][] = [
      ["refunds", 1, o.offerId],
      ["refunded", o.amount, o.offerId],
    ];
    this.#facts.push({ event, needs: "exists", counts, tries: 0 });
  }

  #hash(s: string): string {
    return createHmac("sha256", this.deps.secretsKey).update(`analytics:${s}`).digest("base64url").slice(0, 22);
  }

  async #merchant(showId: string): Promise<string> {
    let m = this.#merchants.get(showId);
    if (!m) {
      m = await this.deps.merchantOf(showId);
      if (this.#merchants.size > 10_000) this.#merchants.clear();
      this.#merchants.set(showId, m);
    }
    return m;
  }

  /** Writes what gathered; one flush at a time (a second call waits for the running one, then writes the rest). */
  flush(): Promise<void> {
    const run = (this.#flushing ?? Promise.resolve()).then(() => this.#flush());
    const mine = run.finally(() => {
      if (this.#flushing === mine) this.#flushing = null;
    });
    this.#flushing = mine;
    return mine;
  }

  async #flush(): Promise<void> {
    // Order facts whose order is visible now join this flush's events and counters; the rest wait (or lapse).
    const facts = this.#facts;
    this.#facts = [];
    if (facts.length) {
      let statuses: Map<string, OrderStatus>;
      try {
        statuses = await this.deps.orderStatuses([...new Set(facts.map((f) => f.event.orderId!))]);
      } catch (err) {
        this.#facts.push(...facts);
        throw err;
      }
      const referred = facts.filter((f) => f.referral && statuses.has(f.event.orderId!)).map((f) => f.event.orderId!);
      let shared = new Set<string>();
      if (referred.length && this.deps.linkAttributed) {
        try {
          shared = await this.deps.linkAttributed(referred);
        } catch (err) {
          this.#facts.push(...facts);
          throw err;
        }
      }
      for (const f of facts) {
        const status = statuses.get(f.event.orderId!);
        const ok = status !== undefined && (f.needs === "exists" || PAID_STATUSES.has(status));
        if (ok) {
          if (shared.has(f.event.orderId!)) f.event.source = "share";
          this.#events.push(f.event);
          for (const [metric, value, offerId] of f.counts) this.count(f.event.showId, metric, value, offerId, f.event.at);
        } else if (++f.tries < FACT_TRIES || this.#now().getTime() - f.event.at.getTime() < FACT_WAIT_MS) this.#facts.push(f);
      }
    }

    const minutes = [...this.#minutes.values()];
    const events = this.#events;
    const samples = [...this.#samples.values()];
    const viewers = [...this.#viewers.values()];
    this.#minutes = new Map();
    this.#events = [];
    this.#samples = new Map();
    this.#viewers = new Map();
    let written = 0;
    try {
      for (let i = 0; i < minutes.length; i += CHUNK) {
        const rows = minutes
          .slice(i, i + CHUNK)
          .map((m) => ({ show_id: m.showId, minute: new Date(m.minute), metric: m.metric, offer_id: m.offerId, value: m.value }));
        await this.#db
          .insertInto("analytics_minutes")
          .values(rows)
          .onConflict((oc) =>
            oc.columns(["show_id", "minute", "metric", "offer_id"]).doUpdateSet({ value: sql<number>`analytics_minutes.value + excluded.value` }),
          )
          .execute();
        written = i + rows.length;
      }
    } catch (err) {
      // Counters not written go back (summed with what came meanwhile) for the next flush.
      for (const m of minutes.slice(written)) this.count(m.showId, m.metric, m.value, m.offerId, new Date(m.minute));
      this.#events.unshift(...events);
      for (const s of samples) this.#samples.set(`${s.showId}\u0000${s.at}`, s);
      for (const v of viewers) this.#viewers.set(`${v.showId}\u0000${v.key}`, v);
      throw err;
    }
    try {
      const rows = [];
      for (const e of events) {
        rows.push({
          show_id: e.showId,
          merchant_id: await this.#merchant(e.showId),
          at: e.at,
          kind: e.kind,
          offer_id: e.offerId,
          order_id: e.orderId,
          quantity: e.quantity,
          amount: e.amount,
          buyer_key: e.buyerKey ?? (e.buyer ? this.buyerKey(e.buyer.accountId, e.buyer.email) : null),
          source: e.source,
        });
      }
      // One array per column (insertArrays): a flush during a flash sale writes hundreds of events.
      for (let i = 0; i < rows.length; i += CHUNK) await insertArrays("analytics_events", EVENT_COLUMNS, rows.slice(i, i + CHUNK)).execute(this.#db);
      for (let i = 0; i < samples.length; i += CHUNK) {
        const rows = samples.slice(i, i + CHUNK).map((s) => ({ show_id: s.showId, at: new Date(s.at), node_id: this.nodeId, viewers: s.viewers }));
        await this.#db
          .insertInto("analytics_viewer_samples")
          .values(rows)
          .onConflict((oc) => oc.columns(["show_id", "at", "node_id"]).doUpdateSet({ viewers: sql<number>`excluded.viewers` }))
          .execute();
      }
      for (let i = 0; i < viewers.length; i += CHUNK) {
        const rows = viewers.slice(i, i + CHUNK).map((v) => ({ show_id: v.showId, viewer_key: v.key, first_at: v.firstAt, source: v.source }));
        await this.#db
          .insertInto("analytics_viewers")
          .values(rows)
          .onConflict((oc) => oc.columns(["show_id", "viewer_key"]).doNothing())
          .execute();
      }
    } catch (err) {
      // Counters are written; the rest is best effort (an event of a show that no longer exists is dropped).
      this.deps.onError?.(err);
    }
  }

  /** Deletes what is older than `days` (retention); returns the rows removed. */
  async prune(days: number): Promise<number> {
    if (days <= 0) return 0;
    const before = new Date(this.#now().getTime() - days * 24 * 3600_000);
    const db = this.#db;
    const results = await Promise.all([
      db.deleteFrom("analytics_events").where("at", "<", before).executeTakeFirst(),
      db.deleteFrom("analytics_minutes").where("minute", "<", before).executeTakeFirst(),
      db.deleteFrom("analytics_viewer_samples").where("at", "<", before).executeTakeFirst(),
      db.deleteFrom("analytics_viewers").where("first_at", "<", before).executeTakeFirst(),
    ]);
    return results.reduce((n, r) => n + Number(r.numDeletedRows), 0);
  }
}
