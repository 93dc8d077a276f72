import type { Kysely, Selectable, Transaction } from "kysely";
import type { LineupItemBody, LineupItemState, LineupItemView, OfferView } from "../../protocol/api.js";
import { type CatalogService, type Product, type Variant, variantLabel } from "../catalog/index.js";
import { type Db, type SharedTx, scoped } from "../db/index.js";
import type { Outbox } from "../outbox/index.js";
import type { Clock } from "../platform/clock.js";
import { AppError } from "../platform/errors.js";
import { randomId } from "../platform/ids.js";
import type { OffersTables } from "./schema.js";
import type { OfferService } from "./service.js";

type Tx = Transaction<OffersTables>;
type Q = Kysely<OffersTables>;
type ItemRow = Selectable<OffersTables["lineup_items"]>;

/** An offer made from a line-up item stays open this long unless the item says otherwise. */
export const DEFAULT_LINEUP_DURATION_SECONDS = 4 * 3600;

interface ShowRef {
  id: string;
  merchantId: string;
}

/**
 * A show's line-up: the products (or variants) it plans to sell, in order, each with its show price, quantity,
 * per-buyer limit and pin behaviour. An item becomes an offer (through OfferService.create, which takes its units out
 * of the variant's stock via the inventory) when the studio pins it or opens the line-up; until then nothing is
 * reserved, so the shelf stock is checked when the item is saved and again when it goes on sale.
 */
export class LineupService {
  private readonly db: Kysely<OffersTables>;

  constructor(
    db: Db,
    private readonly clock: Clock,
    private readonly offers: OfferService,
    private readonly catalog: CatalogService,
    private readonly outbox: Outbox,
  ) {
    this.db = scoped(db);
  }

  /**
   * The show's offers on sale that come from its line-up, in line-up order: the viewers' shop tab lists them so
   * (snapshot `lineup`, event lineup.changed). Ended offers drop out; offers made on the fly are not in the line-up.
   */
  async onSaleOrder(showId: string, q: Q = this.db): Promise<string[]> {
    const rows = await q
      .selectFrom("lineup_items")
      .innerJoin("offers", "offers.id", "lineup_items.offer_id")
      .select("lineup_items.offer_id")
      .where("lineup_items.show_id", "=", showId)
      .where("offers.closed_at", "is", null)
      .where("offers.ends_at", ">", this.clock.now())
      .orderBy("lineup_items.position")
      .orderBy("lineup_items.created_at")
      .orderBy("lineup_items.id")
      .execute();
    return rows.map((r) => r.offer_id!);
  }

  /** Written in the transaction that changed what is on sale or its order; viewers re-sort their shop tab. */
  async #announceOrder(tx: Tx, showId: string, events: ReturnType<Outbox["batch"]>): Promise<void> {
    await events.emit(tx, "lineup.changed", { showId, offerIds: await this.onSaleOrder(showId, tx) });
  }

  async items(show: ShowRef): Promise<LineupItemView[]> {
    const rows = (await this.db
      .selectFrom("lineup_items")
      .selectAll()
      .where("show_id", "=", show.id)
      .orderBy("position")
      .orderBy("created_at")
      .orderBy("id")
      .execute()) as ItemRow[];
    if (rows.length === 0) return [];
    const products = new Map((await this.catalog.adminProducts(show.merchantId)).map((p) => [p.id, p]));
    const offerViews = new Map<string, OfferView>();
    await Promise.all(
      rows
        .filter((r) => r.offer_id)
        .map(async (r) => {
          offerViews.set(r.offer_id!, await this.offers.offer(r.offer_id!));
        }),
    );
    const missing = rows.filter((r) => !products.has(r.product_id));
    // Archived products leave adminProducts; items made from them still show their title.
    const archived = new Map<string, Product>();
    for (const r of missing) if (!archived.has(r.product_id)) archived.set(r.product_id, await this.catalog.product(r.product_id));
    return rows.map((r, i) => {
      const p = products.get(r.product_id);
      const product = p ?? archived.get(r.product_id)!;
      const variant = p?.variants.find((v) => v.id === r.variant_id) ?? null;
      const label = variant ? variantLabel(variant) : "";
      const offer = r.offer_id ? (offerViews.get(r.offer_id) ?? null) : null;
      return toView(r, i, {
        title: label ? `${product.title} (${label})` : product.title,
        imageUrl: product.imageUrl,
        price: product.price,
        currency: product.currency,
        stock: r.variant_id ? (variant?.stock ?? 0) : null,
        offer,
      });
    });
  }

  async item(show: ShowRef, itemId: string): Promise<LineupItemView> {
    const item = (await this.items(show)).find((i) => i.id === itemId);
    if (!item) throw new AppError("not_found", "No such line-up item in this show.");
    return item;
  }

  /**
   * Checks an item against the shop's catalog: the product is the show's merchant's, the variant is the product's,
   * and the quantity is on the shelf (insufficient_stock with details.stock otherwise).
   */
  async check(merchantId: string, input: LineupItemBody, index?: number): Promise<{ product: Product; variant: Variant | undefined }> {
    const where = index === undefined ? "" : `lineup[${index}].`;
    const product = await this.catalog.product(input.productId).catch(() => null);
    if (!product || product.merchantId !== merchantId) throw new AppError("invalid_body", `${where}productId: not a product of this show's shop`);
    let variant: Variant | undefined;
    if (input.variantId) {
      variant = await this.catalog.variant(input.variantId).catch(() => undefined);
      if (!variant || variant.productId !== product.id) throw new AppError("invalid_body", `${where}variantId: not a variant of this product`);
      if (input.quantity > variant.stock)
        throw new AppError("insufficient_stock", `${where}quantity: only ${variant.stock} of ${product.title} (${variantLabel(variant)}) in stock`, {
          stock: variant.stock,
          ...(index === undefined ? {} : { index }),
        });
    }
    return { product, variant };
  }

  /** Adds one item (the studio, on the fly): appended, or inserted at `position` (0-based) with the rest moved down. */
  async add(show: ShowRef, input: LineupItemBody & { position?: number }): Promise<LineupItemView> {
    await this.check(show.merchantId, input);
    const id = randomId("lup");
    await this.db.transaction().execute(async (tx) => {
      const count = Number(
        (
          await tx
            .selectFrom("lineup_items")
            .select((eb) => eb.fn.countAll().as("n"))
            .where("show_id", "=", show.id)
            .executeTakeFirstOrThrow()
        ).n,
      );
      const position = Math.min(input.position ?? count, count);
      if (position < count) await this.#renumber(tx, show.id, { insertAt: position });
      await tx
        .insertInto("lineup_items")
        .values(this.#row(show.id, id, input, position))
        .execute();
    });
    return this.item(show, id);
  }

  /**
   * The merchant's show form: replaces the planned items (those not on sale yet) with `items`, in the caller's
   * transaction, after the items already on sale. The caller checks each item first (check(), outside the
   * transaction: PGlite's one connection is the transaction's), so an error writes nothing.
   */
  async replacePlanned(showTx: SharedTx, show: ShowRef, items: LineupItemBody[]): Promise<void> {
    const tx: Tx = scoped(showTx);
    await tx.deleteFrom("lineup_items").where("show_id", "=", show.id).where("offer_id", "is", null).execute();
    const kept = Number(
      (
        await tx
          .selectFrom("lineup_items")
          .select((eb) => eb.fn.countAll().as("n"))
          .where("show_id", "=", show.id)
          .executeTakeFirstOrThrow()
      ).n,
    );
    if (kept) await this.#renumber(tx, show.id, {});
    if (items.length)
      await tx
        .insertInto("lineup_items")
        .values(items.map((item, i) => this.#row(show.id, randomId("lup"), item, kept + i)))
        .execute();
  }

  /** Copies a show's items as planned ones of another show (duplicating a show): nothing on sale, nothing reserved. */
  async copyPlanned(showTx: SharedTx, fromShowId: string, toShowId: string): Promise<void> {
    const tx: Tx = scoped(showTx);
    const rows = await tx.selectFrom("lineup_items").selectAll().where("show_id", "=", fromShowId).orderBy("position").orderBy("id").execute();
    if (!rows.length) return;
    const now = this.clock.now();
    await tx
      .insertInto("lineup_items")
      .values(rows.map((r, i) => ({ ...r, id: randomId("lup"), show_id: toShowId, offer_id: null, position: i, created_at: now })))
      .execute();
  }

  /** The whole line-up in a new order: `itemIds` must name every item of the show once. */
  async reorder(show: ShowRef, itemIds: string[]): Promise<LineupItemView[]> {
    const events = this.outbox.batch();
    await this.db.transaction().execute(async (tx) => {
      const ids = (await tx.selectFrom("lineup_items").select("id").where("show_id", "=", show.id).execute()).map((r) => r.id);
      const known = new Set(ids);
      if (itemIds.length !== ids.length || itemIds.some((id) => !known.has(id)))
        throw new AppError("invalid_body", "itemIds: name every item of this show's line-up exactly once");
      for (const [position, id] of itemIds.entries()) await tx.updateTable("lineup_items").set({ position }).where("id", "=", id).execute();
      await this.#announceOrder(tx, show.id, events);
    });
    await events.publish();
    return this.items(show);
  }

  /** Removes an item that is not on sale yet (an item with an offer stays: end the offer instead). */
  async remove(show: ShowRef, itemId: string): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      const row = await tx.selectFrom("lineup_items").select(["offer_id"]).where("id", "=", itemId).where("show_id", "=", show.id).executeTakeFirst();
      if (!row) throw new AppError("not_found", "No such line-up item in this show.");
      if (row.offer_id) throw new AppError("conflict", "This item is on sale: end its offer instead.");
      await tx.deleteFrom("lineup_items").where("id", "=", itemId).execute();
      await this.#renumber(tx, show.id, {});
    });
  }

  /**
   * Makes the item the pinned card: its offer is created (units reserved from the variant) and pinned, or its open
   * offer is pinned again. An item whose offer ended cannot be pinned (offer_not_active).
   */
  async pin(show: ShowRef, itemId: string): Promise<{ item: LineupItemView; offer: OfferView }> {
    const row = (await this.db.selectFrom("lineup_items").selectAll().where("id", "=", itemId).where("show_id", "=", show.id).executeTakeFirst()) as
      | ItemRow
      | undefined;
    if (!row) throw new AppError("not_found", "No such line-up item in this show.");
    const offer = row.offer_id ? await this.offers.setPinned(row.offer_id, true) : await this.#open(show, row, true);
    return { item: await this.item(show, itemId), offer };
  }

  /**
   * Pins the next item: the first one after the pinned card (or from the top when none is pinned) that is not over
   * (planned, or its offer still open). lineup_exhausted when there is none.
   */
  async pinNext(show: ShowRef): Promise<{ item: LineupItemView; offer: OfferView }> {
    const items = await this.items(show);
    const current = items.findIndex((i) => i.state === "pinned");
    const next = items.slice(current + 1).find((i) => i.state === "planned" || i.state === "open");
    if (!next) throw new AppError("lineup_exhausted", current === -1 ? "Nothing in the line-up can be pinned." : "The pinned item is the last of the line-up.");
    return this.pin(show, next.id);
  }

  /**
   * Puts items on sale without pinning them (the viewers' shop tab lists them), except that the first `startPinned`
   * item among them is pinned. Default: every planned item. Already open items are left as they are.
   */
  async open(show: ShowRef, itemIds?: string[]): Promise<LineupItemView[]> {
    let rows = (await this.db
      .selectFrom("lineup_items")
      .selectAll()
      .where("show_id", "=", show.id)
      .where("offer_id", "is", null)
      .orderBy("position")
      .orderBy("id")
      .execute()) as ItemRow[];
    if (itemIds) {
      const all = new Set((await this.db.selectFrom("lineup_items").select("id").where("show_id", "=", show.id).execute()).map((r) => r.id));
      const unknown = itemIds.find((id) => !all.has(id));
      if (unknown) throw new AppError("invalid_body", `itemIds: ${unknown} is not an item of this show`);
      const wanted = new Set(itemIds);
      rows = rows.filter((r) => wanted.has(r.id));
    }
    const toPin = rows.find((r) => r.start_pinned);
    for (const r of rows) if (r !== toPin) await this.#open(show, r, false);
    if (toPin) await this.#open(show, toPin, true);
    return this.items(show);
  }

  /** Creates the item's offer, linking it in the same transaction; a concurrent open of the same item gets conflict. */
  async #open(show: ShowRef, row: ItemRow, pin: boolean): Promise<OfferView> {
    const { product, variant } = await this.check(show.merchantId, {
      productId: row.product_id,
      variantId: row.variant_id ?? undefined,
      showPrice: Number(row.show_price),
      quantity: row.quantity,
    });
    const events = this.outbox.batch();
    const offer = await this.offers.create(
      show.id,
      product,
      {
        showPrice: Number(row.show_price),
        quantity: row.quantity,
        durationSeconds: row.duration_seconds,
        perBuyerLimit: row.per_buyer_limit,
        sellsOnlyWhilePinned: row.sells_only_while_pinned,
        pin,
      },
      variant,
      async (tx, offerId) => {
        const linked = await tx
          .updateTable("lineup_items")
          .set({ offer_id: offerId })
          .where("id", "=", row.id)
          .where("offer_id", "is", null)
          .returning("id")
          .executeTakeFirst();
        if (!linked) throw new AppError("conflict", "This line-up item went on sale meanwhile.");
        await this.#announceOrder(tx, show.id, events);
      },
    );
    await events.publish();
    return offer;
  }

  /** Positions 0…n-1 in the current order, leaving a gap at `insertAt`. */
  async #renumber(q: Q, showId: string, opts: { insertAt?: number }): Promise<void> {
    const rows = await q
      .selectFrom("lineup_items")
      .select(["id", "position"])
      .where("show_id", "=", showId)
      .orderBy("position")
      .orderBy("created_at")
      .orderBy("id")
      .execute();
    for (const [i, r] of rows.entries()) {
      const position = opts.insertAt !== undefined && i >= opts.insertAt ? i + 1 : i;
      if (r.position !== position) await q.updateTable("lineup_items").set({ position }).where("id", "=", r.id).execute();
    }
  }

  #row(showId: string, id: string, input: LineupItemBody, position: number) {
    return {
      id,
      show_id: showId,
      product_id: input.productId,
      variant_id: input.variantId ?? null,
      show_price: input.showPrice,
      quantity: input.quantity,
      per_buyer_limit: input.perBuyerLimit ?? null,
      start_pinned: input.startPinned ?? false,
      sells_only_while_pinned: input.sellsOnlyWhilePinned ?? false,
      duration_seconds: input.durationSeconds ?? DEFAULT_LINEUP_DURATION_SECONDS,
      position,
      offer_id: null,
      created_at: this.clock.now(),
    };
  }
}

function toView(
  r: ItemRow,
  position: number,
  extra: { title: string; imageUrl: string; price: number; currency: string; stock: number | null; offer: OfferView | null },
): LineupItemView {
  const state: LineupItemState = !extra.offer ? "planned" : extra.offer.status === "ended" ? "ended" : extra.offer.pinned ? "pinned" : "open";
  return {
    id: r.id,
    showId: r.show_id,
    position,
    productId: r.product_id,
    variantId: r.variant_id,
    title: extra.title,
    imageUrl: extra.imageUrl,
    price: extra.price,
    showPrice: Number(r.show_price),
    currency: extra.currency,
    quantity: r.quantity,
    perBuyerLimit: r.per_buyer_limit,
    startPinned: r.start_pinned,
    sellsOnlyWhilePinned: r.sells_only_while_pinned,
    durationSeconds: r.duration_seconds,
    stock: extra.stock,
    state,
    offerId: r.offer_id,
    offer: extra.offer,
  };
}
