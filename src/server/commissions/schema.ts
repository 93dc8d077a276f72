import type { ColumnType } from "kysely";
import type { AccountsTables } from "../accounts/index.js";
import type { Timestamp } from "../db/column-types.js";
import type { OffersTables } from "../offers/index.js";
import type { OrdersTables } from "../orders/index.js";
import type { ShowsTables } from "../shows/index.js";
import type { StageTables } from "../stage/index.js";

type PainVersion = "pain.001.001.09" | "pain.001.001.03";

// Commission rules, co-hosts, attribution, the double-entry ledger and payouts: the tables this module writes.
// db/schema.ts composes every module's tables into `Database`.
/**
 * The foreign columns commissions reads, declared (docs/architecture.md, "Declared joins"). The commission follows the
 * order inside its transactions (orders' `placed`, `paid`, `refunding` subscribers, on the purchase path): attribution
 * reads the show's merchant, status and host; the commission reads the order's row, a bag's lines and each line's
 * product (its rule), and tiered rules sum the show's revenue before it; a refund's reversal reads the order's price;
 * maturing reads the order's currency and show in the maturing transaction. Co-hosts are checked against accounts and
 * memberships inside the show form's transaction (PGlite's one connection is held by it).
 */
export interface CommissionsReads {
  orders: Pick<
    OrdersTables["orders"],
    | "id"
    | "offer_id"
    | "show_id"
    | "quantity"
    | "unit_price"
    | "total"
    | "refunded_amount"
    | "currency"
    | "status"
    | "vat_rate_bp"
    | "created_at"
    | "line_count"
  >;
  order_lines: Pick<OrdersTables["order_lines"], "order_id" | "line_no" | "offer_id" | "quantity" | "unit_price" | "vat_rate_bp">;
  offers: Pick<OffersTables["offers"], "id" | "product_id">;
  shows: Pick<ShowsTables["shows"], "id" | "merchant_id" | "status" | "host_account_id">;
  accounts: Pick<AccountsTables["accounts"], "id" | "role" | "merchant_id">;
  merchant_members: Pick<AccountsTables["merchant_members"], "account_id" | "merchant_id">;
  /** The stage (issue #19): a co-host who joined the show's stage earns their split only while on it (attribution). */
  stage_participants: Pick<StageTables["stage_participants"], "show_id" | "account_id" | "role">;
  stage_intervals: Pick<StageTables["stage_intervals"], "show_id" | "account_id" | "role" | "started_at" | "ended_at">;
}

export interface CommissionsTables {
  /** Merchant commission rules, one row per version (append-only); `rules` null = retired (back to the show's rate). */
  commission_rule_sets: { id: string; merchant_id: string; version: number; rules: string | null; created_by: string | null; created_at: Timestamp };
  /** Co-hosts of a show and their share of its commission (basis points summing to 10 000). */
  show_hosts: { show_id: string; account_id: string; share_bp: number };
  host_share_codes: { code: string; show_id: string; account_id: string; created_at: Timestamp };
  /** Which show, host(s), source and rule version an order belongs to; `hosts` is JSON [{accountId, shareBp}]. */
  order_attributions: {
    order_id: string;
    show_id: string;
    merchant_id: string;
    source: "live" | "replay" | "link";
    ref_code: string | null;
    ref_at: Timestamp | null;
    hosts: string;
    rule_version: number;
    created_at: Timestamp;
  };
  /** Double-entry commission ledger: a transaction's postings sum to zero per currency. Append-only (trigger). */
  ledger_transactions: {
    id: string;
    kind: "commission" | "reversal" | "mature" | "payout";
    merchant_id: string;
    order_id: string | null;
    refund_id: string | null;
    payout_id: string | null;
    rule_version: number | null;
    rate_bp: number | null;
    fixed_per_unit: number | null;
    matures_at: Timestamp | null;
    memo: ColumnType<string, string | undefined, string>;
    created_at: Timestamp;
  };
  ledger_postings: {
    id: string;
    transaction_id: string;
    /** host:<id>:pending|available|paid, merchant:<id>:commission_expense … */
    account: string;
    host_account_id: string | null;
    merchant_id: string;
    show_id: string | null;
    order_id: string | null;
    amount: number;
    currency: string;
    created_at: Timestamp;
  };
  /** View: balance per account and currency, summed from postings. */
  ledger_balances: { account: string; currency: string; balance: number; postings: number };
  host_payout_accounts: {
    account_id: string;
    holder_name: string;
    iban: string | null;
    bic: string | null;
    stripe_account_id: string | null;
    updated_at: Timestamp;
  };
  merchant_payout_settings: {
    merchant_id: string;
    debtor_name: string;
    iban: string;
    bic: string;
    updated_at: Timestamp;
    /** The pain.001 version of the bank file: .09 (the EPC's since 2023), .03 for banks that still want it. */
    pain_version: ColumnType<PainVersion, PainVersion | undefined, PainVersion>;
  };
  /** The monthly payout run of a merchant: the row is the claim (one per merchant and month, whichever node inserts it). */
  payout_schedule_runs: {
    merchant_id: string;
    month: string;
    status: "running" | "done" | "failed";
    claimed_by: string;
    claimed_at: Timestamp;
    attempts: ColumnType<number, number | undefined, number>;
    finished_at: Timestamp | null;
    result: string | null;
  };
  payouts: {
    id: string;
    merchant_id: string;
    host_account_id: string;
    currency: string;
    amount: number;
    method: "sepa" | "stripe";
    status: "pending" | "sent" | "failed";
    period_start: Timestamp | null;
    period_end: Timestamp;
    batch_id: string;
    external_ref: string | null;
    created_at: Timestamp;
  };
  /** View over ledger_postings (host side of commission and reversal transactions), kept for older readers. */
  ledger_entries: {
    id: string;
    host_account_id: string;
    show_id: string;
    order_id: string;
    kind: "commission" | "commission_reversal";
    refund_id: string | null;
    amount: number;
    currency: string;
    rate_bp: number;
    created_at: Timestamp;
  };
}

/** Commissions' view of the database: its own tables and the declared reads. */
export type CommissionsView = CommissionsTables & CommissionsReads;
