import { type Kysely, sql } from "kysely";
import type { FastifyBaseLogger } from "fastify";
import { type Db, type SharedDb, type SharedTx, scoped } from "../db/index.js";
import { anyText, integerArrayLiteral } from "../db/array-literal.js";
import { deleteInBatches } from "../db/batches.js";
import type { OutboxTables } from "./schema.js";
import type { Clock } from "../platform/clock.js";
import { randomId } from "../platform/ids.js";
import type { WebhookEvent } from "../../protocol/webhooks.js";
import type { PushNoticePayload } from "../../protocol/api/push.js";
import type { Bus, BusEvents, BusTopic } from "../platform/bus.js";

export interface OutboxTopics {
  /** `html`: the HTML part (mail/template.ts renders both); rows written before it existed have text only. */
  "email.send": { to: string; subject: string; text: string; html?: string; headers?: Record<string, string> };
  /** One event for one merchant endpoint (src/server/webhooks); the event id is the same on every retry. */
  "webhook.deliver": { endpointId: string; event: WebhookEvent };
  /** One notice for one browser's push subscription (src/server/push); its keys are read when it is sent. */
  "push.send": { subscriptionId: string; payload: PushNoticePayload; ttlSeconds: number; topic: string };
  /** A domain event for the bus (offer.updated, order.paid…), written with the change it reports. */
  "bus.publish": { topic: BusTopic; event: BusEvents[BusTopic] };
  /**
   * Several domain events of one topic from one statement of one transaction (a confirmation tick's order.paid), in one
   * row: published in their order. A node on code from before this topic fails such a row (no handler) and leaves it
   * to be retried by one that has it.
   */
  "bus.publishMany": { topic: BusTopic; events: BusEvents[BusTopic][] };
}
export type OutboxTopic = keyof OutboxTopics;
type Handler<K extends OutboxTopic> = (payload: OutboxTopics[K], meta: { id: string; attempts: number }) => Promise<void>;

/** How a packed row is stored: the name of its unpacker and what that unpacker expands into the topic's payload. */
interface PackedRow {
  "@unpack": string;
  v: unknown;
}
const isPacked = (stored: unknown): stored is PackedRow =>
  typeof stored === "object" && stored !== null && typeof (stored as Partial<PackedRow>)["@unpack"] === "string";

/** Rows of one topic written in a smaller form (see Outbox.packed); the handler sees the expanded payload. */
export interface PackedTopic<V> {
  enqueue(tx: SharedDb, value: V): Promise<string>;
  enqueueMany(tx: SharedDb, values: readonly V[]): Promise<string[]>;
}

const MAX_ATTEMPTS = 8;
/** Rows deleted per statement by prune (~100 ms on PGlite for a table bloated by updates, measured 2026-12-07). */
const PRUNE_BATCH = 1000;
/**
 * A domain event row is published by the node that committed it right after the commit, then marked in a batch. The
 * sweeper takes it over only when it is still unmarked this long after commit: the node died in between.
 */
export const RELAY_GRACE_MS = 10_000;
const MARK_EVERY_MS = 50;
/** Handlers running at once in a pass (SMTP connections, webhook POSTs, push sends, mail files). */
const DELIVERY_CONCURRENCY = 16;

interface ClaimedRow {
  id: string;
  topic: string;
  payload: string;
  /** Counting the attempt now being made. */
  attempts: number;
}

/**
 * Rows with the same key are delivered one after another, in the order they fell due; rows with different keys run
 * side by side. A merchant's endpoint gets its events in the order they happened (webhooks are logged per endpoint and
 * consumers commonly apply them as they arrive); a browser's notices likewise (a later one with the same push `topic`
 * replaces an earlier one at the push service, so they must not swap); domain events keep their order on the bus
 * (subscribers apply offer and order states as they come). Emails are independent messages: each its own lane.
 */
function laneKey(row: ClaimedRow, payload: unknown): string {
  switch (row.topic) {
    case "webhook.deliver":
      return `webhook:${(payload as OutboxTopics["webhook.deliver"]).endpointId}`;
    case "push.send":
      return `push:${(payload as OutboxTopics["push.send"]).subscriptionId}`;
    case "bus.publish":
    case "bus.publishMany":
      return "bus";
    default:
      return `row:${row.id}`;
  }
}

/** The events of one outbox row, relayed after commit: the row is marked once all of them reached the bus. */
interface RelayedEvent {
  id: string;
  topic: BusTopic;
  events: BusEvents[BusTopic][];
}

/**
 * The events of one transaction: `emit` writes each as an outbox row inside it; after the commit, `publish` hands them
 * to the bus at once (no extra round trip before subscribers hear of the change). A rolled-back transaction takes its
 * rows with it and its batch is never published.
 */
export class EventBatch {
  #events: RelayedEvent[] = [];
  constructor(private readonly outbox: Outbox) {}

  async emit<K extends BusTopic>(tx: SharedTx, topic: K, event: BusEvents[K]): Promise<void> {
    const id = await this.outbox.insertEvent(tx, topic, event);
    this.#events.push({ id, topic, events: [event] });
  }

  /** Several events of one topic in one outbox row (published in their order); one of them is written as `emit` does. */
  async emitMany<K extends BusTopic>(tx: SharedTx, topic: K, events: readonly BusEvents[K][]): Promise<void> {
    if (events.length === 0) return;
    if (events.length === 1) return this.emit(tx, topic, events[0]!);
    const id = await this.outbox.insertEvents(tx, topic, events);
    this.#events.push({ id, topic, events: [...events] });
  }

  get size(): number {
    return this.#events.length;
  }

  /** After commit. Never throws: an event the bus did not take stays unmarked and the sweeper sends it later. */
  async publish(): Promise<void> {
    const events = this.#events;
    this.#events = [];
    await this.outbox.relay(events);
  }
}
// 5 s, 10 s, 20 s … capped at 30 min between attempts.
export const retryDelayMs = (attempts: number) => Math.min(30 * 60_000, 5_000 * 2 ** Math.max(0, attempts - 1));

/**
 * Side effects that must not be lost (emails; later webhooks and events) are written as outbox rows in the same
 * transaction as the change that causes them, and delivered afterwards — at least once, retried with backoff.
 */
export class Outbox {
  readonly #handlers = new Map<string, Handler<OutboxTopic>>();
  readonly #unpackers = new Map<string, (value: unknown) => unknown>();
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<number> | null = null;
  #toMark: string[] = [];
  #markTimer: NodeJS.Timeout | null = null;
  #marking: Promise<void> = Promise.resolve();
  #stopped = false;

  private readonly db: Kysely<OutboxTables>;

  constructor(
    db: Db,
    private readonly clock: Clock,
    private readonly log: FastifyBaseLogger,
    private readonly bus: Bus,
  ) {
    this.db = scoped(db);
    // Rows the committing node did not get to mark (it crashed): sent by whichever node sweeps them first.
    this.handle("bus.publish", (p) => bus.publish(p.topic, p.event));
    this.handle("bus.publishMany", async (p) => {
      for (const event of p.events) await bus.publish(p.topic, event);
    });
  }

  /** Events of one transaction, relayed to the bus after its commit (see EventBatch). */
  batch(): EventBatch {
    return new EventBatch(this);
  }

  /** One event written and relayed on its own: for changes made outside a transaction of the caller's. */
  async emitNow<K extends BusTopic>(topic: K, event: BusEvents[K]): Promise<void> {
    const batch = this.batch();
    await this.db.transaction().execute((tx) => batch.emit(tx, topic, event));
    await batch.publish();
  }

  async insertEvent<K extends BusTopic>(tx: SharedTx, topic: K, event: BusEvents[K]): Promise<string> {
    const id = randomId("evt");
    const now = this.clock.now();
    await scoped<OutboxTables>(tx)
      .insertInto("outbox")
      .values({ id, topic: "bus.publish", payload: JSON.stringify({ topic, event }), created_at: now, available_at: new Date(now.getTime() + RELAY_GRACE_MS) })
      .execute();
    return id;
  }

  /** Events of one topic as one row (bus.publishMany); answers its id. */
  async insertEvents<K extends BusTopic>(tx: SharedTx, topic: K, events: readonly BusEvents[K][]): Promise<string> {
    const id = randomId("evt");
    const now = this.clock.now();
    await scoped<OutboxTables>(tx)
      .insertInto("outbox")
      .values({
        id,
        topic: "bus.publishMany",
        payload: JSON.stringify({ topic, events }),
        created_at: now,
        available_at: new Date(now.getTime() + RELAY_GRACE_MS),
      })
      .execute();
    return id;
  }

  async relay(rows: RelayedEvent[]): Promise<void> {
    for (const e of rows) {
      try {
        for (const event of e.events) await this.bus.publish(e.topic, event);
        this.#toMark.push(e.id);
      } catch (err) {
        this.log.warn({ err, topic: e.topic }, "bus publish failed; the outbox sweeper retries it");
      }
    }
    if (this.#toMark.length > 0 && !this.#markTimer && !this.#stopped) {
      this.#markTimer = setTimeout(() => {
        this.#markTimer = null;
        void this.flushMarks();
      }, MARK_EVERY_MS);
      this.#markTimer.unref();
    }
  }

  /** Marks relayed events as sent, many per statement. A crash before this only means the sweeper sends them again. */
  flushMarks(): Promise<void> {
    this.#marking = this.#marking.then(async () => {
      while (this.#toMark.length > 0) {
        const ids = this.#toMark.splice(0, 500);
        await this.db
          .updateTable("outbox")
          .set({ processed_at: this.clock.now() })
          .where("id", "=", anyText(ids))
          .where("processed_at", "is", null)
          .execute()
          .catch((err) => this.log.warn({ err }, "marking relayed events failed; they may be sent twice"));
      }
    });
    return this.#marking;
  }

  /**
   * At start: events a previous run committed but never relayed (killed between commit and publish) are due now
   * instead of after the grace period. Events may reach subscribers twice; they carry state, so that is harmless.
   */
  async recoverUnrelayed(): Promise<number> {
    const res = await this.db
      .updateTable("outbox")
      .set({ available_at: this.clock.now() })
      .where("topic", "in", ["bus.publish", "bus.publishMany"])
      .where("processed_at", "is", null)
      .where("available_at", ">", this.clock.now())
      .executeTakeFirst();
    const n = Number(res.numUpdatedRows);
    if (n > 0) this.kick();
    return n;
  }

  async enqueue<K extends OutboxTopic>(tx: SharedDb, topic: K, payload: OutboxTopics[K]): Promise<string> {
    const id = randomId("obx");
    const now = this.clock.now();
    await scoped<OutboxTables>(tx)
      .insertInto("outbox")
      .values({ id, topic, payload: JSON.stringify(payload), created_at: now, available_at: now })
      .execute();
    this.kick();
    return id;
  }

  /** Several rows of one topic in one statement (a confirmation tick's emails), due now; answers their ids. */
  async enqueueMany<K extends OutboxTopic>(tx: SharedDb, topic: K, payloads: readonly OutboxTopics[K][]): Promise<string[]> {
    return this.#insertMany(tx, topic, payloads);
  }

  async #insertMany(tx: SharedDb, topic: OutboxTopic, stored: readonly unknown[]): Promise<string[]> {
    if (stored.length === 0) return [];
    const now = this.clock.now();
    const rows = stored.map((payload) => ({ id: randomId("obx"), topic, payload: JSON.stringify(payload), created_at: now, available_at: now }));
    await scoped<OutboxTables>(tx).insertInto("outbox").values(rows).execute();
    this.kick();
    return rows.map((r) => r.id);
  }

  /**
   * Rows of `topic` stored as `V` and expanded by `unpack` when delivered, so the handler sees the same payload as if
   * it had been enqueued whole. For payloads that are large and derived (an email's HTML from its words: ~3 KB per
   * confirmation written into, and read back out of, the order's transaction); `unpack` must be pure. Every node
   * registers the same name at start (a later registration replaces an earlier one): a row whose unpacker is unknown
   * fails its delivery and is retried.
   */
  packed<K extends OutboxTopic, V>(topic: K, name: string, unpack: (value: V) => OutboxTopics[K]): PackedTopic<V> {
    this.#unpackers.set(name, unpack as (value: unknown) => unknown);
    const pack = (v: V): PackedRow => ({ "@unpack": name, v });
    return {
      enqueue: async (tx, value) => (await this.#insertMany(tx, topic, [pack(value)]))[0]!,
      enqueueMany: (tx, values) => this.#insertMany(tx, topic, values.map(pack)),
    };
  }

  /** A stored payload as its handler sees it. */
  #unpacked(stored: unknown): unknown {
    if (!isPacked(stored)) return stored;
    const unpack = this.#unpackers.get(stored["@unpack"]);
    if (!unpack) throw new Error(`no outbox unpacker ${stored["@unpack"]}`);
    return unpack(stored.v);
  }

  /**
   * Runs a row's payload again now (a merchant's "retry" in the webhook delivery log): the row of `topic` created in
   * [from, to] whose payload contains `needle` and passes `match` is made due at once while it is still being retried;
   * once delivered or given up, a copy is enqueued (its attempts count from 1 again). False when there is no such row.
   * The time window keeps the scan short: the payload has no index.
   */
  async redeliver<K extends OutboxTopic>(
    topic: K,
    find: { needle: string; from: Date; to: Date; match: (payload: OutboxTopics[K]) => boolean },
  ): Promise<boolean> {
    const rows = await this.db
      .selectFrom("outbox")
      .select(["id", "payload", "attempts", "processed_at"])
      .where("topic", "=", topic)
      .where("created_at", ">=", find.from)
      .where("created_at", "<=", find.to)
      .where("payload", "like", `%${find.needle.replace(/[\\%_]/g, "\\$&")}%`)
      .orderBy("created_at", "desc")
      .execute();
    const row = rows.find((r) => find.match(this.#unpacked(JSON.parse(r.payload)) as OutboxTopics[K]));
    if (!row) return false;
    const now = this.clock.now();
    const pending = await this.db
      .updateTable("outbox")
      .set({ available_at: now })
      .where("id", "=", row.id)
      .where("processed_at", "is", null)
      .where("attempts", "<", MAX_ATTEMPTS)
      .executeTakeFirst();
    if (Number(pending.numUpdatedRows) === 0) await this.enqueue(this.db, topic, JSON.parse(row.payload) as OutboxTopics[K]);
    else this.kick();
    return true;
  }

  handle<K extends OutboxTopic>(topic: K, handler: Handler<K>): void {
    this.#handlers.set(topic, handler as unknown as Handler<OutboxTopic>);
  }

  start(intervalMs = 1000): void {
    this.#timer = setInterval(() => this.kick(), intervalMs);
    this.#timer.unref();
  }

  /** Stops the sweeper and marks what was relayed; rows left unsent are picked up by the next start. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    if (this.#markTimer) clearTimeout(this.#markTimer);
    this.#markTimer = null;
    await this.flushMarks();
    await this.#running;
  }

  /** Process soon, without waiting for the next tick (a new row was just committed). */
  kick(): void {
    if (this.#running || this.#stopped) return;
    setImmediate(() => void this.processDue().catch((err) => this.log.error({ err }, "outbox processing failed")));
  }

  /**
   * Delivers every row due now, `limit` rows per claim (a batch is claimed, delivered and marked before the next is
   * claimed). Returns how many were delivered (including by a pass already running). One pass at a time per process (a
   * call during a pass runs another pass after it, so rows committed meanwhile are included); safe across nodes.
   */
  processDue(limit = 50): Promise<number> {
    if (this.#running) return this.#running.then((n) => this.processDue(limit).then((m) => n + m));
    this.#running = this.#process(limit).finally(() => {
      this.#running = null;
    });
    return this.#running;
  }

  async #process(limit: number): Promise<number> {
    let delivered = 0;
    // Until a batch comes back short: the sweeper's tick is 1 s, and one batch per tick left a flash sale's 4,000
    // confirmation emails a minute and more in the queue.
    for (;;) {
      const batch = await this.#claim(limit);
      delivered += await this.#deliver(batch);
      if (batch.length < limit || this.#stopped) return delivered;
    }
  }

  /**
   * Claims up to `limit` due rows in one statement: each row's attempts + 1, and its available_at moved past the retry
   * delay of that attempt, so no node takes it again before then. `skip locked` leaves rows another node's claim holds
   * to that node, and a row whose claim committed after this statement's snapshot is re-read (READ COMMITTED) and no
   * longer due: a row goes to one node per attempt.
   */
  async #claim(limit: number): Promise<ClaimedRow[]> {
    const now = this.clock.now();
    const delays = integerArrayLiteral(Array.from({ length: MAX_ATTEMPTS }, (_, i) => retryDelayMs(i + 1)));
    const rows = await this.db
      .updateTable("outbox")
      .from(
        this.db
          .selectFrom("outbox")
          .select(["id", "available_at"])
          .where("processed_at", "is", null)
          .where("available_at", "<=", now)
          .where("attempts", "<", MAX_ATTEMPTS)
          .orderBy("available_at")
          .limit(limit)
          .forUpdate()
          .skipLocked()
          .as("due"),
      )
      .set((eb) => ({
        attempts: eb("outbox.attempts", "+", 1),
        // retryDelayMs(attempts) of the attempt being made, from a literal of the delays (arrays count from 1).
        available_at: sql<Date>`${now.toISOString()}::timestamptz + (${delays}::bigint[])[outbox.attempts + 1] * interval '1 millisecond'`,
      }))
      .whereRef("outbox.id", "=", "due.id")
      .returning(["outbox.id", "outbox.topic", "outbox.payload", "outbox.attempts", "due.available_at as due_at"])
      .execute();
    // In the order they fell due (an UPDATE returns its rows in no particular order): bus events keep theirs.
    const at = (r: { due_at: Date | string }) => new Date(r.due_at).getTime();
    return rows.sort((a, b) => at(a) - at(b)).map(({ id, topic, payload, attempts }) => ({ id, topic, payload, attempts }));
  }

  /**
   * Runs the handlers of claimed rows, DELIVERY_CONCURRENCY at a time, and marks the delivered ones in one statement.
   * Rows that share an ordering key (laneKey) run one after another, in the order they fell due.
   */
  async #deliver(rows: ClaimedRow[]): Promise<number> {
    if (rows.length === 0) return 0;
    const lanes = new Map<string, { row: ClaimedRow; payload: unknown }[]>();
    const failed: { row: ClaimedRow; err: unknown }[] = [];
    for (const row of rows) {
      let payload: unknown;
      try {
        payload = this.#unpacked(JSON.parse(row.payload));
      } catch (err) {
        failed.push({ row, err });
        continue;
      }
      const key = laneKey(row, payload);
      const lane = lanes.get(key);
      if (lane) lane.push({ row, payload });
      else lanes.set(key, [{ row, payload }]);
    }
    const done: string[] = [];
    const queue = [...lanes.values()];
    const worker = async () => {
      for (let lane = queue.shift(); lane; lane = queue.shift()) {
        for (const { row, payload } of lane) {
          try {
            const handler = this.#handlers.get(row.topic);
            if (!handler) throw new Error(`no handler for ${row.topic}`);
            await handler(payload as OutboxTopics[OutboxTopic], { id: row.id, attempts: row.attempts });
            done.push(row.id);
          } catch (err) {
            failed.push({ row, err });
          }
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(DELIVERY_CONCURRENCY, queue.length) }, worker));
    if (done.length > 0) {
      await this.db.updateTable("outbox").set({ processed_at: this.clock.now(), last_error: null }).where("id", "=", anyText(done)).execute();
    }
    // Failures are rare; each keeps its own message. The row is already due again after its retry delay (#claim).
    for (const { row, err } of failed) {
      const message = err instanceof Error ? err.message : String(err);
      this.log.warn({ outboxId: row.id, topic: row.topic, attempts: row.attempts, err: message }, "outbox delivery failed; will retry");
      await this.db
        .updateTable("outbox")
        .set({ last_error: message.slice(0, 500) })
        .where("id", "=", row.id)
        .execute();
    }
    return done.length;
  }

  /**
   * Retention: deletes rows created more than `days` ago that are done (delivered, or given up after MAX_ATTEMPTS),
   * PRUNE_BATCH at a time so no statement holds the database for long; rows still to be delivered are kept whatever
   * their age. The space of the deleted rows and of their updates' dead versions is used again after the table's next
   * vacuum (autovacuum's, or on the embedded PGlite db/maintenance.ts's). Answers the rows deleted. A webhook delivery
   * whose row is gone can no longer be retried from the delivery log.
   */
  async prune(days: number): Promise<number> {
    if (days <= 0) return 0;
    const before = new Date(this.clock.now().getTime() - days * 24 * 3600_000);
    const deleted = await deleteInBatches(
      async (limit) => {
        const res = await this.db
          .deleteFrom("outbox")
          .where(
            "id",
            "in",
            this.db
              .selectFrom("outbox")
              .select("id")
              .where("created_at", "<", before)
              .where((eb) => eb.or([eb("processed_at", "is not", null), eb("attempts", ">=", MAX_ATTEMPTS)]))
              .limit(limit),
          )
          .executeTakeFirst();
        return Number(res.numDeletedRows);
      },
      { batch: PRUNE_BATCH, stop: () => this.#stopped },
    );
    return deleted;
  }

  /** Rows not yet delivered, per topic (for /metrics: a growing count means a stuck handler or a dead bus). */
  async pendingByTopic(): Promise<Record<string, number>> {
    const rows = await this.db
      .selectFrom("outbox")
      .select(["topic", sql<number>`count(*)::int`.as("n")])
      .where("processed_at", "is", null)
      .groupBy("topic")
      .execute();
    return Object.fromEntries(rows.map((r) => [r.topic, Number(r.n)]));
  }

  async pending(): Promise<number> {
    const row = await this.db.selectFrom("outbox").select(sql<number>`count(*)::int`.as("n")).where("processed_at", "is", null).executeTakeFirstOrThrow();
    return Number(row.n);
  }
}
