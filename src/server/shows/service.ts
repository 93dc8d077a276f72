import type { Kysely } from "kysely";
import type { GameKind, ShowCategory, ShowStatus } from "../../protocol/api.js";
import type { Account } from "../accounts/index.js";
import { type Db, type SharedTx, scoped } from "../db/index.js";
import type { Outbox } from "../outbox/index.js";
import type { Clock } from "../platform/clock.js";
import { AppError } from "../platform/errors.js";
import { randomId, secretToken } from "../platform/ids.js";
import type { ShowsReads, ShowsTables } from "./schema.js";

export interface Show {
  id: string;
  merchantId: string;
  hostAccountId: string;
  hostName: string;
  slug: string;
  title: string;
  status: ShowStatus;
  commissionRateBp: number;
  scheduledAt: Date | null;
  description: string;
  language: string;
  coverImageId: string | null;
  plannedGames: GameKind[];
  cancelledAt: Date | null;
  category: ShowCategory;
}

const SLUG = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;
export const newStreamKey = () => `sk_${secretToken(24)}`;

export class ShowService {
  readonly #terms = new Map<string, { hostAccountId: string; rateBp: number }>();
  /** Shows' view of the database: its own table and the declared read (schema.ts). */
  private readonly db: Kysely<ShowsTables & ShowsReads>;

  constructor(
    db: Db,
    private readonly clock: Clock,
    private readonly outbox: Outbox,
  ) {
    this.db = scoped(db);
  }

  async createShow(input: {
    merchantId: string;
    hostAccountId: string;
    slug: string;
    title: string;
    commissionRateBp: number;
    scheduledAt?: Date | null;
    streamKey?: string;
  }): Promise<Show & { streamKey: string }> {
    if (!SLUG.test(input.slug)) throw new AppError("invalid_body", "slug: lowercase letters, digits and dashes");
    const id = randomId("shw");
    const streamKey = input.streamKey ?? newStreamKey();
    await this.db
      .insertInto("shows")
      .values({
        id,
        merchant_id: input.merchantId,
        host_account_id: input.hostAccountId,
        slug: input.slug,
        title: input.title,
        status: "scheduled",
        stream_key: streamKey,
        commission_rate_bp: input.commissionRateBp,
        scheduled_at: input.scheduledAt ?? null,
        created_at: this.clock.now(),
      })
      .execute();
    return { ...(await this.show(id)), streamKey };
  }

  private baseQuery() {
    return this.db
      .selectFrom("shows")
      .innerJoin("accounts", "accounts.id", "shows.host_account_id")
      .select([
        "shows.id",
        "shows.merchant_id",
        "shows.host_account_id",
        "accounts.display_name as host_name",
        "shows.slug",
        "shows.title",
        "shows.status",
        "shows.commission_rate_bp",
        "shows.scheduled_at",
        "shows.created_at",
        "shows.description",
        "shows.language",
        "shows.cover_image_id",
        "shows.planned_games",
        "shows.cancelled_at",
        "shows.category",
      ]);
  }

  /** Scheduled shows (not cancelled) starting in (from, to]: those whose "starting soon" reminder is due. */
  async startingBetween(from: Date, to: Date): Promise<Show[]> {
    const rows = await this.baseQuery()
      .where("shows.status", "=", "scheduled")
      .where("shows.cancelled_at", "is", null)
      .where("shows.scheduled_at", ">", from)
      .where("shows.scheduled_at", "<=", to)
      .execute();
    return rows.map(toShow);
  }

  /** Shows on air now (live, or reconnecting within its grace): those whose go-live notice is due once. */
  async onAir(): Promise<Show[]> {
    const rows = await this.baseQuery().where("shows.status", "in", ["live", "reconnecting"]).execute();
    return rows.map(toShow);
  }

  /** The display name of an account that hosts (or hosted) a show, or null: only such accounts can be followed as hosts. */
  async hostName(accountId: string): Promise<string | null> {
    const row = await this.baseQuery().where("shows.host_account_id", "=", accountId).limit(1).executeTakeFirst();
    return row?.host_name ?? null;
  }

  /** By id or by slug. */
  async show(idOrSlug: string): Promise<Show> {
    const row = await this.baseQuery()
      .where((eb) => eb.or([eb("shows.id", "=", idOrSlug), eb("shows.slug", "=", idOrSlug)]))
      .executeTakeFirst();
    if (!row) throw new AppError("not_found", "No such show.");
    return toShow(row);
  }

  async listShows(): Promise<Show[]> {
    const rows = await this.baseQuery().where("shows.status", "!=", "ended").orderBy("shows.created_at", "desc").limit(100).execute();
    // Live first, then upcoming by start time.
    const rank = { live: 0, reconnecting: 0, offline: 1, scheduled: 2, ended: 3 } as const;
    return rows.map(toShow).sort((a, b) => rank[a.status] - rank[b.status] || (a.scheduledAt?.getTime() ?? 0) - (b.scheduledAt?.getTime() ?? 0));
  }

  /**
   * Who earns from a show's sales and at what rate. Read on every paid order, so cached per show; a show's host and
   * rate are fixed once it exists (changing them is a future, explicit operation that will clear this). Inside a
   * transaction (an order's), pass it: a read outside it would wait for the one PGlite connection the transaction holds.
   */
  async commissionTerms(showId: string, tx?: SharedTx): Promise<{ hostAccountId: string; rateBp: number }> {
    let terms = this.#terms.get(showId);
    if (!terms) {
      const row = await scoped<ShowsTables>(tx ?? this.db)
        .selectFrom("shows")
        .select(["host_account_id", "commission_rate_bp"])
        .where("id", "=", showId)
        .executeTakeFirst();
      if (!row) throw new AppError("not_found", "No such show.");
      terms = { hostAccountId: row.host_account_id, rateBp: row.commission_rate_bp };
      this.#terms.set(showId, terms);
    }
    return terms;
  }

  async showIdForStreamKey(key: string): Promise<string | null> {
    if (!/^sk_[A-Za-z0-9_-]{10,100}$/.test(key)) return null;
    const row = await this.db.selectFrom("shows").select(["id", "status"]).where("stream_key", "=", key).executeTakeFirst();
    if (!row || row.status === "ended") return null;
    return row.id;
  }

  /** The show with this slug, or null. */
  async showIdForSlug(slug: string): Promise<string | null> {
    const row = await this.db.selectFrom("shows").select("id").where("slug", "=", slug).executeTakeFirst();
    return row?.id ?? null;
  }

  async setStatus(showId: string, status: ShowStatus): Promise<void> {
    const events = this.outbox.batch();
    await this.db.transaction().execute(async (tx) => {
      const res = await tx.updateTable("shows").set({ status }).where("id", "=", showId).where("status", "!=", status).executeTakeFirst();
      if (Number(res.numUpdatedRows) > 0) await events.emit(tx, "show.status", { showId, status });
    });
    await events.publish();
  }

  /** The show form changed its host or rate (only while scheduled): the cached terms go (this node's; see commissionTerms). */
  forgetTerms(showId: string): void {
    this.#terms.delete(showId);
  }

  async streamKey(showId: string): Promise<string> {
    const row = await this.db.selectFrom("shows").select("stream_key").where("id", "=", showId).executeTakeFirst();
    if (!row) throw new AppError("not_found", "No such show.");
    return row.stream_key;
  }

  async rotateStreamKey(showId: string): Promise<string> {
    const key = newStreamKey();
    const res = await this.db.updateTable("shows").set({ stream_key: key }).where("id", "=", showId).executeTakeFirst();
    if (Number(res.numUpdatedRows) === 0) throw new AppError("not_found", "No such show.");
    return key;
  }

  async showIdsOfMerchant(merchantId: string): Promise<string[]> {
    return (await this.db.selectFrom("shows").select("id").where("merchant_id", "=", merchantId).execute()).map((r) => r.id);
  }

  /** The show's host, the merchant's own accounts, and platform admins manage a show. */
  async requireManager(account: Account, showIdOrSlug: string): Promise<Show> {
    const show = await this.show(showIdOrSlug);
    if (!canManage(account, show)) throw new AppError("forbidden", "Only the show's host or merchant can do that.");
    return show;
  }
}

/** Orders, refunds and fulfilment: the merchant's owner and staff, and platform admins; not hosts. */
export function requireMerchantStaff(account: Account, merchantId: string): void {
  const ok = account.role === "admin" || ((account.role === "merchant" || account.role === "staff") && account.merchantId === merchantId);
  if (!ok) throw new AppError("forbidden", "Only the merchant's owner or staff can do that.");
}

export function canManage(account: Account, show: Pick<Show, "hostAccountId" | "merchantId">): boolean {
  return (
    account.role === "admin" ||
    account.id === show.hostAccountId ||
    ((account.role === "merchant" || account.role === "staff") && account.merchantId === show.merchantId)
  );
}

function toShow(r: {
  id: string;
  merchant_id: string;
  host_account_id: string;
  host_name: string;
  slug: string;
  title: string;
  status: ShowStatus;
  commission_rate_bp: number;
  scheduled_at: Date | string | null;
  description: string;
  language: string;
  cover_image_id: string | null;
  planned_games: string[] | string;
  cancelled_at: Date | string | null;
  category: ShowCategory;
}): Show {
  return {
    id: r.id,
    merchantId: r.merchant_id,
    hostAccountId: r.host_account_id,
    hostName: r.host_name,
    slug: r.slug,
    title: r.title,
    status: r.status,
    commissionRateBp: r.commission_rate_bp,
    scheduledAt: r.scheduled_at ? new Date(r.scheduled_at) : null,
    description: r.description,
    language: r.language,
    coverImageId: r.cover_image_id,
    // jsonb arrives parsed from pg and PGlite alike; a string would be an older driver's raw text.
    plannedGames: (typeof r.planned_games === "string" ? JSON.parse(r.planned_games) : r.planned_games) as GameKind[],
    cancelledAt: r.cancelled_at ? new Date(r.cancelled_at) : null,
    category: r.category,
  };
}
