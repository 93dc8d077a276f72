import type { Kysely, Updateable } from "kysely";
import type { AdminShowView, CreateShowBody, GameKind, LineupItemBody, LineupItemView, UpdateShowBody } from "../../protocol/api.js";
import { utcToZonedLocal, zonedLocalToUtc } from "../../protocol/time-zone.js";
import { type Db, type SharedTx, isUniqueViolation, scoped } from "../db/index.js";
import type { Clock } from "../platform/clock.js";
import { AppError } from "../platform/errors.js";
import { randomId, secretToken } from "../platform/ids.js";
import { showCoverUrl } from "./routes.js";
import type { ShowsTables } from "./schema.js";
import { newStreamKey, type Show, type ShowService } from "./service.js";

// The form's transaction, handed to the line-up and the co-hosts (each types it to its own tables).
type Tx = SharedTx;
interface ShowRef {
  id: string;
  merchantId: string;
}

/** What the show form needs from other modules, handed in by the composition root (shows imports none of them). */
export interface ShowPlannerDeps {
  db: Db;
  clock: Clock;
  shows: ShowService;
  defaultCommissionBp: number;
  /** The offers module's line-up. */
  lineup: {
    check(merchantId: string, item: LineupItemBody, index?: number): Promise<unknown>;
    replacePlanned(tx: Tx, show: ShowRef, items: LineupItemBody[]): Promise<void>;
    copyPlanned(tx: Tx, fromShowId: string, toShowId: string): Promise<void>;
    items(show: ShowRef): Promise<LineupItemView[]>;
  };
  /** Commissions' co-hosts (show_hosts), written in the form's transaction. */
  hosts: {
    setShowHosts(showId: string, merchantId: string, hosts: { accountId: string; shareBp: number }[], tx: Tx): Promise<unknown>;
    showHosts(showId: string): Promise<{ accountId: string; shareBp: number }[]>;
  };
  /** Accounts' memberships: is the account a host (or owner/staff) of the shop; names for the form. */
  members: {
    isMember(accountId: string, merchantId: string, roles?: ("merchant" | "staff" | "host")[]): Promise<boolean>;
    displayNames(ids: string[]): Promise<Map<string, string>>;
  };
  /** The shop's time zone (catalog's merchants). */
  timeZoneOf(merchantId: string): Promise<string>;
  /** Ends the show's open offers (cancelling a show puts their units back). */
  endOpenOffers(showId: string): Promise<void>;
}

const SPLIT_FULL = 10_000;

/**
 * The merchant's show form: create, edit, schedule, cancel, duplicate, with the show's co-hosts and line-up saved in
 * the same transaction as the show (nothing half-saved). Everything that reads outside the transaction — products and
 * stock, hosts, the time zone — is checked before it starts (PGlite has one connection, held by the transaction).
 */
export class ShowPlanner {
  private readonly db: Kysely<ShowsTables>;

  constructor(private readonly deps: ShowPlannerDeps) {
    this.db = scoped(deps.db);
  }

  async list(merchantId: string, filter: { status?: "all" | "upcoming" | "live" | "past" | "cancelled"; q?: string } = {}): Promise<AdminShowView[]> {
    let query = this.db.selectFrom("shows").select("id").where("merchant_id", "=", merchantId);
    const status = filter.status ?? "all";
    if (status === "upcoming") query = query.where("status", "=", "scheduled").where("cancelled_at", "is", null);
    if (status === "live") query = query.where("status", "in", ["live", "reconnecting"]);
    if (status === "past") query = query.where("status", "in", ["offline", "ended"]).where("cancelled_at", "is", null);
    if (status === "cancelled") query = query.where("cancelled_at", "is not", null);
    if (filter.q) {
      const like = `%${filter.q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      query = query.where((eb) => eb.or([eb(eb.fn("lower", ["title"]), "like", like), eb("slug", "like", like)]));
    }
    const rows = await query.orderBy("scheduled_at", "desc").orderBy("created_at", "desc").limit(500).execute();
    const tz = await this.deps.timeZoneOf(merchantId);
    return Promise.all(rows.map(async (r) => this.#view(await this.deps.shows.show(r.id), tz, false)));
  }

  async detail(show: Show): Promise<AdminShowView> {
    return this.#view(show, await this.deps.timeZoneOf(show.merchantId), true);
  }

  async create(merchantId: string, body: CreateShowBody): Promise<AdminShowView> {
    const { db } = this;
    const { clock } = this.deps;
    const timeZone = await this.deps.timeZoneOf(merchantId);
    const scheduledAt = this.#startTime(body, timeZone, null);
    await this.#requireHost(body.hostAccountId, merchantId);
    const hosts = await this.#split(body.hostAccountId, body.coHosts ?? [], merchantId);
    await this.#checkLineup(merchantId, body.lineup ?? []);
    const id = randomId("shw");
    const slug = body.slug ?? slugFrom(body.title);
    try {
      await db.transaction().execute(async (tx) => {
        await tx
          .insertInto("shows")
          .values({
            id,
            merchant_id: merchantId,
            host_account_id: body.hostAccountId,
            slug,
            title: body.title,
            status: "scheduled",
            stream_key: newStreamKey(),
            commission_rate_bp: body.commissionRateBp ?? this.deps.defaultCommissionBp,
            scheduled_at: scheduledAt ?? null,
            created_at: clock.now(),
            description: body.description ?? "",
            language: body.language ?? "de",
            planned_games: JSON.stringify(body.plannedGames ?? []),
            category: body.category ?? "other",
          })
          .execute();
        if (hosts) await this.deps.hosts.setShowHosts(id, merchantId, hosts, tx);
        if (body.lineup?.length) await this.deps.lineup.replacePlanned(tx, { id, merchantId }, body.lineup);
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw new AppError("conflict", "slug: already taken");
      throw err;
    }
    return this.detail(await this.deps.shows.show(id));
  }

  async update(show: Show, body: UpdateShowBody): Promise<AdminShowView> {
    if (show.cancelledAt || show.status === "ended") throw new AppError("conflict", "This show is over or cancelled; duplicate it instead.");
    const scheduledChange = body.hostAccountId !== undefined || body.commissionRateBp !== undefined || body.coHosts !== undefined;
    if (scheduledChange && show.status !== "scheduled") {
      const sameHost = body.hostAccountId === undefined || body.hostAccountId === show.hostAccountId;
      const sameRate = body.commissionRateBp === undefined || body.commissionRateBp === show.commissionRateBp;
      if (!sameHost || !sameRate || body.coHosts !== undefined)
        throw new AppError("conflict", "Hosts, shares and the commission rate change only before the show starts.");
    }
    const timeZone = await this.deps.timeZoneOf(show.merchantId);
    const scheduledAt = this.#startTime(body, timeZone, show.scheduledAt);
    const hostId = body.hostAccountId ?? show.hostAccountId;
    if (body.hostAccountId !== undefined) await this.#requireHost(hostId, show.merchantId);
    let hosts: { accountId: string; shareBp: number }[] | null = null;
    if (body.coHosts !== undefined) hosts = await this.#split(hostId, body.coHosts, show.merchantId);
    else if (body.hostAccountId !== undefined && body.hostAccountId !== show.hostAccountId) {
      // A new main host keeps the co-hosts, taking the old host's share.
      const current = await this.deps.hosts.showHosts(show.id);
      const co = current.filter((h) => h.accountId !== show.hostAccountId && h.accountId !== hostId);
      hosts = await this.#split(hostId, co, show.merchantId);
    }
    if (body.lineup) await this.#checkLineup(show.merchantId, body.lineup);
    const set: Updateable<ShowsTables["shows"]> = {};
    if (body.title !== undefined) set.title = body.title;
    if (body.description !== undefined) set.description = body.description;
    if (body.language !== undefined) set.language = body.language;
    if (body.plannedGames !== undefined) set.planned_games = JSON.stringify(body.plannedGames);
    if (body.category !== undefined) set.category = body.category;
    if (body.commissionRateBp !== undefined) set.commission_rate_bp = body.commissionRateBp;
    if (body.hostAccountId !== undefined) set.host_account_id = body.hostAccountId;
    if (body.slug !== undefined) set.slug = body.slug;
    if (scheduledAt !== undefined) set.scheduled_at = scheduledAt;
    try {
      await this.db.transaction().execute(async (tx) => {
        if (Object.keys(set).length) await tx.updateTable("shows").set(set).where("id", "=", show.id).execute();
        if (hosts) await this.deps.hosts.setShowHosts(show.id, show.merchantId, hosts, tx);
        if (body.lineup) await this.deps.lineup.replacePlanned(tx, show, body.lineup);
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw new AppError("conflict", "slug: already taken");
      throw err;
    }
    if (set.host_account_id !== undefined || set.commission_rate_bp !== undefined) this.deps.shows.forgetTerms(show.id);
    return this.detail(await this.deps.shows.show(show.id));
  }

  /** Cancels a show that has not started: it leaves every list for viewers, and its open offers end (units go back). */
  async cancel(show: Show): Promise<AdminShowView> {
    if (show.cancelledAt) throw new AppError("conflict", "The show is already cancelled.");
    if (show.status !== "scheduled") throw new AppError("conflict", "Only a show that has not started can be cancelled.");
    const res = await this.db
      .updateTable("shows")
      .set({ status: "ended", cancelled_at: this.deps.clock.now() })
      .where("id", "=", show.id)
      .where("status", "=", "scheduled")
      .where("cancelled_at", "is", null)
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) === 0) throw new AppError("conflict", "The show changed meanwhile; reload.");
    await this.deps.endOpenOffers(show.id);
    return this.detail(await this.deps.shows.show(show.id));
  }

  /**
   * A new scheduled show with the same details, host, co-hosts, rate, cover and planned line-up (nothing on sale);
   * title "… (copy)" and a fresh slug unless given.
   */
  async duplicate(show: Show, body: { title?: string; slug?: string; scheduledAt?: string | null; startsAtLocal?: string }): Promise<AdminShowView> {
    const timeZone = await this.deps.timeZoneOf(show.merchantId);
    const scheduledAt = this.#startTime(body, timeZone, null);
    const title = body.title ?? `${show.title} (copy)`.slice(0, 120);
    const slug = body.slug ?? slugFrom(title);
    const hosts = await this.deps.hosts.showHosts(show.id);
    const id = randomId("shw");
    try {
      await this.db.transaction().execute(async (tx) => {
        await tx
          .insertInto("shows")
          .values({
            id,
            merchant_id: show.merchantId,
            host_account_id: show.hostAccountId,
            slug,
            title,
            status: "scheduled",
            stream_key: newStreamKey(),
            commission_rate_bp: show.commissionRateBp,
            scheduled_at: scheduledAt ?? null,
            created_at: this.deps.clock.now(),
            description: show.description,
            language: show.language,
            planned_games: JSON.stringify(show.plannedGames),
            category: show.category,
            cover_image_id: null,
          })
          .execute();
        if (hosts.length > 1) await this.deps.hosts.setShowHosts(id, show.merchantId, hosts, tx);
        await this.deps.lineup.copyPlanned(tx, show.id, id);
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw new AppError("conflict", "slug: already taken");
      throw err;
    }
    return this.detail(await this.deps.shows.show(id));
  }

  async setCover(show: Show, imageId: string): Promise<AdminShowView> {
    await this.db.updateTable("shows").set({ cover_image_id: imageId }).where("id", "=", show.id).execute();
    return this.detail(await this.deps.shows.show(show.id));
  }

  /**
   * The start time the body asks for: undefined when it says nothing (keep `current`), null to unschedule. A time in
   * the past is refused (scheduled_in_past) unless it is the one the show already has.
   */
  #startTime(body: { scheduledAt?: string | null; startsAtLocal?: string }, timeZone: string, current: Date | null): Date | null | undefined {
    let at: Date | null | undefined;
    if (body.startsAtLocal !== undefined) {
      at = zonedLocalToUtc(body.startsAtLocal, timeZone);
      if (!at) throw new AppError("invalid_body", "startsAtLocal: not a date and time");
    } else if (body.scheduledAt !== undefined) at = body.scheduledAt === null ? null : new Date(body.scheduledAt);
    if (at && at.getTime() <= this.deps.clock.now().getTime() && at.getTime() !== current?.getTime())
      throw new AppError("scheduled_in_past", `The start time ${at.toISOString()} is in the past.`, { scheduledAt: at.toISOString() });
    return at;
  }

  async #requireHost(accountId: string, merchantId: string): Promise<void> {
    if (!(await this.deps.members.isMember(accountId, merchantId, ["host", "merchant", "staff"])))
      throw new AppError("invalid_body", "hostAccountId: not a host of this shop");
  }

  /** The main host keeps what the co-hosts' shares leave; null when there are no co-hosts (the host has it all). */
  async #split(hostId: string, coHosts: { accountId: string; shareBp: number }[], merchantId: string) {
    if (coHosts.some((c) => c.accountId === hostId)) throw new AppError("invalid_body", "coHosts: the main host is not also a co-host");
    const shared = coHosts.reduce((s, c) => s + c.shareBp, 0);
    if (shared >= SPLIT_FULL)
      throw new AppError("split_too_high", `The co-hosts' shares add up to ${shared / 100} %: they must leave the main host something (at most 99.99 %).`, {
        sharedBp: shared,
      });
    for (const [i, c] of coHosts.entries())
      if (!(await this.deps.members.isMember(c.accountId, merchantId, ["host", "merchant", "staff"])))
        throw new AppError("invalid_body", `coHosts[${i}].accountId: not a host of this shop`);
    return [{ accountId: hostId, shareBp: SPLIT_FULL - shared }, ...coHosts];
  }

  async #checkLineup(merchantId: string, items: LineupItemBody[]): Promise<void> {
    for (const [i, item] of items.entries()) await this.deps.lineup.check(merchantId, item, i);
  }

  async #view(show: Show, timeZone: string, withLineup: boolean): Promise<AdminShowView> {
    const shares = await this.deps.hosts.showHosts(show.id);
    const names = await this.deps.members.displayNames(shares.map((s) => s.accountId));
    // The main host first, then co-hosts by share.
    const hosts = shares
      .map((s) => ({ accountId: s.accountId, displayName: names.get(s.accountId) ?? "", shareBp: s.shareBp }))
      .sort((a, b) => Number(b.accountId === show.hostAccountId) - Number(a.accountId === show.hostAccountId) || b.shareBp - a.shareBp);
    return {
      id: show.id,
      merchantId: show.merchantId,
      slug: show.slug,
      title: show.title,
      description: show.description,
      status: show.status,
      cancelled: show.cancelledAt !== null,
      scheduledAt: show.scheduledAt?.toISOString() ?? null,
      startsAtLocal: show.scheduledAt ? utcToZonedLocal(show.scheduledAt, timeZone) : null,
      timeZone,
      language: show.language,
      plannedGames: show.plannedGames as GameKind[],
      category: show.category,
      coverUrl: show.coverImageId ? showCoverUrl(show.id, show.coverImageId, 800) : null,
      coverThumbUrl: show.coverImageId ? showCoverUrl(show.id, show.coverImageId, 400) : null,
      hostAccountId: show.hostAccountId,
      hostName: show.hostName,
      commissionRateBp: show.commissionRateBp,
      hosts,
      ...(withLineup ? { lineup: await this.deps.lineup.items(show) } : {}),
    };
  }
}

/** "Winter Sale: Hoodies!" → "winter-sale-hoodies-3f9a" (a random tail keeps titles reusable). */
export function slugFrom(title: string): string {
  const base = title
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/ß/g, "ss")
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 50)
    .replace(/-+$/, "");
  const tail = secretToken(4)
    .toLowerCase()
    .replace(/[^a-z0-9]/g, "")
    .padEnd(4, "0")
    .slice(0, 4);
  return base ? `${base}-${tail}` : `show-${tail}`;
}
