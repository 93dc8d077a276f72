import type { Timestamp } from "../db/column-types.js";

// Show recordings: the tables this module writes.
// db/schema.ts composes every module's tables into `Database`.
export interface RecordingsTables {
  recordings: {
    id: string;
    show_id: string;
    status: "recording" | "ready" | "failed";
    started_at: Timestamp;
    ended_at: Timestamp | null;
    duration_ms: number | null;
    /** Directory relative to the media dir: recordings/<showId>/<recordingId>. */
    path: string;
    has_poster: boolean;
    has_preview: boolean;
    /** When the poster and preview were last attempted to the end (null: never, or cut short by a shutdown). */
    derivatives_at: Timestamp | null;
  };
}
