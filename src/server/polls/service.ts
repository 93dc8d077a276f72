import type { Kysely } from "kysely";
import type { PollView } from "../../protocol/api.js";
import type { Account } from "../accounts/index.js";
import type { CatalogService } from "../catalog/index.js";
import { type Db, scoped } from "../db/index.js";
import { GameAuditLog, LiveCounts, closeDueGames, showGameIds } from "../games/index.js";
import type { OfferService } from "../offers/index.js";
import type { Outbox } from "../outbox/index.js";
import type { Bus } from "../platform/bus.js";
import type { Clock } from "../platform/clock.js";
import { AppError } from "../platform/errors.js";
import { randomId } from "../platform/ids.js";
import type { Show } from "../shows/index.js";
import type { PollsTables } from "./schema.js";

export interface PollInput {
  question: string;
  options: { label?: string; productId?: string }[];
  hiddenResults?: boolean;
  durationSeconds?: number;
  pinWinner?: { showPrice: number; quantity: number; durationSeconds: number };
}

export interface PollDeps {
  db: Db;
  clock: Clock;
  /** Coalesced live counts go straight to the bus (a lost one is superseded by the next). */
  bus: Bus;
  /** Lifecycle events (opened, closed) are written with the change they report and published after commit. */
  outbox: Outbox;
  catalog: CatalogService;
  offers: OfferService;
  /** Live counts are published at most once per this many ms per poll (0: only on flushCounts()). */
  coalesceMs?: number;
  log?: { error(obj: unknown, msg?: string): void };
}

/** Polls' view of the database (a transaction is one too): its own tables. */
type PollsDb = Kysely<PollsTables>;

const iso = (d: Date | string | null) => (d ? new Date(d).toISOString() : null);

const auditLog = new GameAuditLog("poll_audit", "poll_id");
const audit = (tx: PollsDb, pollId: string, type: string, accountId: string | null, data: unknown, at: Date) =>
  auditLog.write(tx, pollId, type, accountId, data, at);

/**
 * Polls: one vote per signed-in account (primary key (poll, account): a repeated vote is refused, so votes need no
 * Idempotency-Key). Results are written to poll_options at close; a product poll can pin its winner as an offer.
 */
export class PollService {
  readonly #db: PollsDb;
  readonly #clock: Clock;
  readonly #outbox: Outbox;
  readonly #catalog: CatalogService;
  readonly #offers: OfferService;
  readonly #log: PollDeps["log"];
  readonly #voteCounts: LiveCounts;

  constructor(deps: PollDeps) {
    this.#db = scoped(deps.db);
    this.#clock = deps.clock;
    this.#outbox = deps.outbox;
    this.#catalog = deps.catalog;
    this.#offers = deps.offers;
    this.#log = deps.log;
    const publishCounts = async (pollId: string, showId: string) => {
      const counts = await countVotes(this.#db, pollId);
      await deps.bus.publish("poll.counted", { showId, pollId, counts, total: Object.values(counts).reduce((s, n) => s + n, 0) });
    };
    this.#voteCounts = new LiveCounts(publishCounts, {
      coalesceMs: deps.coalesceMs ?? 250,
      onError: (err) => deps.log?.error({ err }, "poll count flush failed"),
    });
  }

  async create(show: Show, account: Account, input: PollInput): Promise<PollView> {
    if (input.pinWinner && input.options.some((o) => !o.productId)) throw new AppError("invalid_body", "pinWinner: every option must be a product");
    const options: { label: string; productId: string | null }[] = [];
    for (const o of input.options) {
      if (!o.productId) {
        options.push({ label: o.label ?? "", productId: null });
        continue;
      }
      const product = await this.#catalog.product(o.productId).catch(() => null);
      if (!product || product.merchantId !== show.merchantId) throw new AppError("invalid_body", "options.productId: not a product of this show's merchant");
      options.push({ label: o.label ?? product.title, productId: product.id });
    }
    const id = randomId("pol");
    const now = this.#clock.now();
    await this.#db.transaction().execute(async (tx) => {
      await tx
        .insertInto("polls")
        .values({
          id,
          show_id: show.id,
          question: input.question,
          hidden_results: input.hiddenResults ?? false,
          duration_ms: input.durationSeconds ? input.durationSeconds * 1000 : null,
          pin_show_price: input.pinWinner?.showPrice ?? null,
          pin_quantity: input.pinWinner?.quantity ?? null,
          pin_duration_seconds: input.pinWinner?.durationSeconds ?? null,
          status: "draft",
          created_by: account.id,
          created_at: now,
        })
        .execute();
      await tx
        .insertInto("poll_options")
        .values(options.map((o, position) => ({ id: randomId("pop"), poll_id: id, position, label: o.label, product_id: o.productId, votes: null })))
        .execute();
      await audit(
        tx,
        id,
        "created",
        account.id,
        { question: input.question, options, hiddenResults: input.hiddenResults ?? false, pinWinner: input.pinWinner ?? null },
        now,
      );
    });
    return this.view(id, { reveal: true });
  }

  async open(id: string, account: Account): Promise<PollView> {
    const now = this.#clock.now();
    const p = await this.#row(id);
    const closesAt = p.duration_ms ? new Date(now.getTime() + p.duration_ms) : null;
    const images = await this.#images(id);
    const events = this.#outbox.batch();
    const view = await this.#db.transaction().execute(async (tx) => {
      const r = await tx
        .updateTable("polls")
        .set({ status: "open", opened_at: now, closes_at: closesAt })
        .where("id", "=", id)
        .where("status", "=", "draft")
        .returning("id")
        .executeTakeFirst();
      if (!r) return null;
      await audit(tx, id, "opened", account.id, { closesAt: iso(closesAt) }, now);
      const opened = await this.#view(tx, id, { reveal: false }, images);
      await events.emit(tx, "poll.opened", { showId: p.show_id, poll: opened });
      return opened;
    });
    if (!view) throw new AppError("conflict", "Only a draft poll can be opened.");
    await events.publish();
    return view;
  }

  async vote(id: string, account: Account, optionId: string): Promise<{ optionId: string }> {
    const now = this.#clock.now();
    const p = await this.#row(id);
    if (p.status !== "open" || (p.closes_at && new Date(p.closes_at) <= now)) throw AppError.expected("poll_closed");
    const option = await this.#db.selectFrom("poll_options").select("id").where("id", "=", optionId).where("poll_id", "=", id).executeTakeFirst();
    if (!option) throw new AppError("invalid_body", "optionId: not an option of this poll");
    const result = await this.#db.transaction().execute(async (tx) => {
      // FOR SHARE: a concurrent close waits for this vote, or this vote sees the poll closed (results are final).
      const open = await tx.selectFrom("polls").select("id").where("id", "=", id).where("status", "=", "open").forShare().executeTakeFirst();
      if (!open) return "closed" as const;
      const inserted = await tx
        .insertInto("poll_votes")
        .values({ poll_id: id, account_id: account.id, option_id: optionId, created_at: now })
        .onConflict((oc) => oc.columns(["poll_id", "account_id"]).doNothing())
        .returning("option_id")
        .executeTakeFirst();
      if (!inserted) return "duplicate" as const;
      await audit(tx, id, "vote", account.id, { optionId }, now);
      return "ok" as const;
    });
    if (result === "closed") throw AppError.expected("poll_closed");
    if (result === "duplicate") throw AppError.expected("already_voted", undefined, { optionId: (await this.myVote(id, account.id))?.optionId });
    if (!p.hidden_results) this.#voteCounts.mark(id, p.show_id);
    return { optionId };
  }

  /** Stores the result; the most votes win, a tie goes to the option listed first; no votes, no winner. */
  async close(id: string, accountId: string | null): Promise<PollView> {
    const now = this.#clock.now();
    const images = await this.#images(id);
    const events = this.#outbox.batch();
    const closed = await this.#db.transaction().execute(async (tx) => {
      const r = await tx
        .updateTable("polls")
        .set({ status: "closed", closed_at: now })
        .where("id", "=", id)
        .where("status", "=", "open")
        .returningAll()
        .executeTakeFirst();
      if (!r) return null;
      const counts = await countVotes(tx, id);
      const options = await tx.selectFrom("poll_options").select(["id", "position", "product_id"]).where("poll_id", "=", id).orderBy("position").execute();
      let winner: (typeof options)[number] | null = null;
      for (const o of options) {
        await tx
          .updateTable("poll_options")
          .set({ votes: counts[o.id] ?? 0 })
          .where("id", "=", o.id)
          .execute();
        if ((counts[o.id] ?? 0) > 0 && (!winner || (counts[o.id] ?? 0) > (counts[winner.id] ?? 0))) winner = o;
      }
      await tx
        .updateTable("polls")
        .set({ winner_option_id: winner?.id ?? null })
        .where("id", "=", id)
        .execute();
      await audit(tx, id, "closed", accountId, { counts, winnerOptionId: winner?.id ?? null }, now);
      await events.emit(tx, "poll.closed", { showId: r.show_id, poll: await this.#view(tx, id, { reveal: true }, images) });
      return { poll: r, winner };
    });
    if (!closed) {
      const p = await this.#row(id);
      if (p.status === "draft") throw new AppError("conflict", "The poll has not been opened.");
      return this.view(id, { reveal: true });
    }
    this.#voteCounts.forget(id);
    await events.publish();
    const { poll, winner } = closed;
    if (winner?.product_id && poll.pin_show_price !== null && poll.pin_quantity !== null && poll.pin_duration_seconds !== null) {
      await this.#pinWinner(
        poll.id,
        poll.show_id,
        winner.product_id,
        { showPrice: Number(poll.pin_show_price), quantity: poll.pin_quantity, durationSeconds: poll.pin_duration_seconds },
        accountId,
        images,
      );
    }
    return this.view(id, { reveal: true });
  }

  /** After the close committed (the offer is created in a transaction of its own); `poll.closed` is sent again with the pinned offer. */
  async #pinWinner(
    pollId: string,
    showId: string,
    productId: string,
    terms: { showPrice: number; quantity: number; durationSeconds: number },
    accountId: string | null,
    images: Map<string, string>,
  ) {
    const now = this.#clock.now();
    try {
      const product = await this.#catalog.product(productId);
      const offer = await this.#offers.create(showId, product, { ...terms, pin: true });
      const events = this.#outbox.batch();
      await this.#db.transaction().execute(async (tx) => {
        await tx.updateTable("polls").set({ pinned_offer_id: offer.id }).where("id", "=", pollId).execute();
        await audit(tx, pollId, "pinned", accountId, { productId, offerId: offer.id, ...terms }, now);
        await events.emit(tx, "poll.closed", { showId, poll: await this.#view(tx, pollId, { reveal: true }, images) });
      });
      await events.publish();
    } catch (err) {
      // The result stands; the studio can still create the offer by hand.
      this.#log?.error({ err, pollId }, "poll: pinning the winning product failed");
      await audit(this.#db, pollId, "pin_failed", accountId, { productId, message: err instanceof Error ? err.message : String(err) }, now);
    }
  }

  async closeDue(): Promise<number> {
    return closeDueGames(this.#db, "polls", this.#clock.now(), (id) => this.close(id, null));
  }

  /** `reveal`: counts even while a hidden-result poll is open (the studio); viewers get null until close. */
  async view(id: string, opts: { reveal: boolean }): Promise<PollView> {
    return this.#view(this.#db, id, opts, await this.#images(id));
  }

  /** Product images of the options (option id → url), read through the catalog: outside any transaction of ours. */
  async #images(id: string): Promise<Map<string, string>> {
    const options = await this.#db
      .selectFrom("poll_options")
      .select(["id", "product_id"])
      .where("poll_id", "=", id)
      .where("product_id", "is not", null)
      .execute();
    const images = new Map<string, string>();
    for (const o of options) {
      const product = await this.#catalog.product(o.product_id as string).catch(() => null);
      if (product) images.set(o.id, product.imageUrl);
    }
    return images;
  }

  /** `db`: the transaction's handle when called inside one (PGlite has a single connection). */
  async #view(db: PollsDb, id: string, opts: { reveal: boolean }, images: Map<string, string>): Promise<PollView> {
    const p = await this.#row(id, db);
    const options = await db.selectFrom("poll_options").selectAll().where("poll_id", "=", id).orderBy("position").execute();
    const show = p.status === "closed" || opts.reveal || !p.hidden_results;
    const counts = p.status === "closed" ? Object.fromEntries(options.map((o) => [o.id, o.votes ?? 0])) : show ? await countVotes(db, id) : {};
    const total = Object.values(counts).reduce((s, n) => s + n, 0);
    return {
      id: p.id,
      showId: p.show_id,
      question: p.question,
      status: p.status,
      hiddenResults: p.hidden_results,
      options: options.map((o) => ({
        id: o.id,
        label: o.label,
        productId: o.product_id,
        imageUrl: images.get(o.id) ?? null,
        votes: show ? (counts[o.id] ?? 0) : null,
      })),
      totalVotes: show ? total : null,
      openedAt: iso(p.opened_at),
      closesAt: iso(p.closes_at),
      winnerOptionId: p.winner_option_id,
      pinnedOfferId: p.pinned_offer_id,
      pinWinner:
        p.pin_show_price !== null && p.pin_quantity !== null && p.pin_duration_seconds !== null
          ? { showPrice: Number(p.pin_show_price), quantity: p.pin_quantity, durationSeconds: p.pin_duration_seconds }
          : null,
    };
  }

  async current(showId: string): Promise<PollView | null> {
    const [id] = await showGameIds(this.#db, "polls", showId, { limit: 1, shown: true });
    return id ? this.view(id, { reveal: false }) : null;
  }

  async list(showId: string): Promise<PollView[]> {
    return Promise.all((await showGameIds(this.#db, "polls", showId, { limit: 50 })).map((id) => this.view(id, { reveal: true })));
  }

  async myVote(id: string, accountId: string): Promise<{ optionId: string } | null> {
    const v = await this.#db.selectFrom("poll_votes").select("option_id").where("poll_id", "=", id).where("account_id", "=", accountId).executeTakeFirst();
    return v ? { optionId: v.option_id } : null;
  }

  auditLog(id: string) {
    return auditLog.read(this.#db, id);
  }

  async showIdOf(id: string): Promise<string> {
    return (await this.#row(id)).show_id;
  }

  /** Publishes the pending coalesced vote counts now. */
  flushCounts(): Promise<void> {
    return this.#voteCounts.flush();
  }

  stop(): void {
    this.#voteCounts.stop();
  }

  async #row(id: string, db: PollsDb = this.#db) {
    const p = await db.selectFrom("polls").selectAll().where("id", "=", id).executeTakeFirst();
    if (!p) throw new AppError("not_found", "No such poll.");
    return p;
  }
}

async function countVotes(db: PollsDb, pollId: string): Promise<Record<string, number>> {
  const rows = await db
    .selectFrom("poll_votes")
    .select(["option_id", (eb) => eb.fn.countAll<number>().as("n")])
    .where("poll_id", "=", pollId)
    .groupBy("option_id")
    .execute();
  return Object.fromEntries(rows.map((r) => [r.option_id, Number(r.n)]));
}
