import type { Kysely, Selectable } from "kysely";
import { type Db, scoped } from "../db/index.js";
import type { SimulcastTables } from "./schema.js";

export interface DestinationRow {
  id: string;
  showId: string;
  name: string;
  url: string;
  streamKeyEnc: string;
  streamKeyHint: string;
  enabled: boolean;
  createdAt: Date;
}

type Raw = Selectable<SimulcastTables["simulcast_destinations"]>;

const toRow = (r: Raw): DestinationRow => ({
  id: r.id,
  showId: r.show_id,
  name: r.name,
  url: r.url,
  streamKeyEnc: r.stream_key_enc,
  streamKeyHint: r.stream_key_hint,
  enabled: r.enabled,
  createdAt: new Date(r.created_at),
});

/** simulcast_destinations: the stream key only ever sealed (see SecretBox). */
export class DestinationStore {
  private readonly db: Kysely<SimulcastTables>;

  constructor(db: Db) {
    this.db = scoped(db);
  }

  async insert(r: DestinationRow): Promise<void> {
    await this.db
      .insertInto("simulcast_destinations")
      .values({
        id: r.id,
        show_id: r.showId,
        name: r.name,
        url: r.url,
        stream_key_enc: r.streamKeyEnc,
        stream_key_hint: r.streamKeyHint,
        enabled: r.enabled,
        created_at: r.createdAt,
      })
      .execute();
  }

  async byShow(showId: string): Promise<DestinationRow[]> {
    const rows = await this.db.selectFrom("simulcast_destinations").selectAll().where("show_id", "=", showId).orderBy("created_at").orderBy("id").execute();
    return rows.map(toRow);
  }

  async get(showId: string, id: string): Promise<DestinationRow | null> {
    const row = await this.db.selectFrom("simulcast_destinations").selectAll().where("show_id", "=", showId).where("id", "=", id).executeTakeFirst();
    return row ? toRow(row) : null;
  }

  async setEnabled(showId: string, id: string, enabled: boolean): Promise<boolean> {
    const res = await this.db.updateTable("simulcast_destinations").set({ enabled }).where("show_id", "=", showId).where("id", "=", id).executeTakeFirst();
    return Number(res.numUpdatedRows) > 0;
  }

  async remove(showId: string, id: string): Promise<boolean> {
    const res = await this.db.deleteFrom("simulcast_destinations").where("show_id", "=", showId).where("id", "=", id).executeTakeFirst();
    return Number(res.numDeletedRows) > 0;
  }
}
