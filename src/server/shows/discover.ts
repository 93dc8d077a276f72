import { type Expression, type Kysely, type SqlBool, sql } from "kysely";
import type { DiscoverSection, ShowCategory, ShowStatus } from "../../protocol/api.js";
import { type Db, scoped } from "../db/index.js";
import type { Clock } from "../platform/clock.js";
import { AppError } from "../platform/errors.js";
import type { DiscoverReads, ShowsTables } from "./schema.js";

export interface DiscoverFilter {
  q?: string;
  category?: ShowCategory;
  /** A shop's slug. */
  shop?: string;
  /** A host's account id. */
  host?: string;
}

export interface DiscoverRow {
  id: string;
  slug: string;
  title: string;
  status: ShowStatus;
  category: ShowCategory;
  scheduledAt: Date | null;
  coverImageId: string | null;
  hostId: string;
  hostName: string;
  shopId: string;
  shopSlug: string;
  shopName: string;
}

/** A scheduled show this late has not come: it leaves "upcoming" (it stays on its page and in the admin). */
export const UPCOMING_GRACE_MS = 6 * 60 * 60 * 1000;

// The sort key of every section: the planned start, or the creation time of a show never scheduled. The same
// expression is indexed (migration 96: shows_discover_idx), so a section is read in index order from the cursor on.
const sortKey = sql<Date>`coalesce(shows.scheduled_at, shows.created_at)`;

/**
 * The public listings (home, shop and host pages): live now, upcoming and replays, searched and filtered, in pages
 * with a keyset cursor (sort key, id), so a page never repeats or skips a show when shows are added in between.
 * Search is a case-insensitive substring (ILIKE-style `lower(…) like`) over the title, the shop's name and the host's
 * name: a sequential filter over the section's rows, fine for thousands of shows; beyond that a pg_trgm GIN index (or
 * a search service) is the step (docs/operations.md).
 */
export class ShowDiscovery {
  private readonly db: Kysely<ShowsTables & DiscoverReads>;

  constructor(
    db: Db,
    private readonly clock: Clock,
  ) {
    this.db = scoped(db);
  }

  async page(
    section: DiscoverSection,
    filter: DiscoverFilter,
    cursor: string | undefined,
    limit: number,
  ): Promise<{ rows: DiscoverRow[]; nextCursor: string | null }> {
    const after = cursor === undefined ? null : decodeCursor(cursor);
    // Upcoming runs soonest first; live and replays newest first.
    const ascending = section === "upcoming";
    let query = this.db
      .selectFrom("shows")
      .innerJoin("accounts", "accounts.id", "shows.host_account_id")
      .innerJoin("merchants", "merchants.id", "shows.merchant_id")
      .select([
        "shows.id",
        "shows.slug",
        "shows.title",
        "shows.status",
        "shows.category",
        "shows.scheduled_at",
        "shows.cover_image_id",
        "shows.host_account_id",
        "accounts.display_name as host_name",
        "merchants.id as shop_id",
        "merchants.slug as shop_slug",
        "merchants.name as shop_name",
        sortKey.as("sort_at"),
      ])
      .where("shows.cancelled_at", "is", null);

    if (section === "live") query = query.where("shows.status", "in", ["live", "reconnecting"]);
    if (section === "upcoming")
      query = query
        .where("shows.status", "=", "scheduled")
        // Without a start time a show is still being planned: not announced yet.
        .where("shows.scheduled_at", "is not", null)
        .where("shows.scheduled_at", ">", new Date(this.clock.now().getTime() - UPCOMING_GRACE_MS));
    if (section === "replays")
      query = query
        .where("shows.status", "in", ["offline", "ended"])
        .where(({ exists, selectFrom }) =>
          exists(
            selectFrom("recordings").select("recordings.show_id").whereRef("recordings.show_id", "=", "shows.id").where("recordings.status", "=", "ready"),
          ),
        );

    if (filter.category) query = query.where("shows.category", "=", filter.category);
    if (filter.shop) query = query.where("merchants.slug", "=", filter.shop);
    if (filter.host) query = query.where("shows.host_account_id", "=", filter.host);
    if (filter.q) {
      const like = `%${filter.q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      query = query.where((eb) =>
        eb.or([
          eb(eb.fn("lower", ["shows.title"]), "like", like),
          eb(eb.fn("lower", ["merchants.name"]), "like", like),
          eb(eb.fn("lower", ["accounts.display_name"]), "like", like),
        ]),
      );
    }
    if (after) {
      const past: Expression<SqlBool> = ascending
        ? sql<SqlBool>`(${sortKey}, shows.id) > (${after.at}::timestamptz, ${after.id})`
        : sql<SqlBool>`(${sortKey}, shows.id) < (${after.at}::timestamptz, ${after.id})`;
      query = query.where(past);
    }
    const dir = ascending ? "asc" : "desc";
    const rows = await query
      .orderBy(sortKey, dir)
      .orderBy("shows.id", dir)
      .limit(limit + 1)
      .execute();

    const more = rows.length > limit;
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return {
      rows: page.map((r) => ({
        id: r.id,
        slug: r.slug,
        title: r.title,
        status: r.status,
        category: r.category,
        scheduledAt: r.scheduled_at ? new Date(r.scheduled_at) : null,
        coverImageId: r.cover_image_id,
        hostId: r.host_account_id,
        hostName: r.host_name,
        shopId: r.shop_id,
        shopSlug: r.shop_slug,
        shopName: r.shop_name,
      })),
      nextCursor: more && last ? encodeCursor(new Date(last.sort_at), last.id) : null,
    };
  }
}

// The cursor is the last row's (sort key, id), base64url so it travels as one opaque query parameter.
function encodeCursor(at: Date, id: string): string {
  return Buffer.from(JSON.stringify([at.toISOString(), id])).toString("base64url");
}

function decodeCursor(cursor: string): { at: string; id: string } {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    if (
      Array.isArray(value) &&
      value.length === 2 &&
      typeof value[0] === "string" &&
      typeof value[1] === "string" &&
      !Number.isNaN(Date.parse(value[0])) &&
      /^[A-Za-z0-9_-]{1,64}$/.test(value[1])
    )
      return { at: new Date(value[0]).toISOString(), id: value[1] };
  } catch {
    // Not JSON: answered below like any other cursor that is not ours.
  }
  throw new AppError("invalid_query", "cursor: not a nextCursor of this listing");
}
