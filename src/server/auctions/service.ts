import { hash } from "node:crypto";
import type { AuctionBidResult, AuctionView, CreateAuctionBody } from "../../protocol/api.js";
import type { ErrorCode } from "../../protocol/errors.js";
import type { Account } from "../accounts/index.js";
import type { Product, Variant } from "../catalog/index.js";
import { type Db, isUniqueViolation, scoped } from "../db/index.js";
import type { OfferService } from "../offers/index.js";
import type { OrderService } from "../orders/index.js";
import type { Outbox } from "../outbox/index.js";
import { type Bus, type BusRequests, BusTimeout } from "../platform/bus.js";
import type { Clock } from "../platform/clock.js";
import { AppError } from "../platform/errors.js";
import { GroupCommit } from "../platform/group-commit.js";
import { randomId } from "../platform/ids.js";
import type { ShowService } from "../shows/index.js";
import { AuctionOwners } from "./owner.js";
import { type AuctionEventInput, type AuctionRow, type AuctionsDb, type PriorBid, auctionStore as store } from "./store.js";

export const DEFAULT_SOFT_CLOSE_SECONDS = 10;
export const DEFAULT_AUCTION_HOLD_SECONDS = 300;
/**
 * A forwarded bid waits this long for the owner's answer before the owner is looked up again. Long, because the
 * owner was alive when it took the request (a node that is gone fails at once: nobody received it), and a retry of a
 * bid it is still deciding only adds work (a replay; a refusal is decided and audited again).
 */
const FORWARD_TIMEOUT_MS = 10_000;
/** Forwards before giving up (`unavailable`), with a pause after each silence: together they outlast a dead owner's lease. */
const FORWARD_ATTEMPTS = 8;
const FORWARD_PAUSE_MS = 500;

/** "Mia Bauer" → "M***r": enough to tell bidders apart on screen, not to identify them. */
export function maskName(name: string): string {
  const chars = [...name.trim()];
  if (chars.length === 0) return "***";
  if (chars.length < 3) return `${chars[0]}***`;
  return `${chars[0]}***${chars[chars.length - 1]}`;
}

/** A per-auction pseudonym of an account: lets a client recognise itself in events without ids on the wire. */
export function bidderKey(auctionId: string, accountId: string): string {
  return hash("sha256", `auction:${auctionId}:${accountId}`, "base64url").slice(0, 16);
}

/**
 * The proxy-bidding rule (eBay style), applied to one new maximum. State: the leader and their secret maximum, the
 * visible price. Invariant: price = min(highest max, second-highest max + increment), or the start price with one
 * bidder. Equal maxima: the earlier bid keeps the lead (a new max must be strictly higher to take it).
 */
export function applyBid(
  s: { startPrice: number; increment: number; price: number; leaderId: string | null; leaderMax: number | null },
  bid: { accountId: string; max: number },
): { ok: true; price: number; leaderId: string; leaderMax: number; tookLead: boolean } | { ok: false; minimum: number } {
  if (s.leaderId === null || s.leaderMax === null) {
    if (bid.max < s.startPrice) return { ok: false, minimum: s.startPrice };
    return { ok: true, price: s.startPrice, leaderId: bid.accountId, leaderMax: bid.max, tookLead: true };
  }
  if (bid.accountId === s.leaderId) {
    // The leader raises their own maximum: the visible price stays (nobody bid against them).
    const minimum = Math.max(s.leaderMax + 1, s.price + s.increment);
    if (bid.max < minimum) return { ok: false, minimum };
    return { ok: true, price: s.price, leaderId: s.leaderId, leaderMax: bid.max, tookLead: false };
  }
  const minimum = s.price + s.increment;
  if (bid.max < minimum) return { ok: false, minimum };
  if (bid.max > s.leaderMax)
    return { ok: true, price: Math.min(bid.max, s.leaderMax + s.increment), leaderId: bid.accountId, leaderMax: bid.max, tookLead: true };
  return { ok: true, price: Math.min(s.leaderMax, bid.max + s.increment), leaderId: s.leaderId, leaderMax: s.leaderMax, tookLead: false };
}

const iso = (d: Date | string | null) => (d ? new Date(d).toISOString() : null);

export function auctionView(r: AuctionRow): AuctionView {
  const hasBids = r.leader_account_id !== null;
  return {
    id: r.id,
    showId: r.show_id,
    productId: r.product_id,
    title: r.title,
    imageUrl: r.image_url,
    currency: r.currency,
    startPrice: Number(r.start_price),
    minIncrement: Number(r.min_increment),
    softCloseSeconds: r.soft_close_ms / 1000,
    durationSeconds: r.duration_ms / 1000,
    status: r.status,
    startsAt: iso(r.starts_at),
    endsAt: iso(r.ends_at),
    currentPrice: Number(r.current_price),
    minimumBid: hasBids ? Number(r.current_price) + Number(r.min_increment) : Number(r.start_price),
    bidCount: r.bid_count,
    leader: hasBids ? maskName(r.leader_name ?? "") : null,
    leaderKey: r.leader_account_id ? bidderKey(r.id, r.leader_account_id) : null,
    award:
      r.award_account_id && r.award_price !== null
        ? { rank: r.award_rank, bidder: maskName(r.award_name ?? ""), bidderKey: bidderKey(r.id, r.award_account_id), price: Number(r.award_price) }
        : null,
  };
}

export interface AuctionDeps {
  db: Db;
  clock: Clock;
  shows: ShowService;
  offers: OfferService;
  orders: OrderService;
  /** Events leave as outbox rows written with the change (relayed after the commit, swept after a crash). */
  outbox: Outbox;
  /** Who owns an auction's bids (a lease) and the forwarding of bids to that node (request/reply). */
  bus: Bus;
}

type Bidder = Pick<Account, "id" | "displayName" | "email" | "role" | "merchantId">;
/** A bid waiting for its auction's next tick (also the body of a bid forwarded to the owner). */
type QueuedBid = BusRequests["auction.bid"]["body"];

/**
 * Live auctions: server-authoritative with the injected clock. Bids on one auction are serialised by its row lock
 * (SELECT … FOR UPDATE in a short transaction) and the clock is read after the lock is taken, so a bid counts at the
 * moment it is decided: the first committed wins; one decided at or after ends_at is refused with auction_closed.
 * Closing and awarding run in sweep(), which reads the same clock, never a client's.
 */
export class AuctionService {
  readonly #staff = new Map<string, { hostAccountId: string; merchantId: string }>();
  // An auction's show never changes: remembered so a bid needs no read before its transaction. The read itself is
  // shared: the first seconds of a bid storm on a new auction would otherwise send one read per concurrent bid.
  readonly #showOf = new Map<string, Promise<string>>();

  readonly #db: AuctionsDb;
  readonly #owners: AuctionOwners;
  readonly #ticks: GroupCommit<QueuedBid, AuctionBidResult & { replayed: boolean }>;

  constructor(private readonly deps: AuctionDeps) {
    this.#db = scoped(deps.db);
    this.#owners = new AuctionOwners(deps.bus);
    this.#ticks = new GroupCommit((id, bids) => this.#commitBids(id, bids));
    deps.bus.serve("auction.bid", (bid) => this.#forwarded(bid));
  }

  /** The show's hosts (its host, and hosts of its merchant) and the merchant's owner and staff cannot bid. */
  async #mayBid(showId: string, account: Bidder): Promise<boolean> {
    let s = this.#staff.get(showId);
    if (!s) {
      const show = await this.deps.shows.show(showId);
      s = { hostAccountId: show.hostAccountId, merchantId: show.merchantId };
      this.#staff.set(showId, s);
    }
    return account.id !== s.hostAccountId && account.merchantId !== s.merchantId;
  }

  async create(showId: string, createdBy: string, product: Product, body: CreateAuctionBody, variant?: Variant): Promise<AuctionView> {
    const { clock } = this.deps;
    const db = this.#db;
    const softClose = body.softCloseSeconds ?? DEFAULT_SOFT_CLOSE_SECONDS;
    const holdSeconds = body.holdSeconds ?? DEFAULT_AUCTION_HOLD_SECONDS;
    // The item travels as a one-unit offer that is closed at once: never on sale as an offer, but the winner's order
    // is placed on it, so payment, commission, refunds and merchant admin work as for any order.
    const offer = await this.deps.offers.create(showId, product, { showPrice: body.startPrice, quantity: 1, durationSeconds: 60 }, variant);
    await this.deps.offers.end(offer.id);
    const now = clock.now();
    const id = randomId("auc");
    const events = this.deps.outbox.batch();
    await db.transaction().execute(async (tx) => {
      await store.insertAuction(tx, {
        id,
        show_id: showId,
        product_id: product.id,
        variant_id: variant?.id ?? null,
        offer_id: offer.id,
        title: offer.title,
        image_url: product.imageUrl,
        currency: product.currency,
        start_price: body.startPrice,
        min_increment: body.minIncrement,
        duration_ms: body.durationSeconds * 1000,
        soft_close_ms: softClose * 1000,
        hold_ms: holdSeconds * 1000,
        status: "scheduled",
        starts_at: null,
        ends_at: null,
        current_price: body.startPrice,
        leader_account_id: null,
        leader_name: null,
        leader_max: null,
        award_account_id: null,
        award_order_id: null,
        award_price: null,
        award_name: null,
        created_by: createdBy,
        created_at: now,
        closed_at: null,
      });
      await store.event(tx, {
        auctionId: id,
        type: "created",
        at: now,
        accountId: createdBy,
        amount: body.startPrice,
        data: { ...body, softCloseSeconds: softClose, holdSeconds, offerId: offer.id },
      });
      const row = await store.auction(tx, id);
      await events.emit(tx, "auction.started", { showId, auction: auctionView(row!) });
    });
    await events.publish();
    return this.auction(id);
  }

  async row(id: string): Promise<AuctionRow> {
    const r = await store.auction(this.#db, id);
    if (!r) throw new AppError("not_found", "No such auction.");
    return r;
  }

  async auction(id: string, viewer?: Bidder | null): Promise<AuctionView> {
    const r = await this.row(id);
    const view = auctionView(r);
    if (!viewer) return view;
    const maxAmount = await store.maxOf(this.#db, id, viewer.id);
    return {
      ...view,
      you: {
        key: bidderKey(id, viewer.id),
        maxAmount,
        leading: r.leader_account_id === viewer.id,
        awardOrderId: r.status === "awarded" && r.award_account_id === viewer.id ? r.award_order_id : null,
        canBid: await this.#mayBid(r.show_id, viewer),
      },
    };
  }

  async ofShow(showId: string, openOnly = false): Promise<AuctionView[]> {
    return (await store.ofShow(this.#db, showId, openOnly)).map(auctionView);
  }

  async events(id: string) {
    return store.events(this.#db, id);
  }

  /** scheduled → live: the timer starts now (server clock); pre-bids stand. */
  async start(id: string, by: string): Promise<AuctionView> {
    const now = this.deps.clock.now();
    const events = this.deps.outbox.batch();
    const r = await this.#db.transaction().execute(async (tx) => {
      const a = await store.lockAuction(tx, id);
      if (!a) throw new AppError("not_found", "No such auction.");
      if (a.status !== "scheduled") throw new AppError("conflict", `The auction is ${a.status}; only a scheduled one can start.`);
      const endsAt = new Date(now.getTime() + a.duration_ms);
      const u = await store.updateAuction(tx, id, a.version, { status: "live", starts_at: now, ends_at: endsAt });
      await store.event(tx, {
        auctionId: id,
        type: "started",
        at: now,
        accountId: by,
        amount: Number(a.current_price),
        data: { endsAt: endsAt.toISOString(), preBids: a.bid_count },
      });
      await events.emit(tx, "auction.started", { showId: u!.show_id, auction: auctionView(u!) });
      return u!;
    });
    await events.publish();
    return auctionView(r);
  }

  /** scheduled or live → cancelled: nobody wins. */
  async cancel(id: string, by: string): Promise<AuctionView> {
    const now = this.deps.clock.now();
    const events = this.deps.outbox.batch();
    const r = await this.#db.transaction().execute(async (tx) => {
      const a = await store.lockAuction(tx, id);
      if (!a) throw new AppError("not_found", "No such auction.");
      if (a.status !== "scheduled" && a.status !== "live") throw new AppError("conflict", `The auction is ${a.status}; it can no longer be cancelled.`);
      const u = await store.updateAuction(tx, id, a.version, { status: "cancelled", closed_at: now });
      await store.event(tx, { auctionId: id, type: "cancelled", at: now, accountId: by });
      await events.emit(tx, "auction.closed", { showId: a.show_id, auctionId: id, reason: "cancelled", winner: null, winnerKey: null, price: null });
      return u!;
    });
    await events.publish();
    return auctionView(r);
  }

  /**
   * A bid: `maxAmount` is the bidder's secret maximum. Before the auction starts it is a pre-bid. The bid queues on the
   * node that owns the auction (forwarded over the bus when that is another node) and is decided in that auction's
   * next tick (#commitBids). Same key + same amount → same answer, so a forward retried after a timeout is harmless.
   */
  async placeBid(
    id: string,
    account: Bidder,
    maxAmount: number,
    idempotencyKey: string,
    opts: { preBidOnly?: boolean } = {},
  ): Promise<AuctionBidResult & { replayed: boolean }> {
    let showOf = this.#showOf.get(id);
    if (!showOf) {
      showOf = store.auction(this.#db, id).then((first) => {
        if (!first) throw new AppError("not_found", "No such auction.");
        return first.show_id;
      });
      if (this.#showOf.size > 10_000) this.#showOf.clear();
      this.#showOf.set(id, showOf);
      const read = showOf;
      read.catch(() => this.#showOf.get(id) === read && this.#showOf.delete(id)); // an unknown auction, a failed read: not remembered
    }
    const showId = await showOf;
    const bid: QueuedBid = {
      auctionId: id,
      account: { id: account.id, displayName: account.displayName, email: account.email, role: account.role, merchantId: account.merchantId },
      maxAmount,
      idempotencyKey,
      preBidOnly: opts.preBidOnly === true,
      allowed: await this.#mayBid(showId, account),
    };
    for (let attempt = 1; ; attempt++) {
      const owner = await this.#owners.ownerOf(id);
      if (owner === this.#owners.self) return this.#ticks.submit(id, bid);
      try {
        return (await this.deps.bus.request(owner, "auction.bid", bid, FORWARD_TIMEOUT_MS)) as AuctionBidResult & { replayed: boolean };
      } catch (err) {
        if (!(err instanceof BusTimeout)) throw err;
        // The owner is gone (or too slow): ask again after a pause; once its lease lapses this node or another takes
        // the auction. A dead node's silence is immediate (nobody subscribed), so the pauses outlast its lease.
        this.#owners.forget(id);
        if (attempt >= FORWARD_ATTEMPTS) throw new AppError("unavailable", "The auction's bids could not be placed right now; try again.");
        await new Promise((r) => setTimeout(r, FORWARD_PAUSE_MS));
      }
    }
  }

  /** A bid forwarded by another node: this node owns the auction (or did when it was sent; the tick's lock decides). */
  async #forwarded(bid: QueuedBid): Promise<AuctionBidResult & { replayed: boolean }> {
    await this.#owners.ownerOf(bid.auctionId); // renews the lease while bids reach the owner only through others
    return this.#ticks.submit(bid.auctionId, bid);
  }

  /**
   * One tick of an auction: every queued bid decided in one transaction, in arrival order, against the state read under
   * the row lock (so a tick on another node, a start, a cancel or a close can never interleave). Proxy bidding runs in
   * memory (applyBid per bid, as one bid at a time would); every accepted and refused bid goes to the audit log in
   * decision order; the auction row is written once and one `auction.bid` (the state after the tick) is broadcast.
   * The clock is read once, after the lock: every bid of the tick is decided at that instant.
   *
   * Idempotency without a look-up per bid: a bid sent again under its key (a client's retry) is rare, so a tick first
   * decides as if no key had been used before. A retried bid decided as accepted would insert a second row under its
   * (auction, account, key): the unique index refuses it, the transaction rolls back and the tick runs again with every
   * key looked up. One decided as refused is looked up (refused bids only, a few per tick): if it was accepted before,
   * the tick is decided again with every key looked up. Either way a retry gets the first answer.
   */
  async #commitBids(id: string, bids: QueuedBid[]): Promise<(Error | (AuctionBidResult & { replayed: boolean }))[]> {
    try {
      return await this.#commitTick(id, bids, false);
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      return this.#commitTick(id, bids, true);
    }
  }

  async #commitTick(id: string, bids: QueuedBid[], lookUpEveryKey: boolean): Promise<(Error | (AuctionBidResult & { replayed: boolean }))[]> {
    const { clock } = this.deps;
    const events = this.deps.outbox.batch();
    const everyKey = (tx: Parameters<typeof store.bidsByKeys>[0], of: QueuedBid[]) =>
      store.bidsByKeys(
        tx,
        id,
        of.map((b) => ({ accountId: b.account.id, idempotencyKey: b.idempotencyKey })),
      );
    const decided = await this.#db.transaction().execute(async (tx) => {
      const a = await store.lockAuction(tx, id);
      if (!a) throw new AppError("not_found", "No such auction.");
      const now = clock.now();
      let d = this.#decide(a, id, now, bids, lookUpEveryKey ? await everyKey(tx, bids) : []);
      if (!lookUpEveryKey) {
        const refused = bids.filter((_, i) => d.out[i]!.kind === "error");
        if (refused.length > 0 && (await everyKey(tx, refused)).length > 0) d = this.#decide(a, id, now, bids, await everyKey(tx, bids));
      }
      const { accepted, audit, out, s, extendedTo } = d;
      let row = a;
      // Refusals only: their audit rows. Else the audit rows (an accepted bid's is the bid) and the auction row in one statement.
      if (accepted === 0) await store.insertTickEvents(tx, id, now, audit);
      else {
        const u = await store.writeTick(
          tx,
          id,
          a.version,
          { at: now, events: audit },
          {
            current_price: s.price,
            leader_account_id: s.leaderId,
            leader_name: s.leaderName,
            leader_max: s.leaderMax,
            bid_count: s.bidCount,
            ...(extendedTo ? { ends_at: extendedTo } : {}),
          },
        );
        if (!u) throw new AppError("conflict"); // unreachable under the row lock
        row = u;
        const view = auctionView(u);
        await events.emit(tx, "auction.bid", {
          showId: u.show_id,
          auctionId: id,
          price: view.currentPrice,
          minimumBid: view.minimumBid,
          leader: view.leader ?? "",
          leaderKey: view.leaderKey ?? "",
          bidCount: view.bidCount,
          endsAt: view.endsAt,
          at: now.toISOString(),
        });
        if (extendedTo && view.endsAt) await events.emit(tx, "auction.extended", { showId: u.show_id, auctionId: id, endsAt: view.endsAt });
      }
      return { row, out };
    });
    if (events.size > 0) await events.publish();
    // Every answer carries the auction as it stands after the tick: what the broadcast of the same tick shows.
    const view = auctionView(decided.row);
    return decided.out.map((d, i) => {
      if (d.kind === "error") return d.error;
      const leading = decided.row.leader_account_id === bids[i]!.account.id;
      if (d.kind === "replay") return { auction: view, bid: { id: d.bid.id, maxAmount: d.bid.max, preBid: d.bid.preBid, leading }, replayed: true };
      return { auction: view, bid: { id: d.bidId, maxAmount: d.max, preBid: d.preBid, leading }, replayed: false };
    });
  }

  /** A tick's decisions in arrival order, in memory, against the locked row `a` and the earlier bids under the tick's keys. */
  #decide(a: AuctionRow, id: string, now: Date, bids: QueuedBid[], priors: PriorBid[]) {
    const priorOf = new Map(priors.map((p) => [`${p.accountId} ${p.idempotencyKey}`, p]));
    const startPrice = Number(a.start_price);
    const increment = Number(a.min_increment);
    const s = {
      price: Number(a.current_price),
      leaderId: a.leader_account_id,
      leaderName: a.leader_name,
      leaderMax: a.leader_max === null ? null : Number(a.leader_max),
      endsAt: a.ends_at ? new Date(a.ends_at) : null,
      bidCount: a.bid_count,
    };
    const preBid = a.status === "scheduled";
    let accepted = 0;
    const audit: AuctionEventInput[] = [];
    type Decision =
      | { kind: "accepted"; bidId: string; max: number; preBid: boolean }
      | { kind: "replay"; bid: { id: string; max: number; preBid: boolean } }
      | { kind: "error"; error: AppError };
    const out: Decision[] = [];
    let extendedTo: Date | null = null;
    // One closure per tick, not per bid.
    const refuse = (b: QueuedBid, code: ErrorCode, message: string, details: Record<string, unknown> = {}) => {
      audit.push({ auctionId: id, type: "bid_refused", at: now, accountId: b.account.id, amount: b.maxAmount, reason: code, data: details });
      out.push({ kind: "error", error: AppError.expected(code, message, details) });
    };
    for (const b of bids) {
      const idKey = `${b.account.id} ${b.idempotencyKey}`;
      const prior = priorOf.get(idKey);
      if (prior) {
        if (prior.maxAmount !== b.maxAmount) out.push({ kind: "error", error: new AppError("idempotency_mismatch") });
        else out.push({ kind: "replay", bid: { id: prior.id, max: prior.maxAmount, preBid: prior.preBid } });
        continue;
      }
      if (!b.allowed) {
        refuse(b, "cannot_bid_own_show", "The show's hosts and the merchant's staff cannot bid.");
        continue;
      }
      if (b.preBidOnly && !preBid) {
        refuse(b, "auction_closed", "Pre-bids close when the auction starts; bid live instead.", { status: a.status });
        continue;
      }
      if (!preBid && a.status !== "live") {
        refuse(b, "auction_closed", `The auction is ${a.status}.`, { status: a.status });
        continue;
      }
      if (!preBid && s.endsAt && now.getTime() >= s.endsAt.getTime()) {
        refuse(b, "auction_closed", "Bidding ended.", { endsAt: s.endsAt.toISOString(), at: now.toISOString() });
        continue;
      }
      const step = applyBid(
        { startPrice, increment, price: s.price, leaderId: s.leaderId, leaderMax: s.leaderMax },
        { accountId: b.account.id, max: b.maxAmount },
      );
      if (!step.ok) {
        refuse(b, "bid_too_low", `The least you can bid is ${step.minimum}.`, { minimum: step.minimum });
        continue;
      }
      const bidId = randomId("bid");
      accepted++;
      const previousPrice = s.price;
      s.price = step.price;
      if (step.leaderId === b.account.id) s.leaderName = b.account.displayName;
      s.leaderId = step.leaderId;
      s.leaderMax = step.leaderMax;
      s.bidCount++;
      // Later bids of this tick with the same key are replays of this one.
      priorOf.set(idKey, { id: bidId, accountId: b.account.id, idempotencyKey: b.idempotencyKey, maxAmount: b.maxAmount, preBid });
      audit.push({
        auctionId: id,
        type: "bid_accepted",
        at: now,
        accountId: b.account.id,
        amount: b.maxAmount,
        data: { bidId, price: step.price, leader: step.leaderId, preBid, previousPrice },
        bid: { id: bidId, name: b.account.displayName, email: b.account.email, idempotencyKey: b.idempotencyKey },
      });
      // Soft close: a bid with N seconds or less left sets the remaining time back to N.
      if (!preBid && s.endsAt && a.soft_close_ms > 0 && s.endsAt.getTime() - now.getTime() <= a.soft_close_ms) {
        const to = new Date(now.getTime() + a.soft_close_ms);
        if (to.getTime() > s.endsAt.getTime()) {
          audit.push({ auctionId: id, type: "extended", at: now, data: { from: s.endsAt.toISOString(), to: to.toISOString(), bidId } });
          s.endsAt = to;
          extendedTo = to;
        }
      }
      out.push({ kind: "accepted", bidId, max: b.maxAmount, preBid });
    }
    return { accepted, audit, out, s, extendedTo };
  }

  /**
   * The timer: closes live auctions whose ends_at has passed (by the injected clock), then moves awards along: the
   * winner gets a checkout hold; a lapsed hold passes the item to the next bidder by maximum, at their maximum.
   */
  async sweep(): Promise<{ closed: number; advanced: number }> {
    let closed = 0;
    for (const id of await store.dueToClose(this.#db, this.deps.clock.now())) if (await this.#close(id)) closed++;
    let advanced = 0;
    for (const a of await store.awarded(this.#db)) if (await this.#advanceAward(a)) advanced++;
    return { closed, advanced };
  }

  async #close(id: string): Promise<boolean> {
    const now = this.deps.clock.now();
    const events = this.deps.outbox.batch();
    const r = await this.#db.transaction().execute(async (tx) => {
      const a = await store.lockAuction(tx, id);
      if (a?.status !== "live" || !a.ends_at || new Date(a.ends_at).getTime() > now.getTime()) return null;
      const winner = a.leader_account_id;
      const u = await store.updateAuction(tx, id, a.version, { status: winner ? "awarded" : "unsold", closed_at: a.ends_at });
      await store.event(tx, {
        auctionId: id,
        type: "closed",
        at: now,
        accountId: winner,
        amount: winner ? Number(a.current_price) : null,
        data: { endsAt: new Date(a.ends_at).toISOString(), bids: a.bid_count },
      });
      if (!winner) await store.event(tx, { auctionId: id, type: "unsold", at: now, reason: "no_bids" });
      const view = auctionView(u!);
      await events.emit(tx, "auction.closed", {
        showId: a.show_id,
        auctionId: id,
        reason: "ended",
        winner: view.leader,
        winnerKey: view.leaderKey,
        price: winner ? view.currentPrice : null,
      });
      return u!;
    });
    if (!r) return false;
    await events.publish();
    if (r.status === "awarded") await this.#advanceAward(r);
    return true;
  }

  /** One step of the award chain for an `awarded` auction; true if something changed. */
  async #advanceAward(a: AuctionRow): Promise<boolean> {
    const { clock, orders } = this.deps;
    const db = this.#db;
    if (a.award_order_id) {
      const order = await orders.order(a.award_order_id);
      if (order.status === "pending_payment") return false;
      const now = clock.now();
      if (order.status === "paid" || order.status === "fulfilled" || order.status === "delivered" || order.status === "refunded") {
        return db.transaction().execute(async (tx) => {
          const u = await tx
            .updateTable("auctions")
            .set({ status: "sold", version: a.version + 1 })
            .where("id", "=", a.id)
            .where("version", "=", a.version)
            .returning("id")
            .executeTakeFirst();
          if (u)
            await store.event(tx, {
              auctionId: a.id,
              type: "sold",
              at: now,
              accountId: a.award_account_id,
              amount: Number(a.award_price),
              data: { orderId: order.id, rank: a.award_rank },
            });
          return u !== undefined;
        });
      }
      // expired, cancelled or payment_failed: the hold lapsed; the next bidder is asked.
      const lapsed = await db.transaction().execute(async (tx) => {
        const u = await tx
          .updateTable("auctions")
          .set({ award_order_id: null, version: a.version + 1 })
          .where("id", "=", a.id)
          .where("version", "=", a.version)
          .returningAll()
          .executeTakeFirst();
        if (u)
          await store.event(tx, {
            auctionId: a.id,
            type: "award_lapsed",
            at: now,
            accountId: a.award_account_id,
            amount: Number(a.award_price),
            reason: order.status,
            data: { orderId: order.id, rank: a.award_rank },
          });
        return u;
      });
      if (!lapsed) return false;
      a = lapsed;
    }
    return this.#offer(a);
  }

  /** Offers the item to the bidder at rank award_rank + 1: the winner at the closing price, later ones at their maximum. */
  async #offer(a: AuctionRow): Promise<boolean> {
    const { clock, orders } = this.deps;
    const db = this.#db;
    const ranked = await store.rankedBidders(db, a.id);
    const rank = a.award_rank + 1;
    const next = ranked[rank - 1];
    const now = clock.now();
    if (!next) {
      return db.transaction().execute(async (tx) => {
        const u = await tx
          .updateTable("auctions")
          .set({ status: "unsold", version: a.version + 1 })
          .where("id", "=", a.id)
          .where("version", "=", a.version)
          .returning("id")
          .executeTakeFirst();
        if (u) await store.event(tx, { auctionId: a.id, type: "unsold", at: now, reason: "no_more_bidders", data: { offered: a.award_rank } });
        return u !== undefined;
      });
    }
    const price = rank === 1 ? Number(a.current_price) : next.max;
    let order: Awaited<ReturnType<OrderService["placeAwardedOrder"]>>;
    try {
      order = await orders.placeAwardedOrder({
        offerId: a.offer_id,
        unitPrice: price,
        accountId: next.accountId,
        buyer: { name: next.name, email: next.email },
        holdMs: a.hold_ms,
        idempotencyKey: `auction:${a.id}:${rank}`,
        data: { auctionId: a.id, rank },
      });
    } catch (err) {
      // A variant's last unit sold elsewhere while the auction ran: nothing left to hand over.
      if (!(err instanceof AppError) || (err.code !== "insufficient_stock" && err.code !== "sold_out")) throw err;
      return db.transaction().execute(async (tx) => {
        const u = await tx
          .updateTable("auctions")
          .set({ status: "unsold", version: a.version + 1 })
          .where("id", "=", a.id)
          .where("version", "=", a.version)
          .returning("id")
          .executeTakeFirst();
        if (u) await store.event(tx, { auctionId: a.id, type: "unsold", at: now, reason: err.code, data: { rank } });
        return u !== undefined;
      });
    }
    const events = this.deps.outbox.batch();
    const u = await db.transaction().execute(async (tx) => {
      const row = await store.updateAuction(tx, a.id, a.version, {
        award_rank: rank,
        award_account_id: next.accountId,
        award_name: next.name,
        award_order_id: order.id,
        award_price: price,
      });
      if (row)
        await store.event(tx, {
          auctionId: a.id,
          type: rank === 1 ? "awarded" : "offered_next",
          at: now,
          accountId: next.accountId,
          amount: price,
          data: { orderId: order.id, rank, holdExpiresAt: order.holdExpiresAt, max: next.max },
        });
      if (row && rank > 1)
        await events.emit(tx, "auction.offered_next", {
          showId: a.show_id,
          auctionId: a.id,
          rank,
          bidder: maskName(next.name),
          bidderKey: bidderKey(a.id, next.accountId),
          price,
        });
      return row;
    });
    if (!u) return false;
    await events.publish();
    return true;
  }
}
