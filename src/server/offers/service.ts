import { type Kysely, type Selectable, sql, type Transaction } from "kysely";
import type { OfferView } from "../../protocol/api.js";
import { type Db, type SharedTx, scoped } from "../db/index.js";
import { type Product, type Variant, variantLabel } from "../catalog/index.js";
import { Inventory } from "../inventory/index.js";
import type { Bus } from "../platform/bus.js";
import type { Outbox } from "../outbox/index.js";
import type { Clock } from "../platform/clock.js";
import { AppError } from "../platform/errors.js";
import { randomId } from "../platform/ids.js";
import type { OffersTables } from "./schema.js";

type OfferRow = Selectable<OffersTables["offers"]>;
type Tx = Transaction<OffersTables>;

export function offerView(r: OfferRow, now: Date): OfferView {
  const endsAt = new Date(r.ends_at);
  return {
    id: r.id,
    showId: r.show_id,
    productId: r.product_id,
    title: r.title,
    description: r.description,
    imageUrl: r.image_url,
    price: Number(r.list_price),
    showPrice: Number(r.show_price),
    currency: r.currency,
    quantity: r.quantity,
    remaining: r.remaining,
    startsAt: new Date(r.starts_at).toISOString(),
    endsAt: endsAt.toISOString(),
    pinned: r.pinned,
    status: r.closed_at || endsAt.getTime() <= now.getTime() ? "ended" : "active",
    ...(r.per_buyer_limit != null ? { perBuyerLimit: r.per_buyer_limit } : {}),
    ...(r.sells_only_while_pinned ? { sellsOnlyWhilePinned: true } : {}),
    stockVersion: Number(r.stock_version),
  };
}

async function recordPinEvents(tx: Tx, showId: string, events: { offerId: string; pinned: boolean }[], at: Date): Promise<void> {
  if (!events.length) return;
  await tx
    .insertInto("offer_pin_events")
    .values(events.map((e) => ({ id: randomId("pin"), show_id: showId, offer_id: e.offerId, pinned: e.pinned, at })))
    .execute();
}

export interface PinEvent {
  offerId: string;
  pinned: boolean;
  at: Date;
}

/**
 * The offers of a show: created, pinned, ended. Their stock (remaining, stock_version) is written only by the
 * inventory: when an offer is made from a variant, creating it moves its `quantity` out of the variant's stock, and
 * closing it (ended or expired) moves the unsold units back (Inventory.returnUnsold).
 */
export class OfferService {
  private readonly db: Kysely<OffersTables>;

  /** Every event leaves through the outbox (written with the change, relayed after commit). */
  constructor(
    db: Db,
    private readonly clock: Clock,
    bus: Bus,
    private readonly outbox: Outbox,
    readonly inventory: Inventory = new Inventory(clock, bus),
  ) {
    this.db = scoped(db);
  }

  async create(
    showId: string,
    product: Product,
    input: { showPrice: number; quantity: number; durationSeconds: number; pin?: boolean; perBuyerLimit?: number | null; sellsOnlyWhilePinned?: boolean },
    variant?: Variant,
    /** Runs in the creating transaction after the insert (the line-up links its item to the offer there). */
    inTransaction?: (tx: Tx, offerId: string) => Promise<void>,
  ): Promise<OfferView> {
    const now = this.clock.now();
    const id = randomId("ofr");
    const label = variant ? variantLabel(variant) : "";
    const events = this.outbox.batch();
    // With a variant, the offer's units leave the variant's stock in the same transaction (see returnUnsold).
    await this.db.transaction().execute(async (tx) => {
      if (variant) await this.inventory.reserve(tx, { kind: "variant", variantId: variant.id }, input.quantity, events);
      await tx
        .insertInto("offers")
        .values({
          id,
          show_id: showId,
          product_id: product.id,
          title: label ? `${product.title} (${label})` : product.title,
          description: product.description,
          image_url: product.imageUrl,
          list_price: product.price,
          show_price: input.showPrice,
          currency: product.currency,
          variant_id: variant?.id ?? null,
          vat_rate_bp: product.vatRateBp,
          quantity: input.quantity,
          remaining: input.quantity,
          starts_at: now,
          ends_at: new Date(now.getTime() + input.durationSeconds * 1000),
          pinned: false,
          closed_at: null,
          created_at: now,
          per_buyer_limit: input.perBuyerLimit ?? null,
          sells_only_while_pinned: input.sellsOnlyWhilePinned ?? false,
        })
        .execute();
      if (inTransaction) await inTransaction(tx, id);
      // A pinned one is announced by setPinned (offer.pinned carries the offer); an unpinned one would otherwise reach
      // viewers only with their next snapshot.
      if (!input.pin) await events.emit(tx, "offer.opened", { showId, offerId: id });
    });
    await events.publish();
    this.inventory.noteRemaining(id, input.quantity, 0);
    if (input.pin) return this.setPinned(id, true);
    return this.offer(id);
  }

  /** The offer's row; `tx`: the caller's transaction (orders read it in the order's). */
  async row(offerId: string, tx?: SharedTx): Promise<OfferRow> {
    const row = await (tx ? scoped<OffersTables>(tx) : this.db).selectFrom("offers").selectAll().where("id", "=", offerId).executeTakeFirst();
    if (!row) throw new AppError("not_found", "No such offer.");
    return row as OfferRow;
  }

  async offer(offerId: string): Promise<OfferView> {
    return offerView(await this.row(offerId), this.clock.now());
  }

  /** Offers a viewer can still see: not closed and not past their end. */
  async activeOffers(showId: string): Promise<OfferView[]> {
    const now = this.clock.now();
    const rows = await this.db
      .selectFrom("offers")
      .selectAll()
      .where("show_id", "=", showId)
      .where("closed_at", "is", null)
      .where("ends_at", ">", now)
      .orderBy("pinned", "desc")
      .orderBy("created_at", "desc")
      .execute();
    return rows.map((r) => offerView(r as OfferRow, now));
  }

  /** Pins one offer; any other pinned offer of the show is unpinned (one card at a time). */
  async setPinned(offerId: string, pinned: boolean): Promise<OfferView> {
    const now = this.clock.now();
    const row = await this.row(offerId);
    if (pinned && (row.closed_at || new Date(row.ends_at) <= now)) throw new AppError("offer_not_active", "An ended offer cannot be pinned.");
    const events = this.outbox.batch();
    await this.db.transaction().execute(async (tx) => {
      let others: { id: string }[] = [];
      if (pinned) {
        others = await tx
          .updateTable("offers")
          .set({ pinned: false })
          .where("show_id", "=", row.show_id)
          .where("pinned", "=", true)
          .where("id", "!=", offerId)
          .returning("id")
          .execute();
      }
      const changed = await tx.updateTable("offers").set({ pinned }).where("id", "=", offerId).where("pinned", "!=", pinned).returning("id").execute();
      // The replay's timeline: every pin change, written with the change itself.
      const pins = [...others.map((o) => ({ offerId: o.id, pinned: false })), ...changed.map((o) => ({ offerId: o.id, pinned }))];
      await recordPinEvents(tx, row.show_id, pins, now);
      for (const o of others) await events.emit(tx, "offer.unpinned", { showId: row.show_id, offerId: o.id });
      await events.emit(tx, pinned ? "offer.pinned" : "offer.unpinned", { showId: row.show_id, offerId });
    });
    await events.publish();
    return this.offer(offerId);
  }

  async end(offerId: string): Promise<OfferView> {
    const now = this.clock.now();
    const events = this.outbox.batch();
    await this.db.transaction().execute(async (tx) => {
      const before = await tx.selectFrom("offers").select("pinned").where("id", "=", offerId).where("closed_at", "is", null).executeTakeFirst();
      const closed = await tx
        .updateTable("offers")
        .set({ closed_at: now, pinned: false })
        .where("id", "=", offerId)
        .where("closed_at", "is", null)
        .returning("show_id")
        .executeTakeFirst();
      if (closed && before?.pinned) await recordPinEvents(tx, closed.show_id, [{ offerId, pinned: false }], now);
      if (closed) await this.inventory.returnUnsold(tx, [offerId]);
      if (closed) await events.emit(tx, "offer.ended", { showId: closed.show_id, offerId, reason: "closed" });
    });
    await events.publish();
    return this.offer(offerId);
  }

  /** Closes offers whose time ran out; the sweeper calls this every second with the injected clock. */
  async closeExpired(): Promise<number> {
    const now = this.clock.now();
    const events = this.outbox.batch();
    const rows = await this.db.transaction().execute(async (tx) => {
      const wasPinned = await tx
        .selectFrom("offers")
        .select(["id", "show_id", "ends_at"])
        .where("closed_at", "is", null)
        .where("ends_at", "<=", now)
        .where("pinned", "=", true)
        .execute();
      const closed = await tx
        .updateTable("offers")
        .set({ closed_at: sql<Date>`ends_at`, pinned: false })
        .where("closed_at", "is", null)
        .where("ends_at", "<=", now)
        .returning(["id", "show_id"])
        .execute();
      const closedIds = new Set(closed.map((r) => r.id));
      for (const r of wasPinned) {
        if (closedIds.has(r.id)) await recordPinEvents(tx, r.show_id, [{ offerId: r.id, pinned: false }], new Date(r.ends_at));
      }
      await this.inventory.returnUnsold(tx, [...closedIds]);
      for (const r of closed) await events.emit(tx, "offer.ended", { showId: r.show_id, offerId: r.id, reason: "expired" });
      return closed;
    });
    await events.publish();
    return rows.length;
  }

  /** Pin changes of a show up to `until`, oldest first: the replay's timeline. */
  async pinEvents(showId: string, until: Date): Promise<PinEvent[]> {
    const rows = await this.db
      .selectFrom("offer_pin_events")
      .select(["offer_id", "pinned", "at"])
      .where("show_id", "=", showId)
      .where("at", "<=", until)
      .orderBy("at")
      .orderBy("id")
      .execute();
    return rows.map((r) => ({ offerId: r.offer_id, pinned: r.pinned, at: new Date(r.at) }));
  }

  /** Runs inside the transaction that sold the last unit (outgoing webhook offer.sold_out). */
  onSoldOut(fn: (tx: SharedTx, offer: OfferView) => Promise<unknown>): void {
    this.inventory.onSoldOut(async (tx, offerId, now) => fn(tx, offerView(await this.row(offerId, tx), now)));
  }

  /** Offers' titles (product and variant) by id, in one read; unknown ids are left out. */
  async titles(offerIds: readonly string[]): Promise<Map<string, string>> {
    const ids = [...new Set(offerIds)];
    if (ids.length === 0) return new Map();
    const rows = await this.db.selectFrom("offers").select(["id", "title"]).where("id", "in", ids).execute();
    return new Map(rows.map((r) => [r.id, r.title]));
  }

  readonly #showOf = new Map<string, string>();
  // Reads under way: a sale's first few hundred bags asking at once share one (each read its own before).
  readonly #showOfReads = new Map<string, Promise<string | null>>();

  /** The show an offer belongs to (never changes, so cached); null for an unknown offer. */
  async offerShow(offerId: string): Promise<string | null> {
    const known = this.#showOf.get(offerId);
    if (known) return known;
    let read = this.#showOfReads.get(offerId);
    if (!read) {
      read = this.db
        .selectFrom("offers")
        .select("show_id")
        .where("id", "=", offerId)
        .executeTakeFirst()
        .then((row) => {
          if (row) this.#showOf.set(offerId, row.show_id);
          return row?.show_id ?? null;
        })
        .finally(() => this.#showOfReads.delete(offerId));
      this.#showOfReads.set(offerId, read);
    }
    return read;
  }

  /** Every offer of these shows (open and ended), newest first, with the variant it was made from. */
  async offersOfShows(showIds: string[]): Promise<(OfferView & { variantId: string | null; vatRateBp: number })[]> {
    if (showIds.length === 0) return [];
    const now = this.clock.now();
    const rows = await this.db
      .selectFrom("offers")
      .selectAll()
      .where("show_id", "in", showIds)
      .orderBy("created_at", "desc")
      .orderBy("id", "desc")
      .limit(500)
      .execute();
    return rows.map((r) => ({ ...offerView(r as OfferRow, now), variantId: r.variant_id, vatRateBp: r.vat_rate_bp }));
  }
}
