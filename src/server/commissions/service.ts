import { randomBytes } from "node:crypto";
import { sql, type Transaction } from "kysely";
import type { CommissionRuleSetView, CommissionRules, CommissionShareView, EarningsBalances } from "../../protocol/api.js";
import { vatIncluded } from "../catalog/index.js";
import { anyText } from "../db/array-literal.js";
import { type Db, type SharedTx, scoped } from "../db/index.js";
import type { OrderSubscriptions } from "../orders/index.js";
import type { Bus } from "../platform/bus.js";
import type { Clock } from "../platform/clock.js";
import { AppError } from "../platform/errors.js";
import { randomId } from "../platform/ids.js";
import type { ShowService } from "../shows/index.js";
import { attributeOrder, attributeOrders, attributionFromRow, ruleSetVersion, showHostShares, type Attribution, type CommissionsDb } from "./attribution.js";
import {
  type LedgerTransaction,
  type Posting,
  hostAccount,
  hostBalances,
  merchantExpense,
  orderHostBalances,
  postTransaction,
  postTransactions,
} from "./ledger.js";
import { DEFAULT_RETURN_WINDOW_DAYS, lineCommission, splitBetweenHosts, type HostShare } from "./rules.js";
import type { CommissionsView } from "./schema.js";

type Tx = Transaction<CommissionsView>;

const DAY_MS = 24 * 3600 * 1000;

/** A paid order's figures for its commission; `rateBp` is the show's own rate, used only under no rule set (version 0). */
export interface CommissionInput {
  orderId: string;
  showId: string;
  hostAccountId: string;
  total: number;
  currency: string;
  rateBp: number;
  discount?: number;
}

/** Legacy helper (version 0 rules): floor(total × rate_bp / 10 000). */
export function commissionFor(total: number, rateBp: number): number {
  return Math.floor((total * rateBp) / 10_000);
}

export interface CommissionOptions {
  /** With a bus, every commission written for a show is announced to its studio (`earnings.updated`). */
  bus?: Bus;
  /** Accounts' display names (the studio's commission split names each host); without it the ids stand in. */
  displayNames?: (accountIds: string[]) => Promise<Map<string, string>>;
  /** Least time between two announcements of a show's earnings (ANNOUNCE_GAP_MS; tests shorten it). */
  announceGapMs?: number;
}

// Pacing of the studio's earnings.updated during a sale (a figure four times a second is live enough for a host).
export const ANNOUNCE_GAP_MS = 250;

/**
 * Host commissions on a double-entry ledger (see ledger.ts and docs/api.md "Host commissions"): merchant rule sets
 * (versioned), attribution of orders to shows and hosts, commission at payment, reversal at refund, and the move from
 * pending to available after the return window. Balances are always sums of postings.
 */
export class CommissionService {
  private readonly db: CommissionsDb;

  constructor(
    db: Db,
    private readonly clock: Clock,
    private readonly opts: CommissionOptions = {},
  ) {
    this.db = scoped(db);
    // order.paid is published after the payment's transaction committed: the commission is in the ledger by then.
    // Local only: the node where the sale happened announces it once; the hub fans it out to every node's studio sockets.
    opts.bus?.subscribeLocal("order.paid", ({ showId }) => this.#announceSoon(showId));
  }

  // Shows whose earnings are being read for an announcement; `again`: an order was paid meanwhile.
  readonly #announcing = new Map<string, { again: boolean }>();

  /**
   * One announcement at a time per show, at most one every ANNOUNCE_GAP_MS, and one more at the end of the gap when
   * orders were paid meanwhile: a flash sale's hundreds of paid orders a second cost a few reads of the show's
   * earnings, not five statements each, and the last figure announced is still the one after the last order. The
   * reads sum every posting of the show: back to back they took a growing share of the database during a sale (one
   * round per paid order). The first order after a quiet gap is announced at once. (Until 2026-12-07 the gap was kept
   * only when an order came in during the reads, so orders paid a little apart, 20 a second in the fan-out bench, were
   * each announced: five statements per paid order.)
   */
  #announceSoon(showId: string): void {
    const running = this.#announcing.get(showId);
    if (running) {
      running.again = true;
      return;
    }
    const state = { again: false };
    this.#announcing.set(showId, state);
    const gapMs = this.opts.announceGapMs ?? ANNOUNCE_GAP_MS;
    void (async () => {
      try {
        do {
          state.again = false;
          const started = performance.now();
          await this.#announce(showId).catch(() => {});
          // A timer counts from the event loop's cached time, so it can fire a little early by performance.now()
          // (a loaded loop's turn early): the rest is waited out.
          for (let wait = gapMs - (performance.now() - started); wait > 0; wait = gapMs - (performance.now() - started)) {
            await new Promise((r) => setTimeout(r, wait).unref());
          }
        } while (state.again);
      } finally {
        this.#announcing.delete(showId);
      }
    })();
  }

  async #announce(showId: string): Promise<void> {
    if (!this.opts.bus) return;
    const [pending, split] = await Promise.all([this.showPendingEarnings(showId), this.showEarningsSplit(showId)]);
    await this.opts.bus.publish("earnings.updated", { showId, pending, currency: "EUR", split });
  }

  /**
   * The host's commission follows the order, inside its transactions: attributed when it is placed, written when it
   * is paid (the figure goes into order.paid), taken back by a refund before its units go back (the figure goes into
   * the refund's history row). Subscribed after the other order subscribers, as their effects came first before.
   */
  subscribeToOrders(orders: OrderSubscriptions, shows: Pick<ShowService, "commissionTerms">): void {
    orders.onPlaced(
      async (tx, order) => {
        await this.attribute(tx, { orderId: order.id, showId: order.showId, referral: order.referral, at: order.at });
        return undefined;
      },
      async (tx, placed) => {
        await attributeOrders(
          scoped(tx),
          placed.map(({ order }) => ({ orderId: order.id, showId: order.showId, referral: order.referral, at: order.at })),
        );
        return [];
      },
    );
    // Cached by the shows module; read in the order's transaction when it is not.
    const input = async (tx: SharedTx, order: { id: string; total: number | string }, view: { showId: string; currency: string }) => {
      const terms = await shows.commissionTerms(view.showId, tx);
      return {
        orderId: order.id,
        showId: view.showId,
        hostAccountId: terms.hostAccountId,
        total: Number(order.total),
        currency: view.currency,
        rateBp: terms.rateBp,
      };
    };
    orders.onPaid(
      async (tx, order, view) => ({ commission: await this.recordForOrder(tx, await input(tx, order, view)) }),
      async (tx, paid) => {
        const inputs: CommissionInput[] = [];
        for (const p of paid) inputs.push(await input(tx, p.order, p.view));
        return (await this.recordForOrders(tx, inputs)).map((commission) => ({ commission }));
      },
    );
    orders.on("refunding", async (tx, order, refund) => ({
      commissionReversed: await this.reverseForRefund(tx, {
        orderId: order.id,
        refundId: refund.id,
        refundAmount: refund.amount,
        completesRefund: order.refunded_quantity === order.quantity,
      }),
    }));
  }

  /** Who an order belongs to, inside the transaction that creates it (see attribution.ts). */
  attribute(tx: SharedTx, input: { orderId: string; showId: string; referral: string | null; at: Date }): Promise<Attribution> {
    return attributeOrder(scoped(tx), input);
  }

  /**
   * Writes the commission of a paid order in the caller's transaction, once (unique per order): the merchant's
   * commission expense against each attributed host's pending account, under the rule version stored on the order.
   * `rateBp` is the show's own rate, used only when the order falls under no rule set (version 0).
   */
  async recordForOrder(orderTx: SharedTx, input: CommissionInput, paidLater: readonly string[] = []): Promise<number> {
    const tx: Tx = scoped(orderTx);
    const order = await tx
      .selectFrom("orders")
      .innerJoin("offers", "offers.id", "orders.offer_id")
      .select(["orders.quantity", "orders.vat_rate_bp", "orders.created_at", "orders.line_count", "offers.product_id"])
      .where("orders.id", "=", input.orderId)
      .executeTakeFirstOrThrow();
    const attribution = await this.#attribution(tx, input.orderId, input.showId, new Date(order.created_at));
    const set = await ruleSetVersion(tx, attribution.merchantId, attribution.ruleVersion);
    const entry = await this.#commissionEntry(tx, input, order, attribution, set, paidLater);
    await postTransaction(tx, entry.at, entry.t, entry.postings);
    return entry.amount;
  }

  /**
   * recordForOrder for the orders of a confirmation tick, in their order: one read of the orders, one of their
   * attributions, one INSERT of the ledger transactions and one of their postings. A tiered rule (each order's tier
   * depends on the show's revenue before it) or a bag is written order by order, as recordForOrder does.
   */
  async recordForOrders(orderTx: SharedTx, inputs: readonly CommissionInput[]): Promise<number[]> {
    const tx: Tx = scoped(orderTx);
    if (inputs.length === 0) return [];
    const ids = inputs.map((i) => i.orderId);
    const orders = await tx
      .selectFrom("orders")
      .innerJoin("offers", "offers.id", "orders.offer_id")
      .select(["orders.id", "orders.quantity", "orders.vat_rate_bp", "orders.created_at", "orders.line_count", "offers.product_id"])
      .where("orders.id", "=", anyText(ids))
      .execute();
    const byId = new Map(orders.map((o) => [o.id, o]));
    const attributed = await tx.selectFrom("order_attributions").selectAll().where("order_id", "=", anyText(ids)).execute();
    const attributions = new Map(attributed.map((r) => [r.order_id, attributionFromRow(r)]));
    const planned: { order: (typeof orders)[number]; attribution: Attribution; set: Awaited<ReturnType<typeof ruleSetVersion>> }[] = [];
    for (const input of inputs) {
      const order = byId.get(input.orderId);
      const attribution = attributions.get(input.orderId);
      const set = order && attribution ? await ruleSetVersion(tx, attribution.merchantId, attribution.ruleVersion) : null;
      // Not attributed yet (a waitlist hold) or a tier: order by order.
      if (!order || !attribution || !set || set.rules?.tiers.length) {
        // The tick's orders were all marked paid in one statement: each order's tier counts only those before it.
        const out: number[] = [];
        for (const [k, i] of inputs.entries()) out.push(await this.recordForOrder(tx, i, ids.slice(k + 1)));
        return out;
      }
      planned.push({ order, attribution, set });
    }
    // The bags' lines, one read for the tick's bags.
    const bags = planned.filter((p) => p.order.line_count > 1).map((p) => p.order.id);
    const lines = new Map<string, BagLine[]>();
    for (const l of bags.length > 0 ? await bagLinesQuery(tx).where("order_lines.order_id", "=", anyText(bags)).execute() : []) {
      const of = lines.get(l.order_id);
      if (of) of.push(l);
      else lines.set(l.order_id, [l]);
    }
    const entries = [];
    for (const [i, p] of planned.entries()) entries.push(await this.#commissionEntry(tx, inputs[i]!, p.order, p.attribution, p.set, [], lines.get(p.order.id)));
    await postTransactions(tx, entries[0]!.at, entries);
    return entries.map((e) => e.amount);
  }

  /** An order's commission as a ledger transaction: the merchant's expense against each attributed host's pending account. */
  async #commissionEntry(
    tx: Tx,
    input: CommissionInput,
    order: { quantity: number; vat_rate_bp: number; line_count: number; product_id: string },
    attribution: Attribution,
    set: Awaited<ReturnType<typeof ruleSetVersion>>,
    paidLater: readonly string[] = [],
    /** A bag's lines when the caller read them (a confirmation tick reads its bags' at once). */
    bagLines?: readonly BagLine[],
  ): Promise<{ amount: number; at: Date; t: LedgerTransaction; postings: Posting[] }> {
    const showRevenueBefore = set.rules?.tiers.length ? await this.#showRevenue(tx, input.showId, [input.orderId, ...paidLater]) : 0;
    const line = {
      productId: order.product_id,
      units: order.quantity,
      gross: input.total,
      vat: vatIncluded(input.total, order.vat_rate_bp),
      discount: input.discount ?? 0,
    };
    const c =
      order.line_count > 1
        ? await this.#bagCommission(tx, input.orderId, set, { showRevenueBefore, showRateBp: input.rateBp }, bagLines)
        : lineCommission(set, line, { showRevenueBefore, showRateBp: input.rateBp });
    const parts = splitBetweenHosts(c.amount, attribution.hosts);
    const postings: Posting[] = [{ account: merchantExpense(attribution.merchantId), showId: input.showId, amount: -c.amount, currency: input.currency }];
    for (const [hostId, amount] of parts)
      postings.push({ account: hostAccount(hostId, "pending"), hostAccountId: hostId, showId: input.showId, amount, currency: input.currency });
    const now = this.clock.now();
    const returnDays = set.rules?.returnWindowDays ?? DEFAULT_RETURN_WINDOW_DAYS;
    const t: LedgerTransaction = {
      kind: "commission",
      merchantId: attribution.merchantId,
      orderId: input.orderId,
      ruleVersion: set.version,
      rateBp: c.rateBp,
      fixedPerUnit: c.fixedPerUnit,
      maturesAt: new Date(now.getTime() + returnDays * DAY_MS),
      memo: `${attribution.source} sale`,
    };
    return { amount: c.amount, at: now, t, postings };
  }

  /**
   * A bag (several offers in one order, no discount): each line under the rule of its own product, the amounts added
   * up; the rate and fixed amount recorded are the first line's (a bag is refunded whole, which reverses exactly what is left).
   */
  async #bagCommission(
    tx: Tx,
    orderId: string,
    set: Parameters<typeof lineCommission>[0],
    ctx: Parameters<typeof lineCommission>[2],
    read?: readonly BagLine[],
  ) {
    const lines = read ?? (await bagLinesQuery(tx).where("order_lines.order_id", "=", orderId).execute());
    const each = lines.map((l) => {
      const gross = Number(l.unit_price) * l.quantity;
      return lineCommission(set, { productId: l.product_id, units: l.quantity, gross, vat: vatIncluded(gross, l.vat_rate_bp), discount: 0 }, ctx);
    });
    return { ...each[0]!, amount: each.reduce((sum, c) => sum + c.amount, 0) };
  }

  async #attribution(tx: Tx, orderId: string, showId: string, at: Date): Promise<Attribution> {
    const row = await tx.selectFrom("order_attributions").selectAll().where("order_id", "=", orderId).executeTakeFirst();
    // Orders made without the hook (waitlist holds, older rows) are attributed when paid, as of their creation.
    return row ? attributionFromRow(row) : attributeOrder(tx, { orderId, showId, referral: null, at });
  }

  /** The show's revenue from paid orders other than these (the order itself, and those of its tick paid after it). */
  async #showRevenue(tx: Tx, showId: string, except: readonly string[]): Promise<number> {
    const row = await tx
      .selectFrom("orders")
      .select(sql<string>`coalesce(sum(total - refunded_amount), 0)`.as("revenue"))
      .where("show_id", "=", showId)
      .where("id", "not in", except)
      .where("status", "in", ["paid", "fulfilled", "delivered", "refunded"])
      .executeTakeFirstOrThrow();
    return Number(row.revenue);
  }

  /**
   * A refund takes back the commission on what it refunds: floor(refunded net × the rate used) + fixed × units, split
   * between the hosts like the commission was, never more than a host still has from the order; the refund that
   * completes the order takes exactly what is left, so a fully refunded order nets to zero for every host. Taken from
   * pending while the order is in its return window, else from available — which may go negative after a payout and
   * is carried to the next statement. Append-only; once per refund id.
   */
  async reverseForRefund(orderTx: SharedTx, input: { orderId: string; refundId: string; refundAmount: number; completesRefund: boolean }): Promise<number> {
    const tx: Tx = scoped(orderTx);
    const original = await tx
      .selectFrom("ledger_transactions")
      .selectAll()
      .where("order_id", "=", input.orderId)
      .where("kind", "=", "commission")
      .executeTakeFirst();
    if (!original) return 0;
    const order = await tx
      .selectFrom("orders")
      .select(["unit_price", "vat_rate_bp", "currency", "show_id"])
      .where("id", "=", input.orderId)
      .executeTakeFirstOrThrow();
    const attrRow = await tx.selectFrom("order_attributions").selectAll().where("order_id", "=", input.orderId).executeTakeFirst();
    const hosts: HostShare[] = attrRow ? attributionFromRow(attrRow).hosts : await showHostShares(tx, order.show_id);
    const left = await orderHostBalances(tx, input.orderId);
    const leftTotal = [...left.values()].reduce((s, b) => s + b.total, 0);
    const take = new Map<string, number>();
    if (input.completesRefund) {
      for (const [hostId, b] of left) take.set(hostId, b.total);
    } else {
      const rateBp = original.rate_bp ?? 0;
      let amount: number;
      if (original.rule_version === 0 || original.fixed_per_unit === null) {
        amount = commissionFor(input.refundAmount, rateBp);
      } else {
        const unitPrice = Number(order.unit_price);
        const units = unitPrice > 0 ? Math.round(input.refundAmount / unitPrice) : 0;
        const net = input.refundAmount - vatIncluded(input.refundAmount, order.vat_rate_bp);
        amount = Math.min(net, Math.floor((net * rateBp) / 10_000) + original.fixed_per_unit * units);
      }
      amount = Math.max(0, Math.min(leftTotal, amount));
      for (const [hostId, part] of splitBetweenHosts(amount, hosts)) take.set(hostId, Math.max(0, Math.min(part, left.get(hostId)?.total ?? 0)));
    }
    const postings: Posting[] = [];
    let total = 0;
    for (const [hostId, amount] of take) {
      if (amount <= 0) continue;
      const fromPending = Math.min(amount, Math.max(0, left.get(hostId)?.pending ?? 0));
      postings.push({ account: hostAccount(hostId, "pending"), hostAccountId: hostId, showId: order.show_id, amount: -fromPending, currency: order.currency });
      postings.push({
        account: hostAccount(hostId, "available"),
        hostAccountId: hostId,
        showId: order.show_id,
        amount: -(amount - fromPending),
        currency: order.currency,
      });
      total += amount;
    }
    if (total === 0) return 0;
    postings.push({ account: merchantExpense(original.merchant_id), showId: order.show_id, amount: total, currency: order.currency });
    const id = await postTransaction(
      tx,
      this.clock.now(),
      {
        kind: "reversal",
        merchantId: original.merchant_id,
        orderId: input.orderId,
        refundId: input.refundId,
        ruleVersion: original.rule_version,
        rateBp: original.rate_bp,
        memo: input.completesRefund ? "full refund" : "partial refund",
      },
      postings,
    );
    return id ? -total : 0;
  }

  /**
   * Sweeper (driven by the injected clock): commissions whose return window has passed move from pending to
   * available, per order and host, once. Returns how many orders matured.
   */
  async matureDue(limit = 500): Promise<number> {
    const now = this.clock.now();
    const due = await this.db
      .selectFrom("ledger_transactions as c")
      .leftJoin("ledger_transactions as m", (j) => j.onRef("m.order_id", "=", "c.order_id").on("m.kind", "=", "mature"))
      .select(["c.order_id", "c.merchant_id"])
      .where("c.kind", "=", "commission")
      .where("c.matures_at", "<=", now)
      .where("m.id", "is", null)
      .orderBy("c.matures_at")
      .limit(limit)
      .execute();
    let n = 0;
    for (const d of due) {
      const done = await this.db.transaction().execute(async (tx) => {
        const left = await orderHostBalances(tx, d.order_id!);
        const currency = await tx.selectFrom("orders").select(["currency", "show_id"]).where("id", "=", d.order_id!).executeTakeFirstOrThrow();
        const postings: Posting[] = [];
        for (const [hostId, b] of left) {
          if (b.pending === 0) continue;
          postings.push({
            account: hostAccount(hostId, "pending"),
            hostAccountId: hostId,
            showId: currency.show_id,
            amount: -b.pending,
            currency: currency.currency,
          });
          postings.push({
            account: hostAccount(hostId, "available"),
            hostAccountId: hostId,
            showId: currency.show_id,
            amount: b.pending,
            currency: currency.currency,
          });
        }
        return postTransaction(tx, now, { kind: "mature", merchantId: d.merchant_id, orderId: d.order_id, memo: "return window passed" }, postings);
      });
      if (done) n++;
    }
    return n;
  }

  /** The show's commission net of reversals (all hosts): what the merchant's sales summary shows. */
  async showCommission(showId: string): Promise<number> {
    const row = await this.db
      .selectFrom("ledger_postings")
      .innerJoin("ledger_transactions", "ledger_transactions.id", "ledger_postings.transaction_id")
      .select(sql<string>`coalesce(sum(ledger_postings.amount), 0)`.as("total"))
      .where("ledger_postings.show_id", "=", showId)
      .where("ledger_postings.host_account_id", "is not", null)
      .where("ledger_transactions.kind", "in", ["commission", "reversal"])
      .executeTakeFirstOrThrow();
    return Number(row.total);
  }

  /** The hosts' pending earnings from this show: what the studio shows ticking during the show. */
  async showPendingEarnings(showId: string): Promise<number> {
    const row = await this.db
      .selectFrom("ledger_postings")
      .select(sql<string>`coalesce(sum(amount), 0)`.as("total"))
      .where("show_id", "=", showId)
      .where("account", "like", "host:%:pending")
      .executeTakeFirstOrThrow();
    return Number(row.total);
  }

  /**
   * The hosts' pending earnings from this show by host, beside each one's share of the show's split: the main host
   * first, then the co-hosts by share, then anyone else who earned from it (shareBp null). The amounts add up to
   * showPendingEarnings; each is the ledger's own (splitBetweenHosts), not recomputed from the shares.
   */
  async showEarningsSplit(showId: string): Promise<CommissionShareView[]> {
    const [shares, earned, show] = await Promise.all([
      showHostShares(this.db, showId),
      this.db
        .selectFrom("ledger_postings")
        .select(["host_account_id", sql<string>`coalesce(sum(amount), 0)`.as("total")])
        .where("show_id", "=", showId)
        .where("account", "like", "host:%:pending")
        .groupBy("host_account_id")
        .execute(),
      this.db.selectFrom("shows").select("host_account_id").where("id", "=", showId).executeTakeFirst(),
    ]);
    const amounts = new Map(earned.map((r) => [r.host_account_id!, Number(r.total)]));
    const mainHost = show?.host_account_id;
    const rows = shares
      .map((s) => ({ accountId: s.accountId, shareBp: s.shareBp as number | null, amount: amounts.get(s.accountId) ?? 0 }))
      .sort((a, b) => Number(b.accountId === mainHost) - Number(a.accountId === mainHost) || (b.shareBp ?? 0) - (a.shareBp ?? 0));
    const listed = new Set(rows.map((r) => r.accountId));
    for (const [accountId, amount] of amounts) if (!listed.has(accountId) && amount !== 0) rows.push({ accountId, shareBp: null, amount });
    const names = (await this.opts.displayNames?.(rows.map((r) => r.accountId))) ?? new Map<string, string>();
    return rows.map((r) => ({ ...r, displayName: names.get(r.accountId) ?? r.accountId }));
  }

  /** Everything the host earned, net of reversals (pending + available + paid), in one currency. */
  async hostBalance(hostAccountId: string, currency = "EUR"): Promise<number> {
    const b = (await hostBalances(this.db, hostAccountId)).find((x) => x.currency === currency);
    return b ? b.pending + b.available + b.paid : 0;
  }

  balances(hostAccountId: string): Promise<EarningsBalances[]> {
    return hostBalances(this.db, hostAccountId);
  }

  // ── Rule sets (versioned, append-only) ──

  async ruleSets(merchantId: string): Promise<CommissionRuleSetView[]> {
    const rows = await this.db.selectFrom("commission_rule_sets").selectAll().where("merchant_id", "=", merchantId).orderBy("version", "desc").execute();
    return rows.map(ruleSetView);
  }

  async ruleSet(merchantId: string, version: number): Promise<CommissionRuleSetView> {
    const row = await this.db
      .selectFrom("commission_rule_sets")
      .selectAll()
      .where("merchant_id", "=", merchantId)
      .where("version", "=", version)
      .executeTakeFirst();
    if (!row) throw new AppError("not_found", "No such rule set version.");
    return ruleSetView(row);
  }

  /** A new version (create and update alike); `rules` null retires the rule set. Earlier versions stay for old orders. */
  async publishRuleSet(merchantId: string, rules: CommissionRules | null, createdBy: string | null): Promise<CommissionRuleSetView> {
    try {
      const row = await this.db.transaction().execute(async (tx) => {
        const last = await tx
          .selectFrom("commission_rule_sets")
          .select(sql<number>`coalesce(max(version), 0)`.as("v"))
          .where("merchant_id", "=", merchantId)
          .executeTakeFirstOrThrow();
        return tx
          .insertInto("commission_rule_sets")
          .values({
            id: randomId("crs"),
            merchant_id: merchantId,
            version: Number(last.v) + 1,
            rules: rules ? JSON.stringify(rules) : null,
            created_by: createdBy,
            created_at: this.clock.now(),
          })
          .returningAll()
          .executeTakeFirstOrThrow();
      });
      return ruleSetView(row);
    } catch (err) {
      if ((err as { code?: string }).code === "23505") throw new AppError("conflict", "Another version was published at the same time; reload and try again.");
      throw err;
    }
  }

  // ── Co-hosts and share links ──

  /** Replaces a show's hosts and shares; inside `inTx` when given (the show form saves the show and its hosts at once). */
  async setShowHosts(showId: string, merchantId: string, hosts: HostShare[], inTx?: SharedTx): Promise<HostShare[]> {
    const ids = hosts.map((h) => h.accountId);
    const q = scoped<CommissionsView>(inTx ?? this.db);
    // A host may work for several shops: membership (merchant_members) or the account's first shop (accounts.merchant_id).
    const found = await q
      .selectFrom("accounts")
      .leftJoin("merchant_members", (j) => j.onRef("merchant_members.account_id", "=", "accounts.id").on("merchant_members.merchant_id", "=", merchantId))
      .select(["accounts.id", "accounts.role", "accounts.merchant_id", "merchant_members.merchant_id as member_of"])
      .where("accounts.id", "in", ids)
      .execute();
    for (const id of ids) {
      const a = found.find((f) => f.id === id);
      if (!a || (a.merchant_id !== merchantId && a.member_of !== merchantId) || !["host", "merchant", "staff"].includes(a.role))
        throw new AppError("invalid_body", `hosts: ${id} is not a host of this merchant`);
    }
    const write = async (tx: Tx) => {
      await tx.deleteFrom("show_hosts").where("show_id", "=", showId).execute();
      await tx
        .insertInto("show_hosts")
        .values(hosts.map((h) => ({ show_id: showId, account_id: h.accountId, share_bp: h.shareBp })))
        .execute();
    };
    if (inTx) {
      await write(scoped<CommissionsView>(inTx));
      return showHostShares(scoped<CommissionsView>(inTx), showId);
    }
    await this.db.transaction().execute(write);
    return showHostShares(this.db, showId);
  }

  showHosts(showId: string): Promise<HostShare[]> {
    return showHostShares(this.db, showId);
  }

  /** The host's share code for a show (made on first ask); the link is `/shows/<show>?ref=<code>`. */
  async shareCode(showId: string, accountId: string): Promise<string> {
    const existing = await this.db
      .selectFrom("host_share_codes")
      .select("code")
      .where("show_id", "=", showId)
      .where("account_id", "=", accountId)
      .executeTakeFirst();
    if (existing) return existing.code;
    const code = randomBytes(8).toString("hex").slice(0, 12);
    await this.db
      .insertInto("host_share_codes")
      .values({ code, show_id: showId, account_id: accountId, created_at: this.clock.now() })
      .onConflict((oc) => oc.doNothing())
      .execute();
    const row = await this.db
      .selectFrom("host_share_codes")
      .select("code")
      .where("show_id", "=", showId)
      .where("account_id", "=", accountId)
      .executeTakeFirstOrThrow();
    return row.code;
  }

  async shareCodeShow(code: string): Promise<string | null> {
    const row = await this.db.selectFrom("host_share_codes").select("show_id").where("code", "=", code).executeTakeFirst();
    return row?.show_id ?? null;
  }

  /** Of these orders, the ones a share link of their show was credited with (source `link`). */
  async linkAttributed(orderIds: readonly string[]): Promise<Set<string>> {
    if (orderIds.length === 0) return new Set();
    const rows = await this.db.selectFrom("order_attributions").select("order_id").where("order_id", "in", orderIds).where("source", "=", "link").execute();
    return new Set(rows.map((r) => r.order_id));
  }

  async attributionOf(orderId: string): Promise<Attribution | null> {
    const row = await this.db.selectFrom("order_attributions").selectAll().where("order_id", "=", orderId).executeTakeFirst();
    return row ? attributionFromRow(row) : null;
  }
}

function ruleSetView(r: { version: number; rules: string | null; created_at: Date | string; created_by: string | null }): CommissionRuleSetView {
  return {
    version: r.version,
    rules: r.rules ? (JSON.parse(r.rules) as CommissionRules) : null,
    createdAt: new Date(r.created_at).toISOString(),
    createdBy: r.created_by,
  };
}

/** A bag's lines with their products, in line order (by order, for several bags): what a bag's commission is made of. */
function bagLinesQuery(tx: Tx) {
  return tx
    .selectFrom("order_lines")
    .innerJoin("offers", "offers.id", "order_lines.offer_id")
    .select(["order_lines.order_id", "order_lines.quantity", "order_lines.unit_price", "order_lines.vat_rate_bp", "offers.product_id"])
    .orderBy("order_lines.order_id")
    .orderBy("order_lines.line_no");
}

type BagLine = { order_id: string; quantity: number; unit_price: number | string; vat_rate_bp: number; product_id: string };
