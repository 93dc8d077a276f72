import { createHash } from "node:crypto";
import { sql } from "kysely";
import type { CreateBagOrderBody, CreateOrderBody } from "../../protocol/api.js";
import { canonicalJson } from "../platform/canonical-json.js";
import type { Clock } from "../platform/clock.js";
import { AppError } from "../platform/errors.js";
import { type OrderRow, type OrdersDb, orderView } from "./store.js";
import type { PlaceOrderResult } from "./checkout.js";

// Idempotency keys are kept this long; afterwards the same key starts a new request. Retired keys are renamed to
// RETIRED_KEY + order id, which frees the unique index without losing the row.
const IDEMPOTENCY_KEY_TTL_MS = 24 * 3600 * 1000;
const RETIRED_KEY = "retired:";

// Same key + same body → same order. The hash covers a canonical form of the body, with a digest of the card number
// instead of the number itself.
export function requestHash(body: CreateOrderBody | CreateBagOrderBody, accountId?: string | null): string {
  const payment =
    body.payment &&
    (body.payment.method === "test_card"
      ? { method: body.payment.method, card: createHash("sha256").update(body.payment.number.replace(/\s+/g, "")).digest("hex") }
      : body.payment);
  return createHash("sha256")
    .update(canonicalJson({ ...body, payment, account: accountId ?? undefined }))
    .digest("base64url");
}

/**
 * The orders' idempotency keys: the unique index on orders.idempotency_key is the authority; this keeps the keys this
 * process has used so that most fresh keys need no lookup, answers a repeated request, and retires keys after 24 hours.
 */
export class IdempotencyKeys {
  // Idempotency keys this process has used. With PGlite exactly one process owns the database, so after load() the
  // set is complete and a key not in it cannot have an order: a sold-out attempt with a fresh key is answered without
  // touching the database. The same holds on PostgreSQL with the in-process bus (one node, see app.ts); with several
  // nodes (Redis bus) the set is never trusted alone.
  readonly #keys = new Set<string>();
  #complete = false;

  constructor(
    private readonly db: OrdersDb,
    private readonly clock: Clock,
  ) {}

  /** Call once at start on a single-process database (PGlite) to make the local key set authoritative. */
  async load(): Promise<number> {
    const rows = await this.db.selectFrom("orders").select("idempotency_key").where("idempotency_key", "not like", `${RETIRED_KEY}%`).execute();
    for (const r of rows) this.#keys.add(r.idempotency_key);
    this.#complete = true;
    return rows.length;
  }

  /** False when the key is known to have no order (so no lookup is needed). */
  mayExist(key: string): boolean {
    return !this.#complete || this.#keys.has(key);
  }

  /** Claims the key in this process; true if it was not known before (so a failed attempt may give it back). */
  claim(key: string): boolean {
    const fresh = !this.#keys.has(key);
    this.#keys.add(key);
    return fresh;
  }

  forget(key: string): void {
    this.#keys.delete(key);
  }

  /**
   * The answer to a repeated request: the order the key made, or null when the key has none (or it was retired).
   * A different body under the same key, a one-tap order still charging, or a declined one are errors.
   */
  async replay(key: string, hash: string, oneTap: boolean): Promise<PlaceOrderResult | null> {
    const row: OrderRow | undefined = await this.db.selectFrom("orders").selectAll().where("idempotency_key", "=", key).executeTakeFirst();
    if (!row) return null;
    // Keys live 24 hours (as Stripe's do): an older one is retired and the request counts as new.
    if (new Date(row.created_at).getTime() <= this.clock.now().getTime() - IDEMPOTENCY_KEY_TTL_MS) {
      await this.#retire([row.id]);
      return null;
    }
    if (row.request_hash !== hash) throw new AppError("idempotency_mismatch");
    // A one-tap order waiting for 3-D Secure is answered as it stands; POST /pay with the same payment continues it.
    if (row.status === "pending_payment" && oneTap && !row.payment_ref) throw new AppError("idempotency_in_progress");
    if (row.status === "payment_failed") throw new AppError("payment_declined", undefined, { orderId: row.id, replayed: true });
    return { order: orderView(row), replayed: true };
  }

  /** Frees the idempotency keys of orders older than 24 hours (run hourly); returns how many. */
  async retireOld(): Promise<number> {
    const cutoff = new Date(this.clock.now().getTime() - IDEMPOTENCY_KEY_TTL_MS);
    const rows = await this.db
      .selectFrom("orders")
      .select("id")
      .where("created_at", "<=", cutoff)
      .where("idempotency_key", "not like", `${RETIRED_KEY}%`)
      .limit(5000)
      .execute();
    await this.#retire(rows.map((r) => r.id));
    return rows.length;
  }

  // The process-local key set may keep a retired key: it only makes "no such key" answers cheap, so a stale entry
  // costs one database lookup, nothing more.
  async #retire(orderIds: string[]): Promise<void> {
    if (!orderIds.length) return;
    await this.db
      .updateTable("orders")
      .set({ idempotency_key: sql<string>`${RETIRED_KEY} || id` })
      .where("id", "in", orderIds)
      .where("idempotency_key", "not like", `${RETIRED_KEY}%`)
      .execute();
  }
}
