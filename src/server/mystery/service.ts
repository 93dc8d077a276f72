import { type Kysely, type Selectable, type Transaction, sql } from "kysely";
import type { CreateMysteryPoolBody, CreateOrderBody, MysteryDrawView, MysteryItemView, MysteryPoolView } from "../../protocol/api.js";
import { type FairnessCrypto, fromHex } from "../../protocol/fairness.js";
import { type OddsItem, displayOdds, drawMysteryUnit, oddsProblem } from "../../protocol/mystery-draw.js";
import { type Product, type Variant, variantLabel } from "../catalog/index.js";
import { type Db, perTransaction, scoped } from "../db/index.js";
import { commitSeed, nodeFairnessCrypto, randomSeed } from "../games/index.js";
import type { OfferService } from "../offers/index.js";
import type { OrderRow, OrderSubscriptions } from "../orders/index.js";
import type { EventBatch, Outbox } from "../outbox/index.js";
import type { Clock } from "../platform/clock.js";
import { AppError } from "../platform/errors.js";
import { randomId } from "../platform/ids.js";
import type { MysteryReads, MysteryTables } from "./schema.js";

type PoolRow = Selectable<MysteryTables["mystery_pools"]>;
type ItemRow = Selectable<MysteryTables["mystery_pool_items"]>;
/** Mystery's view of the database: its own tables and the declared reads (schema.ts). */
type MysteryView = MysteryTables & MysteryReads;
type MysteryDb = Kysely<MysteryView>;

export { nodeFairnessCrypto };

/** An item of the pool as the draw sees it: its id and published odds (the weight). */
const weight = (i: ItemRow): OddsItem => ({ id: i.id, oddsBp: i.odds_bp });

export interface PoolItemInput {
  product: Product;
  variant?: Variant;
  oddsBp: number;
  quantity: number;
}

/**
 * Mystery pools. A pool sells through an ordinary offer of Σ item quantities units; each unit of a paid order draws an
 * item inside the paid transaction (OrderService `paid` hook) with the committed seed (src/protocol/mystery-draw.ts).
 * Draws of one pool run one at a time under the pool's row lock, so the odds version a draw reads is the current one
 * and an item's stock is taken with a conditional UPDATE that cannot go below zero.
 */
export class MysteryService {
  private readonly db: MysteryDb;

  constructor(
    db: Db,
    private readonly clock: Clock,
    private readonly outbox: Outbox,
    private readonly offers: OfferService,
    private readonly crypto: FairnessCrypto = nodeFairnessCrypto,
  ) {
    this.db = scoped(db);
  }

  async settings(merchantId: string): Promise<{ adultOnly: boolean }> {
    const row = await this.db.selectFrom("mystery_settings").select("adult_only").where("merchant_id", "=", merchantId).executeTakeFirst();
    return { adultOnly: row?.adult_only ?? false };
  }

  /** The merchant's 18+ switch: when on, buying a mystery offer needs `ageConfirmed: true` (stored with the order). */
  async setSettings(merchantId: string, adultOnly: boolean): Promise<{ adultOnly: boolean }> {
    const now = this.clock.now();
    await this.db
      .insertInto("mystery_settings")
      .values({ merchant_id: merchantId, adult_only: adultOnly, updated_at: now })
      .onConflict((oc) => oc.column("merchant_id").doUpdateSet({ adult_only: adultOnly, updated_at: now }))
      .execute();
    return { adultOnly };
  }

  async create(showId: string, createdBy: string, body: Omit<CreateMysteryPoolBody, "items">, items: PoolItemInput[]): Promise<MysteryPoolView> {
    const problem = oddsProblem(items.map((i, n) => ({ id: String(n), oddsBp: i.oddsBp })));
    if (problem) throw new AppError("invalid_body", `items: ${problem}`, [{ path: "items", message: problem }]);
    const currency = items[0].product.currency;
    if (items.some((i) => i.product.currency !== currency)) throw new AppError("invalid_body", "items: all in one currency");
    const quantity = items.reduce((s, i) => s + i.quantity, 0);
    // The offer's units are exactly the pool's items, so every unit sold has an item to draw. Created unpinned: it is
    // pinned only once the pool exists.
    const listing: Product = { ...items[0].product, title: body.title, description: "", price: body.showPrice };
    const offer = await this.offers.create(showId, listing, {
      showPrice: body.showPrice,
      quantity,
      durationSeconds: body.durationSeconds,
      perBuyerLimit: body.perBuyerLimit,
    });
    const { seedHex, commitment } = await commitSeed(randomSeed(), this.crypto.sha256);
    const poolId = randomId("mys");
    const now = this.clock.now();
    const rows: ItemRow[] = items.map((i, position) => ({
      id: randomId("myi"),
      pool_id: poolId,
      position,
      product_id: i.product.id,
      variant_id: i.variant?.id ?? null,
      title: i.variant && variantLabel(i.variant) ? `${i.product.title} (${variantLabel(i.variant)})` : i.product.title,
      image_url: i.product.imageUrl,
      odds_bp: i.oddsBp,
      quantity: i.quantity,
      remaining: i.quantity,
    }));
    const events = this.outbox.batch();
    await this.db.transaction().execute(async (tx) => {
      await tx
        .insertInto("mystery_pools")
        .values({
          id: poolId,
          show_id: showId,
          offer_id: offer.id,
          title: body.title,
          seed_hex: seedHex,
          commitment,
          odds_version: 1,
          created_by: createdBy,
          created_at: now,
          closed_at: null,
        })
        .execute();
      await tx.insertInto("mystery_pool_items").values(rows).execute();
      await tx
        .insertInto("mystery_odds_versions")
        .values({ pool_id: poolId, version: 1, items: JSON.stringify(rows.map(weight)), created_at: now })
        .execute();
      await events.emit(tx, "mystery.opened", { showId, pool: await this.#view(tx, poolId) });
    });
    await events.publish();
    if (body.pin) await this.offers.setPinned(offer.id, true);
    return this.pool(poolId);
  }

  async pool(poolId: string): Promise<MysteryPoolView> {
    return this.#view(this.db, poolId);
  }

  async poolIdOfOffer(offerId: string): Promise<string | null> {
    return (await this.db.selectFrom("mystery_pools").select("id").where("offer_id", "=", offerId).executeTakeFirst())?.id ?? null;
  }

  async poolIdOfOrder(orderId: string): Promise<string | null> {
    return (await this.db.selectFrom("mystery_draws").select("pool_id").where("order_id", "=", orderId).limit(1).executeTakeFirst())?.pool_id ?? null;
  }

  /** Pools of a show, newest first. */
  async ofShow(showId: string): Promise<MysteryPoolView[]> {
    const rows = await this.db
      .selectFrom("mystery_pools")
      .select("id")
      .where("show_id", "=", showId)
      .orderBy("created_at", "desc")
      .orderBy("id", "desc")
      .limit(50)
      .execute();
    return Promise.all(rows.map((r) => this.pool(r.id)));
  }

  /** The host closes the pool: its offer ends; the seed is revealed once no hold of it waits for payment. */
  async close(poolId: string): Promise<MysteryPoolView> {
    const now = this.clock.now();
    const pool = await this.#row(this.db, poolId);
    await this.offers.end(pool.offer_id);
    await this.db.updateTable("mystery_pools").set({ closed_at: now }).where("id", "=", poolId).where("closed_at", "is", null).execute();
    const view = await this.pool(poolId);
    await this.outbox.emitNow("mystery.closed", { showId: pool.show_id, poolId, seed: view.seed });
    return view;
  }

  /** What a buyer got: one row per unit, with everything needed to re-run the draw once the seed is revealed. */
  async drawsOfOrder(orderId: string): Promise<MysteryDrawView[]> {
    const rows = await this.#draws().where("mystery_draws.order_id", "=", orderId).orderBy("mystery_draws.unit").execute();
    return rows.map(drawView);
  }

  /** Draws with their item and whether the unit came back: what a buyer's order and a pool's audit both show. */
  #draws() {
    return this.db
      .selectFrom("mystery_draws")
      .innerJoin("mystery_pool_items", "mystery_pool_items.id", "mystery_draws.item_id")
      .leftJoin("mystery_returns", "mystery_returns.draw_seq", "mystery_draws.seq")
      .select([
        "mystery_draws.order_id",
        "mystery_draws.unit",
        "mystery_draws.item_id",
        "mystery_draws.odds_version",
        "mystery_draws.ticket",
        "mystery_draws.hmac",
        "mystery_draws.drawn_at",
        "mystery_pool_items.title",
        "mystery_pool_items.image_url",
        "mystery_returns.returned_at",
      ]);
  }

  /** The audit log of a pool with the item set of every odds version: with the revealed seed, anyone re-runs each draw. */
  async audit(poolId: string): Promise<{ versions: { version: number; items: OddsItem[] }[]; draws: MysteryDrawView[] }> {
    const versions = await this.db.selectFrom("mystery_odds_versions").select(["version", "items"]).where("pool_id", "=", poolId).orderBy("version").execute();
    const draws = await this.#draws().where("mystery_draws.pool_id", "=", poolId).orderBy("mystery_draws.seq").execute();
    return { versions: versions.map((v) => ({ version: v.version, items: JSON.parse(v.items) as OddsItem[] })), draws: draws.map(drawView) };
  }

  /** Placing: the 18+ check and room in the pool; paid: the draw; refunded before shipping: the items go back. */
  subscribeToOrders(orders: OrderSubscriptions): void {
    orders.on("placed", async (tx, order, body) => {
      await this.#admit(tx, order, body);
      return undefined;
    });
    orders.on("paid", (tx, order, _view, events) => this.#drawOrder(tx, order, events));
    orders.on("refunded", (tx, order, _view, refund, events) => (refund.restocked ? this.#returnUnits(tx, order, refund, events) : Promise.resolve()));
  }

  /**
   * Placing a mystery order: the 18+ confirmation when the merchant asks for it (stored with the order), and room in
   * the pool — items left minus units held and not yet drawn — so no paid unit is ever without an item (a refund
   * before shipping puts the unit back on the offer and its drawn item back in the pool, see #returnUnits).
   */
  async #admit(tx: Transaction<MysteryView>, order: { id: string; offerId: string; quantity: number; bag?: true }, body: CreateOrderBody): Promise<void> {
    const pool = await this.#poolOf(tx, order.offerId);
    if (!pool) return;
    // A draw belongs to an order of the pool's offer alone (its units and refunds are the order's own).
    if (order.bag)
      throw new AppError("invalid_body", "lines: a mystery offer is bought on its own, not in a bag", [{ path: "lines", message: "mystery offer" }]);
    if (pool.adult_only && !body.ageConfirmed)
      throw new AppError("invalid_body", "ageConfirmed: this shop sells mystery items to adults only; confirm you are 18 or older", [
        { path: "ageConfirmed", message: "required (18+)" },
      ]);
    if (body.ageConfirmed)
      await tx.insertInto("mystery_age_confirmations").values({ order_id: order.id, pool_id: pool.id, confirmed_at: this.clock.now() }).execute();
    // The inventory's reservation holds the offer's row lock: holds of this pool are counted one after the other.
    const left = await tx
      .selectFrom("mystery_pool_items")
      .select(sql<number>`coalesce(sum(remaining), 0)`.as("n"))
      .where("pool_id", "=", pool.id)
      .executeTakeFirstOrThrow();
    const held = await tx
      .selectFrom("orders")
      .select(sql<number>`coalesce(sum(quantity), 0)`.as("n"))
      .where("offer_id", "=", order.offerId)
      .where("status", "=", "pending_payment")
      .where("id", "!=", order.id)
      .executeTakeFirstOrThrow();
    if (Number(left.n) - Number(held.n) < order.quantity) throw new AppError("sold_out", "Every item of this mystery pool is taken.");
  }

  /**
   * The offer's pool, if it has one, once per transaction: every order's transaction asks, and a set-wise tick of 100
   * orders of an offer that is no mystery then asks once. Pools are made and set up outside orders' transactions.
   */
  #poolOf(tx: Transaction<MysteryView>, offerId: string) {
    return perTransaction(tx, `mystery:pool:${offerId}`, () =>
      tx
        .selectFrom("mystery_pools")
        .innerJoin("shows", "shows.id", "mystery_pools.show_id")
        .leftJoin("mystery_settings", "mystery_settings.merchant_id", "shows.merchant_id")
        .select(["mystery_pools.id", "mystery_settings.adult_only"])
        .where("mystery_pools.offer_id", "=", offerId)
        .executeTakeFirst(),
    );
  }

  async #drawOrder(tx: Transaction<MysteryView>, order: OrderRow, events: EventBatch): Promise<void> {
    if (!(await this.#poolOf(tx, order.offer_id))) return;
    const pool = await tx.selectFrom("mystery_pools").selectAll().where("offer_id", "=", order.offer_id).forUpdate().executeTakeFirst();
    if (!pool) return;
    const seed = fromHex(pool.seed_hex);
    const now = this.clock.now();
    let version = pool.odds_version;
    let changed = false;
    for (let unit = 0; unit < order.quantity; unit++) {
      const inStock = await tx
        .selectFrom("mystery_pool_items")
        .selectAll()
        .where("pool_id", "=", pool.id)
        .where("remaining", ">", 0)
        .orderBy("position")
        .execute();
      // Cannot happen while #admit keeps holds within the pool; a payment already taken must not fail here.
      if (inStock.length === 0) return;
      const draw = await drawMysteryUnit(seed, order.id, unit, inStock.map(weight), this.crypto);
      const itemLeft = await this.offers.inventory.reserve(tx, { kind: "mystery_item", itemId: draw.item.id }, 1, events);
      await tx
        .insertInto("mystery_draws")
        .values({
          pool_id: pool.id,
          order_id: order.id,
          unit,
          item_id: draw.item.id,
          odds_version: version,
          ticket: draw.ticket,
          hmac: draw.hmac,
          drawn_at: now,
        })
        .execute();
      if (itemLeft === 0) {
        // The item ran out: the next draw uses the items left, weighted by their published odds (proportional).
        version++;
        changed = true;
        const left = inStock.filter((i) => i.id !== draw.item.id);
        await tx
          .insertInto("mystery_odds_versions")
          .values({ pool_id: pool.id, version, items: JSON.stringify(left.map(weight)), created_at: now })
          .execute();
      }
    }
    if (!changed) return;
    await tx.updateTable("mystery_pools").set({ odds_version: version }).where("id", "=", pool.id).execute();
    await this.#emitOdds(tx, pool, events);
  }

  /**
   * A refund before shipping: the item drawn for each refunded unit goes back to the pool (the unit went back on the
   * offer in the same transaction), the last drawn units first. An item back from zero joins the item set again, so a
   * new odds version is written; either way `mystery.odds` tells viewers the counts. Each return is an audit row.
   */
  async #returnUnits(tx: Transaction<MysteryView>, order: OrderRow, refund: { id: string; quantity: number }, events: EventBatch): Promise<void> {
    const pool = await tx.selectFrom("mystery_pools").selectAll().where("offer_id", "=", order.offer_id).forUpdate().executeTakeFirst();
    if (!pool) return;
    const draws = await tx
      .selectFrom("mystery_draws")
      .leftJoin("mystery_returns", "mystery_returns.draw_seq", "mystery_draws.seq")
      .select(["mystery_draws.seq", "mystery_draws.unit", "mystery_draws.item_id"])
      .where("mystery_draws.order_id", "=", order.id)
      .where("mystery_returns.draw_seq", "is", null)
      .orderBy("mystery_draws.unit", "desc")
      .limit(refund.quantity)
      .execute();
    if (draws.length === 0) return;
    let reopened = false;
    for (const d of draws) {
      const itemLeft = await this.offers.inventory.release(tx, { kind: "mystery_item", itemId: d.item_id }, 1, events);
      if (itemLeft === 1) reopened = true;
    }
    let version = pool.odds_version;
    const now = this.clock.now();
    if (reopened) {
      version++;
      const inStock = await tx
        .selectFrom("mystery_pool_items")
        .selectAll()
        .where("pool_id", "=", pool.id)
        .where("remaining", ">", 0)
        .orderBy("position")
        .execute();
      await tx
        .insertInto("mystery_odds_versions")
        .values({ pool_id: pool.id, version, items: JSON.stringify(inStock.map(weight)), created_at: now })
        .execute();
      await tx.updateTable("mystery_pools").set({ odds_version: version }).where("id", "=", pool.id).execute();
    }
    await tx
      .insertInto("mystery_returns")
      .values(
        draws.map((d) => ({
          draw_seq: d.seq,
          pool_id: pool.id,
          order_id: order.id,
          unit: d.unit,
          item_id: d.item_id,
          refund_id: refund.id,
          odds_version: version,
          returned_at: now,
        })),
      )
      .execute();
    await this.#emitOdds(tx, pool, events);
  }

  async #emitOdds(tx: Transaction<MysteryView>, pool: PoolRow, events: EventBatch): Promise<void> {
    const view = await this.#view(tx, pool.id);
    await events.emit(tx, "mystery.odds", {
      showId: pool.show_id,
      poolId: pool.id,
      oddsVersion: view.oddsVersion,
      items: view.items.map((i) => ({ id: i.id, currentOddsBp: i.currentOddsBp, remaining: i.remaining })),
      soldOut: view.soldOut,
    });
  }

  async #row(db: MysteryDb, poolId: string): Promise<PoolRow> {
    const row = await db.selectFrom("mystery_pools").selectAll().where("id", "=", poolId).executeTakeFirst();
    if (!row) throw new AppError("not_found", "No such mystery pool.");
    return row;
  }

  async #view(db: MysteryDb, poolId: string): Promise<MysteryPoolView> {
    const pool = await this.#row(db, poolId);
    const items = await db.selectFrom("mystery_pool_items").selectAll().where("pool_id", "=", poolId).orderBy("position").execute();
    const offer = await db.selectFrom("offers").select(["closed_at", "ends_at"]).where("id", "=", pool.offer_id).executeTakeFirstOrThrow();
    const adult = await db
      .selectFrom("shows")
      .innerJoin("mystery_settings", "mystery_settings.merchant_id", "shows.merchant_id")
      .select("mystery_settings.adult_only")
      .where("shows.id", "=", pool.show_id)
      .executeTakeFirst();
    const current = new Map(displayOdds(items.filter((i) => i.remaining > 0).map(weight)).map((i) => [i.id, i.oddsBp]));
    const closed = pool.closed_at !== null || offer.closed_at !== null || new Date(offer.ends_at) <= this.clock.now();
    let seed: string | null = null;
    if (closed) {
      // Revealed only when no hold can still be paid: a buyer who knew the seed could otherwise pick their draw.
      const pending = await db
        .selectFrom("orders")
        .select("id")
        .where("offer_id", "=", pool.offer_id)
        .where("status", "=", "pending_payment")
        .limit(1)
        .executeTakeFirst();
      if (!pending) seed = pool.seed_hex;
    }
    const itemViews: MysteryItemView[] = items.map((i) => ({
      id: i.id,
      title: i.title,
      imageUrl: i.image_url,
      productId: i.product_id,
      variantId: i.variant_id,
      oddsBp: i.odds_bp,
      currentOddsBp: current.get(i.id) ?? 0,
      quantity: i.quantity,
      remaining: i.remaining,
    }));
    return {
      id: pool.id,
      showId: pool.show_id,
      offerId: pool.offer_id,
      title: pool.title,
      commitment: pool.commitment,
      oddsVersion: pool.odds_version,
      items: itemViews,
      adultOnly: adult?.adult_only ?? false,
      soldOut: items.every((i) => i.remaining === 0),
      status: closed ? "closed" : "open",
      seed,
    };
  }
}

function drawView(r: {
  order_id: string;
  unit: number;
  item_id: string;
  odds_version: number;
  ticket: number;
  hmac: string;
  drawn_at: Date;
  title: string;
  image_url: string;
  returned_at: Date | null;
}): MysteryDrawView {
  return {
    orderId: r.order_id,
    unit: r.unit,
    itemId: r.item_id,
    title: r.title,
    imageUrl: r.image_url,
    oddsVersion: r.odds_version,
    ticket: r.ticket,
    hmac: r.hmac,
    drawnAt: new Date(r.drawn_at).toISOString(),
    returnedAt: r.returned_at ? new Date(r.returned_at).toISOString() : null,
  };
}
