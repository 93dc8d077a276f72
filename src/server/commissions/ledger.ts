import { type Kysely, sql, type Transaction } from "kysely";
import type { CommissionsTables, CommissionsView } from "./schema.js";
import { randomId } from "../platform/ids.js";
import { insertArrays } from "../db/array-insert.js";

export type HostBucket = "pending" | "available" | "paid";
export const hostAccount = (hostId: string, bucket: HostBucket) => `host:${hostId}:${bucket}`;
export const merchantExpense = (merchantId: string) => `merchant:${merchantId}:commission_expense`;

export interface Posting {
  account: string;
  hostAccountId?: string | null;
  showId?: string | null;
  orderId?: string | null;
  /** Signed minor units: positive increases what the account holds (a host's claim), negative decreases it. */
  amount: number;
  currency: string;
}

export interface LedgerTransaction {
  kind: CommissionsTables["ledger_transactions"]["kind"];
  merchantId: string;
  orderId?: string | null;
  refundId?: string | null;
  payoutId?: string | null;
  ruleVersion?: number | null;
  rateBp?: number | null;
  fixedPerUnit?: number | null;
  maturesAt?: Date | null;
  memo?: string;
}

export class UnbalancedTransaction extends Error {}

const TRANSACTION_COLUMNS = {
  id: "text",
  kind: "text",
  merchant_id: "text",
  order_id: "text",
  refund_id: "text",
  payout_id: "text",
  rule_version: "integer",
  rate_bp: "integer",
  fixed_per_unit: "integer",
  matures_at: "timestamptz",
  memo: "text",
  created_at: "timestamptz",
} as const;
const POSTING_COLUMNS = {
  id: "text",
  transaction_id: "text",
  account: "text",
  host_account_id: "text",
  merchant_id: "text",
  show_id: "text",
  order_id: "text",
  amount: "bigint",
  currency: "text",
  created_at: "timestamptz",
} as const;

/** Double entry: every posting is a whole number of cents and the postings of one transaction sum to zero per currency. */
export function assertBalanced(postings: readonly Posting[]): void {
  const sums = new Map<string, number>();
  for (const p of postings) {
    if (!Number.isSafeInteger(p.amount)) throw new UnbalancedTransaction(`posting to ${p.account}: ${p.amount} is not a whole number of minor units`);
    sums.set(p.currency, (sums.get(p.currency) ?? 0) + p.amount);
  }
  for (const [currency, sum] of sums) if (sum !== 0) throw new UnbalancedTransaction(`postings sum to ${sum} ${currency}, not 0`);
}

/**
 * Appends one transaction with its postings (zero postings are dropped). Idempotent by the unique indexes on
 * (kind, order) and (reversal, refund): a transaction that already exists is not written again and null is returned.
 */
export async function postTransaction(tx: Transaction<CommissionsView>, at: Date, t: LedgerTransaction, postings: readonly Posting[]): Promise<string | null> {
  return (await postTransactions(tx, at, [{ t, postings }]))[0]!;
}

/** postTransaction for several transactions, with one INSERT of the transactions and one of their postings. */
export async function postTransactions(
  tx: Transaction<CommissionsView>,
  at: Date,
  items: readonly { t: LedgerTransaction; postings: readonly Posting[] }[],
): Promise<(string | null)[]> {
  if (items.length === 0) return [];
  for (const { postings } of items) assertBalanced(postings);
  const ids = items.map(() => randomId("ltx"));
  // One array per column (insertArrays): a confirmation tick writes a transaction and its postings per order.
  const { rows } = await insertArrays<Record<string, unknown>, { id: string }>(
    "ledger_transactions",
    TRANSACTION_COLUMNS,
    items.map(({ t }, i) => ({
      id: ids[i]!,
      kind: t.kind,
      merchant_id: t.merchantId,
      order_id: t.orderId ?? null,
      refund_id: t.refundId ?? null,
      payout_id: t.payoutId ?? null,
      rule_version: t.ruleVersion ?? null,
      rate_bp: t.rateBp ?? null,
      fixed_per_unit: t.fixedPerUnit ?? null,
      matures_at: t.maturesAt ?? null,
      memo: t.memo ?? "",
      created_at: at,
    })),
    sql`on conflict do nothing returning id`,
  ).execute(tx);
  const written = new Set(rows.map((r) => r.id));
  const postingRows = items.flatMap(({ t, postings }, i) =>
    written.has(ids[i]!)
      ? postings
          .filter((p) => p.amount !== 0)
          .map((p) => ({
            id: randomId("lp"),
            transaction_id: ids[i]!,
            account: p.account,
            host_account_id: p.hostAccountId ?? null,
            merchant_id: t.merchantId,
            show_id: p.showId ?? null,
            order_id: p.orderId ?? t.orderId ?? null,
            amount: p.amount,
            currency: p.currency,
            created_at: at,
          }))
      : [],
  );
  if (postingRows.length) await insertArrays("ledger_postings", POSTING_COLUMNS, postingRows).execute(tx);
  return ids.map((id) => (written.has(id) ? id : null));
}

/** A host's balances per currency, summed from postings (there are no stored totals). */
export async function hostBalances(
  db: Kysely<CommissionsView>,
  hostId: string,
): Promise<{ currency: string; pending: number; available: number; paid: number }[]> {
  const rows = await db
    .selectFrom("ledger_postings")
    .select(["account", "currency", sql<string>`sum(amount)`.as("balance")])
    .where("host_account_id", "=", hostId)
    .where("account", "like", "host:%")
    .groupBy(["account", "currency"])
    .execute();
  const out = new Map<string, { currency: string; pending: number; available: number; paid: number }>();
  for (const r of rows) {
    const bucket = r.account.slice(r.account.lastIndexOf(":") + 1) as HostBucket;
    const b = out.get(r.currency) ?? { currency: r.currency, pending: 0, available: 0, paid: 0 };
    b[bucket] = Number(r.balance);
    out.set(r.currency, b);
  }
  return [...out.values()].sort((a, b) => (a.currency < b.currency ? -1 : 1));
}

/** Per host and bucket, what one order still carries (used to reverse a refund from where the money sits now). */
export async function orderHostBalances(
  tx: Transaction<CommissionsView>,
  orderId: string,
): Promise<Map<string, { pending: number; available: number; total: number }>> {
  const rows = await tx
    .selectFrom("ledger_postings")
    .select(["host_account_id", "account", sql<string>`sum(amount)`.as("balance")])
    .where("order_id", "=", orderId)
    .where("host_account_id", "is not", null)
    .groupBy(["host_account_id", "account"])
    .execute();
  const out = new Map<string, { pending: number; available: number; total: number }>();
  for (const r of rows) {
    const b = out.get(r.host_account_id!) ?? { pending: 0, available: 0, total: 0 };
    const v = Number(r.balance);
    if (r.account.endsWith(":pending")) b.pending += v;
    else if (r.account.endsWith(":available")) b.available += v;
    if (!r.account.endsWith(":paid")) b.total += v;
    out.set(r.host_account_id!, b);
  }
  return out;
}
