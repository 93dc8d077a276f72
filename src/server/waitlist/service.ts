import { createHash } from "node:crypto";
import type { Kysely, Transaction } from "kysely";
import type { WaitlistEntryView } from "../../protocol/api.js";
import { anyText } from "../db/array-literal.js";
import { type Db, isUniqueViolation, scoped } from "../db/index.js";
import type { OfferService } from "../offers/index.js";
import type { OrderSubscriptions, ReturnedUnits } from "../orders/index.js";
import type { EventBatch, Outbox } from "../outbox/index.js";
import type { Clock } from "../platform/clock.js";
import { AppError } from "../platform/errors.js";
import { randomId } from "../platform/ids.js";
import { alreadyWaitingEmail, claimEmail } from "./emails.js";
import type { WaitlistReads, WaitlistTables } from "./schema.js";

/** Waitlist's view of the database: its own table and the declared read (schema.ts). */
type WaitlistDb = Kysely<WaitlistTables & WaitlistReads>;
type Tx = Transaction<WaitlistTables>;

/** What a realtime client may know about an entry it holds: a hash of the (secret) entry id. */
export const entryKey = (entryId: string) => createHash("sha256").update(entryId).digest("base64url").slice(0, 16);

export interface WaitlistDeps {
  db: Db;
  clock: Clock;
  outbox: Outbox;
  /** Joining checks that the offer is sold out and still on sale. */
  offers: Pick<OfferService, "row">;
  /** The link in the claim email: opens the show with the held order's checkout. */
  claimUrl(showId: string, orderId: string): string;
  /** The link that gives an entry back to its email address (the entry's token in the fragment). */
  entryUrl?(showId: string, entryId: string): string;
  /** May this entry's link be emailed now? (a rate limit, so joining cannot be used to flood an inbox) */
  mayEmailEntryLink?(entryId: string): Promise<boolean>;
}

/**
 * A join's outcome. `mine`: the entry was made by this request, or belongs to the signed-in account that asked —
 * only then may the caller learn the entry (its id and token). Otherwise the email already waits, and its address
 * was sent a link to the entry instead.
 */
export type JoinOutcome = { mine: true; entry: WaitlistEntryView } | { mine: false; emailed: boolean };

/**
 * Waitlists of sold-out offers. Units that come back (expired or cancelled holds, declined one-tap, refunds before
 * shipping) go to the longest-waiting entry first, as a timed hold the orders module creates in the same
 * transaction; an unclaimed hold expires like any other and its unit moves on to the next entry.
 */
export class WaitlistService {
  private readonly db: WaitlistDb;

  constructor(private readonly deps: WaitlistDeps) {
    this.db = scoped(deps.db);
  }

  /**
   * Joins the waitlist of a sold-out offer, once per email. Joining again for an email that already waits hands the
   * entry only to the account that owns it; anyone else gets nothing, and the email is sent a link to its entry.
   */
  async join(offerId: string, input: { email: string; accountId: string | null; lang?: "de" | "en" }): Promise<JoinOutcome> {
    const { db } = this;
    const now = this.deps.clock.now();
    const offer = await this.deps.offers.row(offerId);
    if (offer.closed_at || new Date(offer.ends_at) <= now) throw new AppError("offer_not_active");
    if (offer.remaining > 0) throw new AppError("conflict", "This offer is not sold out; buy it instead.", { remaining: offer.remaining });
    const email = input.email.trim().toLowerCase();
    const id = randomId("wle");
    try {
      await db
        .insertInto("waitlist_entries")
        .values({
          id,
          offer_id: offerId,
          email,
          account_id: input.accountId,
          status: "waiting",
          order_id: null,
          created_at: now,
          offered_at: null,
          lang: input.lang ?? null,
        })
        .execute();
      return { mine: true, entry: await this.entry(id) };
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      const existing = await db
        .selectFrom("waitlist_entries")
        .select(["id", "account_id"])
        .where("offer_id", "=", offerId)
        .where("email", "=", email)
        .where("status", "in", ["waiting", "offered"])
        .executeTakeFirstOrThrow();
      if (input.accountId && existing.account_id === input.accountId) return { mine: true, entry: await this.entry(existing.id) };
      const { entryUrl, mayEmailEntryLink } = this.deps;
      if (!entryUrl || (mayEmailEntryLink && !(await mayEmailEntryLink(existing.id)))) return { mine: false, emailed: false };
      await this.deps.outbox.enqueue(db, "email.send", alreadyWaitingEmail(email, offer.title, entryUrl(offer.show_id, existing.id), input.lang ?? "en"));
      return { mine: false, emailed: true };
    }
  }

  /** The account that joined with the entry (null for a guest's entry); not_found for an unknown entry. */
  async ownerAccountId(entryId: string): Promise<string | null> {
    const row = await this.db.selectFrom("waitlist_entries").select("account_id").where("id", "=", entryId).executeTakeFirst();
    if (!row) throw new AppError("not_found", "No such waitlist entry.");
    return row.account_id;
  }

  /** The entry by its id (an unguessable token, the waitlisted buyer's only handle on it). */
  async entry(entryId: string): Promise<WaitlistEntryView> {
    const { db } = this;
    const e = await db
      .selectFrom("waitlist_entries")
      .leftJoin("orders", "orders.id", "waitlist_entries.order_id")
      .select([
        "waitlist_entries.id",
        "waitlist_entries.offer_id",
        "waitlist_entries.status",
        "waitlist_entries.seq",
        "waitlist_entries.order_id",
        "orders.hold_expires_at",
        "orders.status as order_status",
      ])
      .where("waitlist_entries.id", "=", entryId)
      .executeTakeFirst();
    if (!e) throw new AppError("not_found", "No such waitlist entry.");
    let position: number | null = null;
    if (e.status === "waiting") {
      const ahead = await db
        .selectFrom("waitlist_entries")
        .select((eb) => eb.fn.countAll<number>().as("n"))
        .where("offer_id", "=", e.offer_id)
        .where("status", "=", "waiting")
        .where("seq", "<=", e.seq)
        .executeTakeFirstOrThrow();
      position = Number(ahead.n);
    }
    const claim =
      e.status === "offered" && e.order_id && e.order_status === "pending_payment" && e.hold_expires_at
        ? { orderId: e.order_id, expiresAt: new Date(e.hold_expires_at).toISOString() }
        : null;
    return { id: e.id, offerId: e.offer_id, status: e.status, position, claim };
  }

  async leave(entryId: string): Promise<WaitlistEntryView> {
    await this.db.updateTable("waitlist_entries").set({ status: "left" }).where("id", "=", entryId).where("status", "=", "waiting").execute();
    return this.entry(entryId);
  }

  /**
   * The waitlist's part in orders, inside their transactions: units that come back go to waiting buyers as claim
   * holds; a claim hold that ends unpaid lapses its entry; a paid one claims it.
   */
  subscribeToOrders(orders: OrderSubscriptions): void {
    orders.on("released", (tx, order) => this.released(tx, order.id));
    orders.on("returned", (tx, units, events) => this.offerReturned(tx, units, events));
    orders.onPaid(
      (tx, order) => this.claimed(tx, order.id),
      async (tx, paid) => {
        await this.claimedMany(
          tx,
          paid.map((p) => p.order.id),
        );
        return [];
      },
    );
  }

  /** One unit per waiting buyer, longest-waiting first, as a hold of their own; returns how many units were offered. */
  async offerReturned(tx: Tx, units: ReturnedUnits, events: EventBatch): Promise<number> {
    const { source } = units;
    let offered = 0;
    while (offered < units.quantity) {
      const entry = await this.next(tx, source.offer_id);
      if (!entry) break;
      const hold = await units.hold({
        email: entry.email,
        accountId: entry.accountId,
        idempotencyKey: `waitlist:${entry.id}`,
        data: { waitlistEntryId: entry.id },
      });
      await this.offered(
        tx,
        entry.id,
        {
          orderId: hold.orderId,
          showId: source.show_id,
          offerId: source.offer_id,
          offerTitle: units.offerTitle,
          email: entry.email,
          expiresAt: hold.expiresAt,
        },
        events,
      );
      offered++;
    }
    return offered;
  }

  // The steps below run inside the orders module's transactions.

  /** The longest-waiting entry of the offer, now marked offered; null when nobody waits. */
  async next(tx: Tx, offerId: string): Promise<{ id: string; email: string; accountId: string | null } | null> {
    const now = this.deps.clock.now();
    const row = await tx
      .updateTable("waitlist_entries")
      .set({ status: "offered", offered_at: now })
      .where("id", "=", (eb) =>
        eb
          .selectFrom("waitlist_entries")
          .select("id")
          .where("offer_id", "=", offerId)
          .where("status", "=", "waiting")
          .orderBy("seq")
          .limit(1)
          .forUpdate()
          .skipLocked(),
      )
      .where("status", "=", "waiting")
      .returning(["id", "email", "account_id"])
      .executeTakeFirst();
    return row ? { id: row.id, email: row.email, accountId: row.account_id } : null;
  }

  /** Links the hold to the entry, emails the claim link and tells the entry's browser (both only if this commits). */
  async offered(
    tx: Tx,
    entryId: string,
    hold: { orderId: string; showId: string; offerId: string; offerTitle: string; email: string; expiresAt: Date },
    events: EventBatch,
  ): Promise<void> {
    await tx.updateTable("waitlist_entries").set({ order_id: hold.orderId }).where("id", "=", entryId).execute();
    await events.emit(tx, "waitlist.offered", { showId: hold.showId, offerId: hold.offerId, entryKey: entryKey(entryId) });
    const minutes = Math.max(1, Math.round((hold.expiresAt.getTime() - this.deps.clock.now().getTime()) / 60_000));
    // In the language of the page the buyer joined from.
    const entry = await tx.selectFrom("waitlist_entries").select("lang").where("id", "=", entryId).executeTakeFirst();
    await this.deps.outbox.enqueue(
      tx,
      "email.send",
      claimEmail(hold.email, hold.offerTitle, minutes, this.deps.claimUrl(hold.showId, hold.orderId), entry?.lang ?? "en"),
    );
  }

  /** A hold made for an entry ended unpaid (expired or cancelled): the entry is done, the unit moves on. */
  async released(tx: Tx, orderId: string): Promise<void> {
    await tx.updateTable("waitlist_entries").set({ status: "lapsed" }).where("order_id", "=", orderId).where("status", "=", "offered").execute();
  }

  async claimed(tx: Tx, orderId: string): Promise<void> {
    await tx.updateTable("waitlist_entries").set({ status: "claimed" }).where("order_id", "=", orderId).where("status", "=", "offered").execute();
  }

  /** claimed() for the orders of a confirmation tick, in one statement. */
  async claimedMany(tx: Tx, orderIds: string[]): Promise<void> {
    if (orderIds.length === 0) return;
    await tx.updateTable("waitlist_entries").set({ status: "claimed" }).where("order_id", "=", anyText(orderIds)).where("status", "=", "offered").execute();
  }
}
