import { randomInt } from "node:crypto";
import { type Kysely, type Selectable, type Transaction, sql } from "kysely";
import type { CouponClaimView, CouponPreviewView, CouponView, CreateOrderBody, DropCouponBody, OrderDiscountView } from "../../protocol/api.js";
import { type Db, type SharedTx, scoped } from "../db/index.js";
import type { EventBatch, Outbox } from "../outbox/index.js";
import type { OrderSubscriptions } from "../orders/index.js";
import type { Clock } from "../platform/clock.js";
import { AppError } from "../platform/errors.js";
import { randomId } from "../platform/ids.js";
import { isUniqueViolation } from "../db/index.js";
import type { CouponsReads, CouponsTables } from "./schema.js";

/** Coupons' view of the database: its own tables and the order status it reads (see schema.ts). */
type CouponsDb = CouponsTables & CouponsReads;
type Tx = Transaction<CouponsDb>;

type CouponRow = Selectable<CouponsTables["coupons"]>;

/** A claim made inside the window is honoured at checkout until this long after the window closed. */
export const CLAIM_USE_GRACE_MS = 15 * 60_000;
// Orders in these states no longer use their coupon claim: the buyer may use it on another order.
const RELEASED_ORDER_STATUSES = ["expired", "cancelled", "payment_failed"] as const;
// No 0/O, 1/I/L: codes are read out loud on stream.
const CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789";

export function couponView(r: CouponRow, now: Date): CouponView {
  const expired = new Date(r.expires_at).getTime() <= now.getTime();
  const status = r.ended_at ? "ended" : expired ? "expired" : r.max_claims !== null && r.claims >= r.max_claims ? "exhausted" : "active";
  return {
    id: r.id,
    showId: r.show_id,
    code: r.code,
    kind: r.kind,
    percentBp: r.percent_bp,
    amount: r.amount === null ? null : Number(r.amount),
    currency: r.currency,
    expiresAt: new Date(r.expires_at).toISOString(),
    maxClaims: r.max_claims,
    claims: r.claims,
    status,
  };
}

/**
 * The discount on an order's gross total, in minor units. Percent: floor(gross × bp / 10 000) — rounded down, so the
 * merchant never gives away a fraction of a cent more than announced. Fixed: the amount, at most the gross.
 */
export function discountFor(coupon: { kind: "percent" | "fixed"; percent_bp: number | null; amount: number | null }, gross: number): number {
  if (coupon.kind === "percent") return Math.floor((gross * (coupon.percent_bp ?? 0)) / 10_000);
  return Math.min(Number(coupon.amount ?? 0), gross);
}

/**
 * Coupon drops. The claim cap is one conditional UPDATE (claims < max_claims, before expires_at), the once-per-account
 * rule the primary key (coupon, account), the single use the conditional UPDATE of the claim's order_id: no
 * interleaving of requests gets past any of them.
 */
export class CouponService {
  private readonly db: Kysely<CouponsDb>;

  constructor(
    db: Db,
    private readonly clock: Clock,
    private readonly outbox: Outbox,
  ) {
    this.db = scoped(db);
  }

  async drop(showId: string, createdBy: string, body: DropCouponBody): Promise<CouponView> {
    const now = this.clock.now();
    const id = randomId("cpn");
    const code = (body.code ?? Array.from({ length: 8 }, () => CODE_ALPHABET[randomInt(CODE_ALPHABET.length)]).join("")).toUpperCase();
    const events = this.outbox.batch();
    try {
      const row = await this.db.transaction().execute(async (tx) => {
        const r = await tx
          .insertInto("coupons")
          .values({
            id,
            show_id: showId,
            code,
            kind: body.percentBp !== undefined ? "percent" : "fixed",
            percent_bp: body.percentBp ?? null,
            amount: body.amount ?? null,
            currency: body.currency ?? "EUR",
            max_claims: body.maxClaims ?? null,
            created_by: createdBy,
            created_at: now,
            expires_at: new Date(now.getTime() + body.minutes * 60_000),
            ended_at: null,
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        await events.emit(tx, "coupon.dropped", { showId, coupon: couponView(r, now) });
        return r;
      });
      await events.publish();
      return couponView(row, now);
    } catch (err) {
      if (isUniqueViolation(err)) throw new AppError("conflict", `The code ${code} is already in use in this show.`);
      throw err;
    }
  }

  async coupon(couponId: string): Promise<CouponView> {
    const row = await this.db.selectFrom("coupons").selectAll().where("id", "=", couponId).executeTakeFirst();
    if (!row) throw new AppError("not_found", "No such coupon.");
    return couponView(row, this.clock.now());
  }

  /** The host ends a coupon early: no more claims; claims not yet used can no longer be applied. */
  async end(couponId: string): Promise<CouponView> {
    const now = this.clock.now();
    const events = this.outbox.batch();
    const row = await this.db.transaction().execute(async (tx) => {
      const r = await tx
        .updateTable("coupons")
        .set({ ended_at: now })
        .where("id", "=", couponId)
        .where("ended_at", "is", null)
        .returningAll()
        .executeTakeFirst();
      if (r) await events.emit(tx, "coupon.ended", { showId: r.show_id, couponId });
      return r;
    });
    await events.publish();
    return row ? couponView(row, now) : this.coupon(couponId);
  }

  /** Coupons of a show, newest first (the studio's list); `activeOnly` for viewers joining late. */
  async ofShow(showId: string, opts: { activeOnly?: boolean } = {}): Promise<CouponView[]> {
    const now = this.clock.now();
    let q = this.db.selectFrom("coupons").selectAll().where("show_id", "=", showId);
    if (opts.activeOnly) q = q.where("ended_at", "is", null).where("expires_at", ">", now);
    const rows = await q.orderBy("created_at", "desc").orderBy("id", "desc").limit(100).execute();
    return rows.map((r) => couponView(r, now)).filter((c) => !opts.activeOnly || c.status === "active");
  }

  /** One tap in the viewer. Claiming again returns the same claim; a claim already used on an order is refused. */
  async claim(showId: string, code: string, accountId: string): Promise<CouponClaimView & { replayed: boolean }> {
    const now = this.clock.now();
    const events = this.outbox.batch();
    const res = await this.db.transaction().execute(async (tx) => {
      const coupon = await this.#byCode(tx, showId, code);
      const existing = await tx
        .selectFrom("coupon_claims")
        .selectAll()
        .where("coupon_id", "=", coupon.id)
        .where("account_id", "=", accountId)
        .executeTakeFirst();
      if (existing) {
        if (existing.order_id && !(await this.#orderReleased(tx, existing.order_id))) throw new AppError("coupon_already_used");
        return { coupon, claimedAt: new Date(existing.claimed_at), orderId: null, replayed: true };
      }
      const claimed = await this.#takeClaim(tx, coupon, accountId, now, events);
      return { coupon: claimed, claimedAt: now, orderId: null, replayed: false };
    });
    await events.publish();
    return { coupon: couponView(res.coupon, now), claimedAt: res.claimedAt.toISOString(), orderId: res.orderId, replayed: res.replayed };
  }

  /** The account's claims in a show (so a reloaded viewer still shows "claimed"). */
  async claimsOf(showId: string, accountId: string): Promise<CouponClaimView[]> {
    const now = this.clock.now();
    const rows = await this.db
      .selectFrom("coupon_claims")
      .innerJoin("coupons", "coupons.id", "coupon_claims.coupon_id")
      .leftJoin("orders", "orders.id", "coupon_claims.order_id")
      .selectAll("coupons")
      .select(["coupon_claims.claimed_at", "coupon_claims.order_id", "orders.status as order_status"])
      .where("coupons.show_id", "=", showId)
      .where("coupon_claims.account_id", "=", accountId)
      .orderBy("coupon_claims.claimed_at", "desc")
      .execute();
    // A claim whose order lapsed (expired, cancelled, declined) is free again: shown without its order.
    const released = (status: string | null) => status !== null && (RELEASED_ORDER_STATUSES as readonly string[]).includes(status);
    return rows.map((r) => ({
      coupon: couponView(r, now),
      claimedAt: new Date(r.claimed_at).toISOString(),
      orderId: released(r.order_status) ? null : r.order_id,
    }));
  }

  /** The discount recorded for an order, or null: what the receipt (and commission code) reads. */
  async orderDiscount(orderId: string, tx?: SharedTx): Promise<OrderDiscountView | null> {
    const r = await scoped<CouponsTables>(tx ?? this.db)
      .selectFrom("order_discounts")
      .selectAll()
      .where("order_id", "=", orderId)
      .executeTakeFirst();
    if (!r) return null;
    return {
      orderId: r.order_id,
      couponId: r.coupon_id,
      code: r.code,
      kind: r.kind,
      percentBp: r.percent_bp,
      gross: Number(r.gross),
      amount: Number(r.amount),
      currency: r.currency,
    };
  }

  /**
   * What the coupon would take off an order of `quantity` units of the offer, for this account, under the rules
   * #apply enforces at order time (window, cap, grace after claiming, one use, currency) — read only: nothing is
   * claimed. Checkout shows it before placing the hold; the order itself stays the authority.
   */
  async preview(
    offer: { id: string; showId: string; showPrice: number; currency: string },
    code: string,
    quantity: number,
    accountId: string,
  ): Promise<CouponPreviewView> {
    const now = this.clock.now();
    const coupon = await this.db.transaction().execute(async (tx) => {
      const c = await this.#byCode(tx, offer.showId, code);
      const claim = await tx.selectFrom("coupon_claims").selectAll().where("coupon_id", "=", c.id).where("account_id", "=", accountId).executeTakeFirst();
      if (claim?.order_id && !(await this.#orderReleased(tx, claim.order_id))) throw new AppError("coupon_already_used");
      assertUsable(c, offer.currency, Boolean(claim), now);
      return c;
    });
    const gross = offer.showPrice * quantity;
    const discount = discountFor(coupon, gross);
    return {
      offerId: offer.id,
      couponId: coupon.id,
      code: coupon.code,
      kind: coupon.kind,
      percentBp: coupon.percent_bp,
      quantity,
      gross,
      discount,
      total: gross - discount,
      currency: offer.currency,
    };
  }

  /** `coupon` in the order body is applied in the order's own transaction (its discount lowers the total). */
  subscribeToOrders(orders: OrderSubscriptions): void {
    orders.on("placed", (tx, order, body, events) => this.#apply(tx, order, body, events));
  }

  async #apply(
    tx: Tx,
    order: { id: string; showId: string; gross: number; currency: string; accountId: string | null },
    body: CreateOrderBody,
    events: EventBatch,
  ): Promise<{ discount: number } | undefined> {
    if (!body.coupon) return undefined;
    if (!order.accountId) throw new AppError("coupon_invalid", "Sign in to use a coupon (one use per account).");
    const now = this.clock.now();
    let coupon = await this.#byCode(tx, order.showId, body.coupon);
    const claim = await tx
      .selectFrom("coupon_claims")
      .selectAll()
      .where("coupon_id", "=", coupon.id)
      .where("account_id", "=", order.accountId)
      .executeTakeFirst();
    assertUsable(coupon, order.currency, Boolean(claim), now);
    // Not claimed yet: checkout claims it, under the same window and cap (a conditional write: the authority).
    if (!claim) coupon = await this.#takeClaim(tx, coupon, order.accountId, now, events);
    const used = await tx
      .updateTable("coupon_claims")
      .set({ order_id: order.id })
      .where("coupon_id", "=", coupon.id)
      .where("account_id", "=", order.accountId)
      .where((eb) =>
        eb.or([
          eb("order_id", "is", null),
          eb(
            "order_id",
            "in",
            eb
              .selectFrom("orders")
              .select("id")
              .where("status", "in", [...RELEASED_ORDER_STATUSES]),
          ),
        ]),
      )
      .returning("order_id")
      .executeTakeFirst();
    if (!used) throw new AppError("coupon_already_used");
    const amount = discountFor(coupon, order.gross);
    await tx
      .insertInto("order_discounts")
      .values({
        order_id: order.id,
        coupon_id: coupon.id,
        code: coupon.code,
        kind: coupon.kind,
        percent_bp: coupon.percent_bp,
        gross: order.gross,
        amount,
        currency: order.currency,
        created_at: now,
      })
      .execute();
    return { discount: amount };
  }

  async #byCode(tx: Tx, showId: string, code: string): Promise<CouponRow> {
    const row = await tx
      .selectFrom("coupons")
      .selectAll()
      .where("show_id", "=", showId)
      .where(sql<string>`upper(code)`, "=", code.trim().toUpperCase())
      .executeTakeFirst();
    if (!row) throw new AppError("coupon_invalid");
    return row;
  }

  /** One more claim: the account's row (primary key: once per account) and the conditional count. */
  async #takeClaim(tx: Tx, coupon: CouponRow, accountId: string, now: Date, events: EventBatch): Promise<CouponRow> {
    const updated = await tx
      .updateTable("coupons")
      .set({ claims: sql<number>`claims + 1` })
      .where("id", "=", coupon.id)
      .where("ended_at", "is", null)
      .where("expires_at", ">", now)
      .where((eb) => eb.or([eb("max_claims", "is", null), eb("claims", "<", eb.ref("max_claims"))]))
      .returningAll()
      .executeTakeFirst();
    if (!updated) {
      const current = await tx.selectFrom("coupons").selectAll().where("id", "=", coupon.id).executeTakeFirstOrThrow();
      assertUsable(current, current.currency, false, now);
      throw new AppError("coupon_exhausted");
    }
    // The coupon's row lock (taken by the UPDATE) orders concurrent claims of one account: the second finds the row.
    const inserted = await tx
      .insertInto("coupon_claims")
      .values({ coupon_id: coupon.id, account_id: accountId, claimed_at: now, order_id: null })
      .onConflict((oc) => oc.columns(["coupon_id", "account_id"]).doNothing())
      .returning("coupon_id")
      .executeTakeFirst();
    if (!inserted) throw new AppError("coupon_already_used", "This account has claimed the coupon already.");
    await events.emit(tx, "coupon.claimed", { showId: updated.show_id, couponId: updated.id, claims: updated.claims, maxClaims: updated.max_claims });
    return updated;
  }

  async #orderReleased(tx: Tx, orderId: string): Promise<boolean> {
    const o = await tx.selectFrom("orders").select("status").where("id", "=", orderId).executeTakeFirst();
    return !o || (RELEASED_ORDER_STATUSES as readonly string[]).includes(o.status);
  }
}

/**
 * The coupon's own rules for an order in `currency` (checkout preview and the order alike): a fixed amount only in its
 * currency; a claimed coupon is usable until a while after its window closed (unless the host ended it); an unclaimed
 * one only inside the window and under the cap.
 */
function assertUsable(c: CouponRow, currency: string, claimed: boolean, now: Date): void {
  if (c.kind === "fixed" && c.currency !== currency) throw new AppError("coupon_invalid", `This coupon is for orders in ${c.currency}.`);
  const closesAt = new Date(c.expires_at).getTime() + (claimed ? CLAIM_USE_GRACE_MS : 0);
  if (c.ended_at || closesAt <= now.getTime()) throw new AppError("coupon_expired");
  if (!claimed && c.max_claims !== null && c.claims >= c.max_claims) throw new AppError("coupon_exhausted");
}
