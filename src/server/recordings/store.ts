import type { Kysely, Selectable } from "kysely";
import { type Db, scoped } from "../db/index.js";
import type { RecordingsTables } from "./schema.js";

type Row = RecordingsTables["recordings"];
export interface RecordingRow {
  id: string;
  showId: string;
  status: Row["status"];
  startedAt: Date;
  endedAt: Date | null;
  durationMs: number | null;
  path: string;
  hasPoster: boolean;
  hasPreview: boolean;
}

function toRow(r: Selectable<RecordingsTables["recordings"]>): RecordingRow {
  return {
    id: r.id,
    showId: r.show_id,
    status: r.status,
    startedAt: new Date(r.started_at),
    endedAt: r.ended_at ? new Date(r.ended_at) : null,
    durationMs: r.duration_ms === null ? null : Number(r.duration_ms),
    path: r.path,
    hasPoster: r.has_poster,
    hasPreview: r.has_preview,
  };
}

/** The recordings table: one row per live session of a show. */
export class RecordingStore {
  private readonly db: Kysely<RecordingsTables>;

  constructor(db: Db) {
    this.db = scoped(db);
  }

  async insert(r: { id: string; showId: string; startedAt: Date; path: string }): Promise<void> {
    await this.db
      .insertInto("recordings")
      .values({
        id: r.id,
        show_id: r.showId,
        status: "recording",
        started_at: r.startedAt,
        ended_at: null,
        duration_ms: null,
        path: r.path,
        has_poster: false,
        has_preview: false,
        derivatives_at: null,
      })
      .execute();
  }

  async finish(id: string, r: { status: "ready" | "failed"; endedAt: Date; durationMs: number | null }): Promise<void> {
    await this.db.updateTable("recordings").set({ status: r.status, ended_at: r.endedAt, duration_ms: r.durationMs }).where("id", "=", id).execute();
  }

  async setDerivatives(id: string, d: { hasPoster: boolean; hasPreview: boolean; at: Date }): Promise<void> {
    await this.db.updateTable("recordings").set({ has_poster: d.hasPoster, has_preview: d.hasPreview, derivatives_at: d.at }).where("id", "=", id).execute();
  }

  /** Finished recordings whose poster and preview were never attempted to the end, oldest first. */
  async withoutDerivatives(): Promise<RecordingRow[]> {
    const rows = await this.db
      .selectFrom("recordings")
      .selectAll()
      .where("status", "=", "ready")
      .where("derivatives_at", "is", null)
      .orderBy("started_at")
      .limit(500)
      .execute();
    return rows.map(toRow);
  }

  async byShow(showId: string): Promise<RecordingRow[]> {
    const rows = await this.db.selectFrom("recordings").selectAll().where("show_id", "=", showId).orderBy("started_at", "desc").limit(100).execute();
    return rows.map(toRow);
  }

  async latestReady(showId: string): Promise<RecordingRow | null> {
    const row = await this.db
      .selectFrom("recordings")
      .selectAll()
      .where("show_id", "=", showId)
      .where("status", "=", "ready")
      .orderBy("started_at", "desc")
      .limit(1)
      .executeTakeFirst();
    return row ? toRow(row) : null;
  }

  /** Rows a previous process left in `recording` (it died while the show was live). */
  async unfinished(): Promise<RecordingRow[]> {
    const rows = await this.db.selectFrom("recordings").selectAll().where("status", "=", "recording").execute();
    return rows.map(toRow);
  }
}
