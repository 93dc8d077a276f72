import type { ColumnType } from "kysely";
import type { Timestamp } from "../db/column-types.js";

// Accounts, sessions, password resets, sign-up links and merchant invites: the tables this module writes.
// db/schema.ts composes every module's tables into `Database`.
export interface AccountsTables {
  accounts: {
    id: string;
    email: string;
    password_hash: string;
    display_name: string;
    role: "buyer" | "host" | "merchant" | "staff" | "admin";
    merchant_id: string | null;
    created_at: Timestamp;
    /** Null until the address is confirmed by an emailed link (the first-run admin); older accounts count as confirmed. */
    email_verified_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
    /** The language of the account's emails and statements (set at sign-up or invite acceptance); null: unknown. */
    lang: ColumnType<"de" | "en" | null, "de" | "en" | null | undefined, "de" | "en" | null>;
  };
  /** Which shops an account works for, and as what (a host may host for several shops; accounts.merchant_id is the first). */
  merchant_members: { account_id: string; merchant_id: string; role: "merchant" | "staff" | "host"; created_at: Timestamp };
  email_verifications: { token_hash: string; account_id: string; created_at: Timestamp; expires_at: Timestamp; used_at: Timestamp | null };
  sessions: { token_hash: string; account_id: string; created_at: Timestamp; expires_at: Timestamp };
  invites: {
    id: string;
    token_hash: string;
    merchant_id: string;
    email: string;
    role: "host" | "staff";
    invited_by: string;
    created_at: Timestamp;
    expires_at: Timestamp;
    accepted_at: Timestamp | null;
    revoked_at: Timestamp | null;
    account_id: string | null;
    /** The language the invite was written in; the account it creates gets it. */
    lang: ColumnType<"de" | "en" | null, "de" | "en" | null | undefined, "de" | "en" | null>;
  };
  password_resets: { token_hash: string; account_id: string; created_at: Timestamp; expires_at: Timestamp; used_at: Timestamp | null };
  signup_verifications: {
    token_hash: string;
    email: string;
    display_name: string;
    password_hash: string;
    created_at: Timestamp;
    expires_at: Timestamp;
    used_at: Timestamp | null;
    lang: ColumnType<"de" | "en" | null, "de" | "en" | null | undefined, "de" | "en" | null>;
  };
}
