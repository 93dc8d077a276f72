import { sql, type Transaction } from "kysely";
import type { FastifyBaseLogger } from "fastify";
import type { Database, Db } from "../db/index.js";
import type { Clock } from "../platform/clock.js";
import { randomId } from "../platform/ids.js";
import type { WebhookEvent } from "../../protocol/webhooks.js";

export interface OutboxTopics {
  "email.send": { to: string; subject: string; text: string };
  /** One event for one merchant endpoint (src/server/webhooks); the event id is the same on every retry. */
  "webhook.deliver": { endpointId: string; event: WebhookEvent };
}
export type OutboxTopic = keyof OutboxTopics;
type Handler<K extends OutboxTopic> = (payload: OutboxTopics[K], meta: { id: string; attempts: number }) => Promise<void>;

const MAX_ATTEMPTS = 8;
// 5 s, 10 s, 20 s … capped at 30 min between attempts.
export const retryDelayMs = (attempts: number) => Math.min(30 * 60_000, 5_000 * 2 ** Math.max(0, attempts - 1));

/**
 * Side effects that must not be lost (emails; later webhooks and events) are written as outbox rows in the same
 * transaction as the change that causes them, and delivered afterwards — at least once, retried with backoff.
 */
export class Outbox {
  readonly #handlers = new Map<string, Handler<OutboxTopic>>();
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<number> | null = null;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly log: FastifyBaseLogger,
  ) {}

  async enqueue<K extends OutboxTopic>(tx: Transaction<Database> | Db, topic: K, payload: OutboxTopics[K]): Promise<string> {
    const id = randomId("obx");
    const now = this.clock.now();
    await tx.insertInto("outbox").values({ id, topic, payload: JSON.stringify(payload), created_at: now, available_at: now }).execute();
    this.kick();
    return id;
  }

  handle<K extends OutboxTopic>(topic: K, handler: Handler<K>): void {
    this.#handlers.set(topic, handler as unknown as Handler<OutboxTopic>);
  }

  start(intervalMs = 1000): void {
    this.#timer = setInterval(() => this.kick(), intervalMs);
    this.#timer.unref();
  }

  stop(): Promise<unknown> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    return this.#running ?? Promise.resolve();
  }

  /** Process soon, without waiting for the next tick (a new row was just committed). */
  kick(): void {
    if (this.#running) return;
    setImmediate(() => void this.processDue().catch((err) => this.log.error({ err }, "outbox processing failed")));
  }

  /**
   * Delivers every row due now. Returns how many were delivered (including by a pass already running). One pass at a time per process (a call during a pass
   * runs another pass after it, so rows committed meanwhile are included); safe across nodes.
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
    const now = this.clock.now();
    const due = await this.db
      .selectFrom("outbox")
      .select(["id", "topic", "payload", "attempts"])
      .where("processed_at", "is", null)
      .where("available_at", "<=", now)
      .where("attempts", "<", MAX_ATTEMPTS)
      .orderBy("available_at")
      .limit(limit)
      .execute();
    for (const row of due) {
      // Claim: only one node moves a row's available_at forward; the others skip it.
      const attempts = row.attempts + 1;
      const claimed = await this.db
        .updateTable("outbox")
        .set({ attempts, available_at: new Date(now.getTime() + retryDelayMs(attempts)) })
        .where("id", "=", row.id)
        .where("attempts", "=", row.attempts)
        .where("processed_at", "is", null)
        .executeTakeFirst();
      if (Number(claimed.numUpdatedRows) === 0) continue;
      const handler = this.#handlers.get(row.topic);
      try {
        if (!handler) throw new Error(`no handler for ${row.topic}`);
        await handler(JSON.parse(row.payload), { id: row.id, attempts });
        await this.db.updateTable("outbox").set({ processed_at: this.clock.now(), last_error: null }).where("id", "=", row.id).execute();
        delivered++;
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        this.log.warn({ outboxId: row.id, topic: row.topic, attempts, err: message }, "outbox delivery failed; will retry");
        await this.db.updateTable("outbox").set({ last_error: message.slice(0, 500) }).where("id", "=", row.id).execute();
      }
    }
    return delivered;
  }

  async pending(): Promise<number> {
    const row = await this.db.selectFrom("outbox").select(sql<number>`count(*)::int`.as("n")).where("processed_at", "is", null).executeTakeFirstOrThrow();
    return Number(row.n);
  }
}
