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
  };
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
  };
}
