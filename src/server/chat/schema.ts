import type { ColumnType } from "kysely";
import type { Timestamp } from "../db/column-types.js";

// Chat messages and moderation: the tables this module writes.
// db/schema.ts composes every module's tables into `Database`.
export interface ChatTables {
  chat_messages: {
    id: string;
    show_id: string;
    author: string;
    role: string;
    text: string;
    created_at: Timestamp;
    /** Who wrote it, for moderation (never sent to clients): account, client device id, keyed hash of the address. */
    account_id: ColumnType<string | null, string | null | undefined, string | null>;
    device_id: ColumnType<string | null, string | null | undefined, string | null>;
    client_key: ColumnType<string | null, string | null | undefined, string | null>;
    deleted_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  };
  chat_settings: {
    show_id: string;
    slow_mode_seconds: number;
    mode: "everyone" | "signed_in" | "buyers";
    links_allowed: boolean;
    pinned_id: string | null;
    pinned_text: string | null;
    pinned_author: string | null;
    pinned_at: Timestamp | null;
    updated_at: Timestamp;
  };
  /** Appointed by email (lower-case): applies to the account with that email, whenever it exists. */
  chat_moderator_appointments: { id: string; show_id: string; email: string; appointed_by: string; created_at: Timestamp };
  chat_restrictions: {
    id: string;
    merchant_id: string;
    /** null: every show of the merchant (bans). */
    show_id: string | null;
    kind: "ban" | "timeout";
    subject_type: "account" | "device" | "ip";
    subject: string;
    label: string;
    reason: string;
    expires_at: Timestamp | null;
    created_by: string;
    created_at: Timestamp;
    lifted_at: Timestamp | null;
  };
  chat_word_rules: { merchant_id: string; word: string; action: "block" | "allow"; created_at: Timestamp };
  chat_reports: {
    id: string;
    show_id: string;
    message_id: string;
    reporter: string;
    reason: string;
    status: "open" | "dismissed" | "actioned";
    created_at: Timestamp;
    resolved_at: Timestamp | null;
    resolved_by: string | null;
  };
}
