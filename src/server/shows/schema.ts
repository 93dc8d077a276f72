import type { ColumnType } from "kysely";
import type { ShowCategory } from "../../protocol/api.js";
import type { AccountsTables } from "../accounts/index.js";
import type { CatalogTables } from "../catalog/index.js";
import type { Timestamp } from "../db/column-types.js";
import type { RecordingsTables } from "../recordings/index.js";

// Shows: the tables this module writes.
// db/schema.ts composes every module's tables into `Database`.
/**
 * The one foreign column shows reads, declared (docs/architecture.md, "Declared joins"): the host's display name. Every
 * show read (the room's snapshot, the viewer and studio pages, each game's show check) names its host, read in the same
 * statement as the show; a call to the accounts' door would add a round trip to each.
 */
export interface ShowsReads {
  accounts: Pick<AccountsTables["accounts"], "id" | "display_name">;
}

/**
 * Discovery's declared reads (GET /api/discover, shows/discover.ts): the shop's name and slug and whether a show has a
 * finished recording. Search by shop name, the shop filter and the replays section filter and page in the same
 * statement as the shows; door calls per show could neither filter before paging nor keep the cursor's order.
 */
export interface DiscoverReads extends ShowsReads {
  merchants: Pick<CatalogTables["merchants"], "id" | "name" | "slug">;
  recordings: Pick<RecordingsTables["recordings"], "show_id" | "status">;
}

export interface ShowsTables {
  shows: {
    id: string;
    merchant_id: string;
    host_account_id: string;
    slug: string;
    title: string;
    status: "scheduled" | "live" | "reconnecting" | "offline" | "ended";
    stream_key: string;
    commission_rate_bp: number;
    scheduled_at: Timestamp | null;
    created_at: Timestamp;
    description: ColumnType<string, string | undefined, string>;
    /** Uploaded cover: DATA_DIR/media/shows/<id>/<image_id>-<width>.webp. */
    cover_image_id: ColumnType<string | null, string | null | undefined, string | null>;
    /** The language the show is held in (BCP 47 primary tag: "de", "en"). */
    language: ColumnType<string, string | undefined, string>;
    /** Games the merchant plans for the show (GameKind[]); written as JSON text. */
    planned_games: ColumnType<string[], string | undefined, string>;
    /** Set when the merchant cancelled the show (its status is then "ended"). */
    cancelled_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
    /** One of SHOW_CATEGORIES (protocol/api/discover.ts); "other" until the show form names one. */
    category: ColumnType<ShowCategory, ShowCategory | undefined, ShowCategory>;
  };
}
