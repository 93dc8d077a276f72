import { isStaleStock } from "../../protocol/stock.js";
import type { SharedTx } from "../db/index.js";
import type { EventBatch } from "../outbox/index.js";
import type { Bus } from "../platform/bus.js";
import type { Clock } from "../platform/clock.js";
import { AppError } from "../platform/errors.js";
import * as store from "./store.js";

// The caller's transaction (orders, mystery, auctions…): the store's statements are typed to the stock tables.
type Tx = SharedTx;

/** Where units are taken from or go back to. */
export type StockSource =
  /**
   * An offer's units. Reserving sells them: only while the offer is on sale (live: pinned, or open and not sold only
   * while pinned; replay: open; within its time). Released units go back on the offer, or to its variant once the offer closed (its unsold units went there).
   */
  | { kind: "offer"; offerId: string }
  /** An auction's awarded unit: taken from wherever release({ kind: "offer" }) would put it back, sale state aside. */
  | { kind: "award"; offerId: string }
  /** A variant's shelf stock (an offer being created takes its quantity from it). */
  | { kind: "variant"; variantId: string }
  /** One item of a mystery pool (a paid unit's draw; a refund puts it back). */
  | { kind: "mystery_item"; itemId: string };

export interface Reservation {
  offerId: string;
  showId: string;
  remaining: number;
  unitPrice: number;
  currency: string;
  /** Units one buyer may have of this offer; the caller checks it in the same transaction. */
  perBuyerLimit: number | null;
  /** The product's VAT rate (basis points), copied to the offer when it was created. */
  vatRateBp: number;
  /** The offer's stock version after this take (see offers.stock_version). */
  version: number;
}

/** A variant's units, or why not (not_found, insufficient_stock). */
async function takeVariantStock(tx: Tx, variantId: string, quantity: number): Promise<number> {
  const row = await store.takeFromVariant(tx, variantId, quantity);
  if (row) return row.stock;
  const v = await store.variantState(tx, variantId);
  if (!v || v.archived_at) throw new AppError("not_found", "No such variant.");
  throw new AppError("insufficient_stock", `Only ${v.stock} in stock.`, { stock: v.stock });
}

/** Runs inside the transaction that sold an offer's last unit. */
export type SoldOutListener = (tx: Tx, offerId: string, now: Date) => Promise<unknown>;

/**
 * The only writer of stock. Every change of an offer's `remaining` bumps its `stock_version` and emits `offer.updated`
 * with it in the caller's transaction (the outbox relays it after commit); the realtime stream keeps the figures each
 * viewer sees in version order.
 */
export class Inventory {
  // Latest remaining count seen per offer, from our own takes and the bus. Only a hint to answer obvious sold-out
  // attempts without a transaction; the conditional UPDATE stays the truth.
  readonly #remainingHint = new Map<string, number>();
  readonly #hintVersion = new Map<string, number>();
  readonly #soldOut: SoldOutListener[] = [];

  constructor(
    private readonly clock: Clock,
    bus: Bus,
  ) {
    bus.subscribe("offer.updated", (e) => this.noteRemaining(e.offerId, e.remaining, e.version));
  }

  /** Called in the transaction whose reservation sold an offer's last unit (outgoing webhook offer.sold_out). */
  onSoldOut(fn: SoldOutListener): void {
    this.#soldOut.push(fn);
  }

  /**
   * Takes `quantity` units inside the caller's transaction, or explains why not: sold_out, offer_not_active,
   * offer_not_pinned, not_found (offers); insufficient_stock, not_found (variants). One conditional UPDATE is the oversell guard.
   */
  reserve(tx: Tx, source: { kind: "offer"; offerId: string }, quantity: number, events: EventBatch): Promise<Reservation>;
  reserve(tx: Tx, source: StockSource, quantity: number, events: EventBatch): Promise<number>;
  async reserve(tx: Tx, source: StockSource, quantity: number, events: EventBatch): Promise<Reservation | number> {
    switch (source.kind) {
      case "offer":
        return this.#sell(tx, source.offerId, quantity, events);
      case "award": {
        const row = await store.takeFromOffer(tx, source.offerId, quantity);
        if (row) return this.#updated(tx, source.offerId, row, events);
        const o = await store.offerStockOwner(tx, source.offerId);
        if (o.closed_at && o.variant_id) return takeVariantStock(tx, o.variant_id, quantity);
        throw new AppError("sold_out");
      }
      case "variant":
        return takeVariantStock(tx, source.variantId, quantity);
      case "mystery_item":
        return (await store.takeFromMysteryItem(tx, source.itemId, quantity)).remaining;
    }
  }

  /** Puts `quantity` units back inside the caller's transaction; answers what the source has left. */
  async release(tx: Tx, source: StockSource, quantity: number, events: EventBatch): Promise<number> {
    switch (source.kind) {
      case "offer":
      case "award": {
        const row = await store.returnToOffer(tx, source.offerId, quantity);
        if (row) return this.#updated(tx, source.offerId, row, events);
        const closed = await store.offerStockOwner(tx, source.offerId);
        if (closed.variant_id) await store.returnToVariant(tx, closed.variant_id, quantity);
        return closed.remaining;
      }
      case "variant":
        return store.returnToVariant(tx, source.variantId, quantity);
      case "mystery_item":
        return (await store.returnToMysteryItem(tx, source.itemId, quantity)).remaining;
    }
  }

  /**
   * Offers just closed (ended or expired): the unsold units of those made from a variant move back to it and the
   * offer keeps 0 (version bumped, no offer.updated: viewers get offer.ended and keep the last count on the card).
   */
  async returnUnsold(tx: Tx, offerIds: string[]): Promise<void> {
    if (offerIds.length === 0) return;
    for (const r of await store.unsoldOfVariantOffers(tx, offerIds)) {
      if (!r.variant_id) continue;
      await store.returnToVariant(tx, r.variant_id, r.remaining);
      await store.emptyOffer(tx, r.id);
    }
  }

  /**
   * Locks offers' rows in offer-id order inside the caller's transaction and answers each one's units left and
   * per-buyer limit (a tick of bags splits the units with it before reserve takes them). Unknown ids are missing.
   */
  async lockOffers(tx: Tx, offerIds: readonly string[]): Promise<Map<string, { remaining: number; perBuyerLimit: number | null }>> {
    const rows = await store.lockOffers(tx, offerIds);
    return new Map(rows.map((r) => [r.id, { remaining: r.remaining, perBuyerLimit: r.per_buyer_limit }]));
  }

  /** True when we know for sure there is not enough stock; false means "ask the database". */
  knownShort(offerId: string, quantity: number): boolean {
    const hint = this.#remainingHint.get(offerId);
    return hint !== undefined && hint < quantity;
  }

  /** A newer stock figure (by version) replaces the hint; one that arrives late is ignored. */
  noteRemaining(offerId: string, remaining: number, version: number): void {
    if (isStaleStock(this.#hintVersion.get(offerId), version)) return;
    this.#hintVersion.set(offerId, version);
    this.#remainingHint.set(offerId, remaining);
  }

  async #sell(tx: Tx, offerId: string, quantity: number, events: EventBatch): Promise<Reservation> {
    const now = this.clock.now();
    const row = await store.takeOnSale(tx, offerId, quantity, now);
    if (row) {
      if (row.remaining === 0) for (const fn of this.#soldOut) await fn(tx, offerId, now);
      const version = Number(row.stock_version);
      await events.emit(tx, "offer.updated", { showId: row.show_id, offerId, remaining: row.remaining, version });
      return {
        offerId,
        showId: row.show_id,
        remaining: row.remaining,
        unitPrice: Number(row.show_price),
        currency: row.currency,
        perBuyerLimit: row.per_buyer_limit,
        vatRateBp: row.vat_rate_bp,
        version,
      };
    }
    const o = await store.offerState(tx, offerId);
    if (!o) throw new AppError("not_found", "No such offer.");
    if (o.closed_at || new Date(o.starts_at) > now || new Date(o.ends_at) <= now) throw new AppError("offer_not_active");
    if (!o.pinned && o.onAir && o.sells_only_while_pinned) throw new AppError("offer_not_pinned", undefined, { offerId });
    if (!o.pinned && !o.afterShow && !o.onAir) throw new AppError("offer_not_active");
    this.noteRemaining(offerId, o.remaining, Number(o.stock_version));
    throw new AppError("sold_out", o.remaining === 0 ? "Sold out." : `Only ${o.remaining} left.`, { remaining: o.remaining });
  }

  async #updated(tx: Tx, offerId: string, row: { show_id: string; remaining: number; stock_version: number | string }, events: EventBatch): Promise<number> {
    await events.emit(tx, "offer.updated", { showId: row.show_id, offerId, remaining: row.remaining, version: Number(row.stock_version) });
    return row.remaining;
  }
}
