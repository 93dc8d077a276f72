import type { ColumnType } from "kysely";
import type { StageLayout, StageRole, StageState } from "../../protocol/api.js";
import type { Timestamp } from "../db/column-types.js";

// The stage: the tables this module writes. db/schema.ts composes every module's tables into `Database`.
export interface StageTables {
  /** Someone on (or on the way to) a show's stage; `token_hash` is the SHA-256 of their stage bearer token. */
  stage_participants: {
    id: string;
    show_id: string;
    account_id: string | null;
    role: StageRole;
    display_name: string;
    state: StageState;
    muted: ColumnType<boolean, boolean | undefined, boolean>;
    token_hash: string | null;
    created_at: Timestamp;
    updated_at: Timestamp;
  };
  /** A single-use invite: a link (for_account_id null) or a host's request to a chat viewer (for_account_id set). */
  stage_invites: {
    id: string;
    show_id: string;
    role: "cohost" | "guest";
    for_account_id: string | null;
    participant_id: string | null;
    expires_at: Timestamp;
    used_by: string | null;
    used_at: Timestamp | null;
    created_by: string;
    created_at: Timestamp;
  };
  stage_layouts: { show_id: string; layout: StageLayout; updated_at: Timestamp };
  /** One row per stretch a participant spent on stage; `ended_at` null while still on. */
  stage_intervals: {
    id: string;
    show_id: string;
    participant_id: string;
    account_id: string | null;
    role: string;
    started_at: Timestamp;
    ended_at: Timestamp | null;
  };
}
