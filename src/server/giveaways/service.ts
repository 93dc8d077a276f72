import type { Kysely, Selectable } from "kysely";
import type { GiveawayEntryView, GiveawayVerification, GiveawayView } from "../../protocol/api.js";
import { drawWinners, entrantListHash, fromHex, sortedEntrants, toHex } from "../../protocol/fairness.js";
import type { Account, AccountService } from "../accounts/index.js";
import type { BuyerService } from "../buyers/index.js";
import type { ChatService } from "../chat/index.js";
import { type Db, scoped } from "../db/index.js";
import { GameAuditLog, LiveCounts, closeDueGames, commitSeed, nodeFairnessCrypto, randomSeed, showGameIds } from "../games/index.js";
import type { Outbox } from "../outbox/index.js";
import type { Bus } from "../platform/bus.js";
import type { Clock } from "../platform/clock.js";
import { AppError } from "../platform/errors.js";
import { randomId } from "../platform/ids.js";
import { type Show, canManage } from "../shows/index.js";
import { TtlCache } from "../platform/ttl-cache.js";
import type { GiveawaysTables } from "./schema.js";

export { nodeFairnessCrypto };

export interface GiveawayInput {
  title: string;
  winners?: number;
  keyword?: string;
  allowedCountries?: string[];
  requireAdult?: boolean;
  durationSeconds?: number;
}

export interface GiveawayDeps {
  db: Db;
  clock: Clock;
  /** Coalesced entry counts go straight to the bus (a lost one is superseded by the next). */
  bus: Bus;
  /** Lifecycle events (opened, closed, drawn) are written with the change they report and published after commit. */
  outbox: Outbox;
  /** 32 random bytes per giveaway; injected in tests. */
  randomSeed?: () => Uint8Array;
  /** Entry counts are published at most once per this many ms per giveaway (0: only on flushCounts()). */
  coalesceMs?: number;
  log?: { error(obj: unknown, msg?: string): void };
  /** The entrant's saved delivery address decides the country: the buyers' door. */
  buyers: Pick<BuyerService, "addressCountry">;
  /** Who wrote a chat message (keyword entry): the chat's door, then the accounts' door for the account. */
  chat: Pick<ChatService, "authorAccountId">;
  accounts: Pick<AccountService, "account">;
}

/** Giveaways' view of the database (a transaction is one too): its own tables. */
type GiveawaysDb = Kysely<GiveawaysTables>;
type Row = Selectable<GiveawaysTables["giveaways"]>;

const KEYWORDS_TTL_MS = 1000;

const iso = (d: Date | string | null) => (d ? new Date(d).toISOString() : null);

const auditLog = new GameAuditLog("giveaway_audit", "giveaway_id");
const audit = (tx: GiveawaysDb, giveawayId: string, type: string, accountId: string | null, data: unknown, at: Date) =>
  auditLog.write(tx, giveawayId, type, accountId, data, at);

/**
 * Provably fair giveaways. The seed is drawn at creation and only its SHA-256 is shown until the draw; entries freeze
 * at close (the entrant list hash is published then), and the draw is `drawWinners` from src/protocol/fairness.ts.
 */
export class GiveawayService {
  readonly #db: GiveawaysDb;
  readonly #deps: GiveawayDeps;
  readonly #clock: Clock;
  readonly #outbox: Outbox;
  readonly #randomSeed: () => Uint8Array;
  readonly #entryCounts: LiveCounts;
  // Open keyword giveaways per show, read at most once a second: every chat message is checked against them.
  // Opening one on this node clears its show's entry; on another node it is seen within KEYWORDS_TTL_MS. A stale "open"
  // is harmless (enter() checks the giveaway's state itself).
  readonly #keywords: TtlCache<{ id: string; keyword: string | null }[]>;

  constructor(deps: GiveawayDeps) {
    this.#db = scoped(deps.db);
    this.#deps = deps;
    this.#clock = deps.clock;
    this.#keywords = new TtlCache(deps.clock, KEYWORDS_TTL_MS);
    this.#outbox = deps.outbox;
    this.#randomSeed = deps.randomSeed ?? randomSeed;
    const publishCount = async (giveawayId: string, showId: string) => {
      const c = await deps.db
        .selectFrom("giveaway_entries")
        .select((eb) => eb.fn.countAll<number>().as("n"))
        .where("giveaway_id", "=", giveawayId)
        .executeTakeFirstOrThrow();
      await deps.bus.publish("giveaway.entries", { showId, giveawayId, entries: Number(c.n) });
    };
    this.#entryCounts = new LiveCounts(publishCount, {
      coalesceMs: deps.coalesceMs ?? 250,
      onError: (err) => deps.log?.error({ err }, "giveaway count flush failed"),
    });
  }

  async create(show: Show, account: Account, input: GiveawayInput): Promise<GiveawayView> {
    const { seedHex, commitment } = await commitSeed(this.#randomSeed());
    const id = randomId("gva");
    const now = this.#clock.now();
    await this.#db.transaction().execute(async (tx) => {
      await tx
        .insertInto("giveaways")
        .values({
          id,
          show_id: show.id,
          title: input.title,
          keyword: input.keyword ? input.keyword.toLowerCase() : null,
          winner_count: input.winners ?? 1,
          allowed_countries: input.allowedCountries?.length ? [...new Set(input.allowedCountries)].join(",") : null,
          require_adult: input.requireAdult ?? false,
          duration_ms: input.durationSeconds ? input.durationSeconds * 1000 : null,
          status: "draft",
          seed_hex: seedHex,
          commitment,
          created_by: account.id,
          created_at: now,
        })
        .execute();
      await audit(tx, id, "created", account.id, { commitment, winners: input.winners ?? 1 }, now);
    });
    return this.view(id);
  }

  async open(id: string, account: Account): Promise<GiveawayView> {
    const now = this.#clock.now();
    const g = await this.#row(id);
    const closesAt = g.duration_ms ? new Date(now.getTime() + g.duration_ms) : null;
    const events = this.#outbox.batch();
    const view = await this.#db.transaction().execute(async (tx) => {
      const r = await tx
        .updateTable("giveaways")
        .set({ status: "open", opened_at: now, closes_at: closesAt })
        .where("id", "=", id)
        .where("status", "=", "draft")
        .returning("id")
        .executeTakeFirst();
      if (!r) return null;
      await audit(tx, id, "opened", account.id, { commitment: g.commitment, closesAt: iso(closesAt) }, now);
      const opened = await this.view(id, tx);
      await events.emit(tx, "giveaway.opened", { showId: g.show_id, giveaway: opened });
      return opened;
    });
    if (!view) throw new AppError("conflict", "Only a draft giveaway can be opened.");
    this.#keywords.delete(g.show_id);
    await events.publish();
    return view;
  }

  /** One entry per account (unique index); eligibility is checked here, the open window in SQL. */
  async enter(
    id: string,
    account: Account,
    input: { country?: string; adultConfirmed?: boolean },
    via: "button" | "chat",
    show?: Show,
  ): Promise<GiveawayEntryView> {
    const now = this.#clock.now();
    const g = await this.#row(id);
    if (g.status !== "open" || (g.closes_at && new Date(g.closes_at) <= now)) throw AppError.expected("giveaway_closed");
    if (show && canManage(account, show))
      throw AppError.expected("not_eligible", "The show's host and team cannot enter its giveaways.", { reason: "own_show" });
    if (g.require_adult && input.adultConfirmed !== true) throw AppError.expected("not_eligible", "Confirm that you are 18 or older.", { reason: "age" });
    // A saved delivery address decides the country; without one the entrant's own declaration does.
    const addressCountry = await this.#deps.buyers.addressCountry(account.id);
    const country = addressCountry ?? input.country ?? null;
    const countrySource = addressCountry ? "address" : input.country ? "declared" : null;
    const allowed = g.allowed_countries?.split(",") ?? null;
    if (allowed && (!country || !allowed.includes(country))) {
      throw AppError.expected("not_eligible", country ? `Entries from ${country} are not allowed in this giveaway.` : "Tell us your country to enter.", {
        reason: "country",
        allowed,
      });
    }
    const entryId = randomId("gve");
    const result = await this.#db.transaction().execute(async (tx) => {
      // FOR SHARE: a concurrent close (UPDATE) waits for this entry to commit, or this one sees the giveaway closed,
      // so the entrant list the close freezes is exactly the committed entries.
      const open = await tx.selectFrom("giveaways").select("id").where("id", "=", id).where("status", "=", "open").forShare().executeTakeFirst();
      if (!open) return { closed: true as const };
      const inserted = await tx
        .insertInto("giveaway_entries")
        .values({
          id: entryId,
          giveaway_id: id,
          account_id: account.id,
          display_name: account.displayName,
          country,
          country_source: countrySource,
          adult_confirmed: input.adultConfirmed === true,
          via,
          created_at: now,
        })
        .onConflict((oc) => oc.columns(["giveaway_id", "account_id"]).doNothing())
        .returning("id")
        .executeTakeFirst();
      if (!inserted) return { duplicate: true as const };
      await audit(tx, id, "entry", account.id, { entryId, via, country, countrySource, adultConfirmed: input.adultConfirmed === true }, now);
      return { ok: true as const };
    });
    if ("closed" in result) throw AppError.expected("giveaway_closed");
    if ("duplicate" in result) {
      const existing = await this.myEntry(id, account.id);
      throw AppError.expected("already_entered", undefined, { entryId: existing?.id });
    }
    this.#entryCounts.mark(id, g.show_id);
    return { id: entryId, giveawayId: id, via, createdAt: now.toISOString() };
  }

  /** Freezes the entrant list and publishes its hash. Idempotent for an already closed giveaway. */
  async close(id: string, accountId: string | null): Promise<GiveawayView> {
    const now = this.#clock.now();
    const events = this.#outbox.batch();
    const closed = await this.#db.transaction().execute(async (tx) => {
      const r = await tx
        .updateTable("giveaways")
        .set({ status: "closed", closed_at: now })
        .where("id", "=", id)
        .where("status", "=", "open")
        .returning(["show_id"])
        .executeTakeFirst();
      if (!r) return null;
      const ids = (await tx.selectFrom("giveaway_entries").select("id").where("giveaway_id", "=", id).execute()).map((e) => e.id);
      const listHash = toHex(await entrantListHash(ids, nodeFairnessCrypto.sha256));
      await tx.updateTable("giveaways").set({ list_hash: listHash }).where("id", "=", id).execute();
      await audit(tx, id, "closed", accountId, { entries: ids.length, listHash }, now);
      await events.emit(tx, "giveaway.closed", { showId: r.show_id, giveawayId: id, entries: ids.length, listHash });
      return true;
    });
    if (closed) {
      this.#entryCounts.forget(id);
      await events.publish();
    } else {
      const g = await this.#row(id);
      if (g.status === "draft") throw new AppError("conflict", "The giveaway has not been opened.");
    }
    return this.view(id);
  }

  /** Closes giveaways whose entry window ran out (the sweeper calls this every second). */
  async closeDue(): Promise<number> {
    return closeDueGames(this.#db, "giveaways", this.#clock.now(), (id) => this.close(id, null));
  }

  /** Closes entries if still open, draws the winners and reveals the seed. */
  async draw(id: string, account: Account): Promise<GiveawayView> {
    const g0 = await this.#row(id);
    if (g0.status === "draft") throw new AppError("conflict", "Open the giveaway before drawing.");
    if (g0.status === "open") await this.close(id, account.id);
    const now = this.#clock.now();
    const events = this.#outbox.batch();
    const drawn = await this.#db.transaction().execute(async (tx) => {
      const g = await tx.selectFrom("giveaways").selectAll().where("id", "=", id).where("status", "=", "closed").forUpdate().executeTakeFirst();
      if (!g) return null;
      const entries = await tx.selectFrom("giveaway_entries").select(["id", "display_name"]).where("giveaway_id", "=", id).execute();
      const seed = fromHex(g.seed_hex);
      const result = await drawWinners(
        seed,
        entries.map((e) => e.id),
        g.winner_count,
        nodeFairnessCrypto,
      );
      const listHash = toHex(result.listHash);
      if (g.list_hash && g.list_hash !== listHash) throw new Error(`giveaway ${id}: entrant list changed after close`);
      await tx
        .updateTable("giveaways")
        .set({ status: "drawn", drawn_at: now, winners: JSON.stringify(result.winners), list_hash: listHash })
        .where("id", "=", id)
        .execute();
      await audit(tx, id, "drawn", account.id, { listHash, entrants: entries.length, indexes: result.indexes, winners: result.winners }, now);
      await audit(tx, id, "revealed", account.id, { seed: g.seed_hex, commitment: g.commitment }, now);
      const names = new Map(entries.map((e) => [e.id, e.display_name]));
      const winners = result.winners.map((entryId) => ({ entryId, name: names.get(entryId) ?? "" }));
      await events.emit(tx, "giveaway.drawn", { showId: g.show_id, giveawayId: id, winners, seed: g.seed_hex, listHash });
      return true;
    });
    if (!drawn) throw new AppError("conflict", "This giveaway has already been drawn or was cancelled.");
    await events.publish();
    return this.view(id);
  }

  /**
   * Chat keyword entry (subscribed to the bus's `chat.posted`): a signed-in viewer whose message has the giveaway's
   * keyword as a word enters, under the button's rules. Giveaways that need the 18+ confirmation or a declared
   * country cannot be entered by chat (the form asks); such messages, repeats and guests are ignored.
   */
  async onChatPosted(ev: { showId: string; id: string; role: string; text: string }): Promise<GiveawayEntryView | null> {
    if (ev.role !== "viewer") return null;
    const words = new Set(
      ev.text
        .toLowerCase()
        .split(/[\s.,!?;:]+/)
        .filter(Boolean),
    );
    if (words.size === 0) return null;
    const open = await this.#openKeywords(ev.showId);
    const g = open.find((o) => o.keyword && words.has(o.keyword));
    if (!g) return null;
    const authorId = await this.#deps.chat.authorAccountId(ev.id);
    const account = authorId ? await this.#deps.accounts.account(authorId) : null;
    if (!account) return null;
    try {
      return await this.enter(g.id, account, {}, "chat");
    } catch (err) {
      if (err instanceof AppError) return null;
      throw err;
    }
  }

  #openKeywords(showId: string): Promise<{ id: string; keyword: string | null }[]> {
    return this.#keywords.get(showId, () =>
      this.#db
        .selectFrom("giveaways")
        .select(["id", "keyword"])
        .where("show_id", "=", showId)
        .where("status", "=", "open")
        .where("keyword", "is not", null)
        .execute(),
    );
  }

  /** `db`: the transaction's handle when called inside one (PGlite has a single connection). */
  async view(id: string, db: GiveawaysDb = this.#db): Promise<GiveawayView> {
    const g = await this.#row(id, db);
    const count = await db
      .selectFrom("giveaway_entries")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("giveaway_id", "=", id)
      .executeTakeFirstOrThrow();
    let winners: GiveawayView["winners"] = [];
    const ids: string[] = g.winners ? JSON.parse(g.winners) : [];
    if (ids.length) {
      const rows = await db.selectFrom("giveaway_entries").select(["id", "display_name"]).where("id", "in", ids).execute();
      const names = new Map(rows.map((r) => [r.id, r.display_name]));
      winners = ids.map((entryId) => ({ entryId, name: names.get(entryId) ?? "" }));
    }
    return {
      id: g.id,
      showId: g.show_id,
      title: g.title,
      keyword: g.keyword,
      winnerCount: g.winner_count,
      allowedCountries: g.allowed_countries?.split(",") ?? null,
      requireAdult: g.require_adult,
      status: g.status,
      commitment: g.commitment,
      seed: g.status === "drawn" ? g.seed_hex : null,
      listHash: g.list_hash,
      entries: Number(count.n),
      openedAt: iso(g.opened_at),
      closesAt: iso(g.closes_at),
      drawnAt: iso(g.drawn_at),
      winners,
    };
  }

  /** What viewers see: the latest giveaway of the show that is not a draft. */
  async current(showId: string): Promise<GiveawayView | null> {
    const [id] = await showGameIds(this.#db, "giveaways", showId, { limit: 1, shown: true });
    return id ? this.view(id) : null;
  }

  async list(showId: string): Promise<GiveawayView[]> {
    return Promise.all((await showGameIds(this.#db, "giveaways", showId, { limit: 50 })).map((id) => this.view(id)));
  }

  async myEntry(id: string, accountId: string): Promise<GiveawayEntryView | null> {
    const e = await this.#db
      .selectFrom("giveaway_entries")
      .select(["id", "via", "created_at"])
      .where("giveaway_id", "=", id)
      .where("account_id", "=", accountId)
      .executeTakeFirst();
    return e ? { id: e.id, giveawayId: id, via: e.via, createdAt: new Date(e.created_at).toISOString() } : null;
  }

  /** Public: the entrant list once frozen, the seed once drawn. */
  async verification(id: string): Promise<GiveawayVerification> {
    const g = await this.#row(id);
    if (g.status === "draft") throw new AppError("not_found", "No such giveaway.");
    const frozen = g.status === "closed" || g.status === "drawn";
    const entrants = frozen
      ? sortedEntrants((await this.#db.selectFrom("giveaway_entries").select("id").where("giveaway_id", "=", id).execute()).map((e) => e.id))
      : null;
    return {
      giveawayId: g.id,
      title: g.title,
      status: g.status,
      commitment: g.commitment,
      seed: g.status === "drawn" ? g.seed_hex : null,
      listHash: g.list_hash,
      entrants,
      winnerCount: g.winner_count,
      winners: g.winners ? JSON.parse(g.winners) : [],
    };
  }

  auditLog(id: string) {
    return auditLog.read(this.#db, id);
  }

  async showIdOf(id: string): Promise<string> {
    return (await this.#row(id)).show_id;
  }

  /** Publishes the pending coalesced entry counts now. */
  flushCounts(): Promise<void> {
    return this.#entryCounts.flush();
  }

  stop(): void {
    this.#entryCounts.stop();
  }

  async #row(id: string, db: GiveawaysDb = this.#db): Promise<Row> {
    const g = await db.selectFrom("giveaways").selectAll().where("id", "=", id).executeTakeFirst();
    if (!g) throw new AppError("not_found", "No such giveaway.");
    return g;
  }
}
