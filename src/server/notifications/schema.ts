import type { Timestamp } from "../db/column-types.js";

// A show's reminders and the notices sent: the tables this module writes.
// db/schema.ts composes every module's tables into `Database`.
export interface NotificationsTables {
  /** "Remind me" on a scheduled show: a signed-in viewer's (account_id) or a guest's (email, lower-cased). */
  show_reminders: {
    id: string;
    show_id: string;
    account_id: string | null;
    email: string | null;
    lang: "de" | "en";
    created_at: Timestamp;
  };
  /**
   * One row per notice fanned out ("show.live:<showId>", "show.starting_soon:<showId>:<start>"): inserted in the
   * transaction that writes every recipient's outbox rows, so a notice goes out once across nodes and restarts.
   */
  notice_sends: {
    key: string;
    show_id: string;
    kind: "show.starting_soon" | "show.live";
    created_at: Timestamp;
    recipients: number;
  };
}
