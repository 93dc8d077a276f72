import type { Kysely, Transaction } from "kysely";
import { perTransaction } from "../db/index.js";
import type { CommissionRules } from "../../protocol/api.js";
import type { CommissionsTables, CommissionsView } from "./schema.js";
import { DEFAULT_ATTRIBUTION_WINDOW_DAYS, type HostShare, type RuleSet } from "./rules.js";

/** First-party cookie set when a viewer opens a host's share link (`/shows/:id?ref=<code>`): `<code>.<epoch ms>`. */
export const REF_COOKIE = "sc_ref";
export const SHARE_CODE = /^[a-z0-9]{8,16}$/;

export function refCookieValue(code: string, at: Date): string {
  return `${code}.${at.getTime()}`;
}

export function parseRefCookie(value: string | null | undefined): { code: string; at: Date } | null {
  if (!value) return null;
  const m = /^([a-z0-9]{8,16})\.(\d{10,15})$/.exec(value);
  if (!m) return null;
  return { code: m[1]!, at: new Date(Number(m[2])) };
}

export interface Attribution {
  orderId: string;
  showId: string;
  merchantId: string;
  source: "live" | "replay" | "link";
  refCode: string | null;
  refAt: Date | null;
  hosts: HostShare[];
  ruleVersion: number;
}

/** Commissions' view of the database (a transaction is one too): its own tables and the declared reads (schema.ts). */
export type CommissionsDb = Kysely<CommissionsView>;
type Q = CommissionsDb;

/** The merchant's rule set in force (highest version), or version 0 when it never made one. */
export function currentRuleSet(db: Q, merchantId: string): Promise<RuleSet> {
  return perTransaction(db, `commissions:rule-set:${merchantId}`, () => readCurrentRuleSet(db, merchantId));
}

async function readCurrentRuleSet(db: Q, merchantId: string): Promise<RuleSet> {
  const row = await db
    .selectFrom("commission_rule_sets")
    .select(["version", "rules"])
    .where("merchant_id", "=", merchantId)
    .orderBy("version", "desc")
    .limit(1)
    .executeTakeFirst();
  return row ? { version: row.version, rules: row.rules ? (JSON.parse(row.rules) as CommissionRules) : null } : { version: 0, rules: null };
}

export async function ruleSetVersion(db: Q, merchantId: string, version: number): Promise<RuleSet> {
  if (version === 0) return { version: 0, rules: null };
  return perTransaction(db, `commissions:rule-set:${merchantId}:${version}`, () => readRuleSetVersion(db, merchantId, version));
}

async function readRuleSetVersion(db: Q, merchantId: string, version: number): Promise<RuleSet> {
  const row = await db
    .selectFrom("commission_rule_sets")
    .select(["version", "rules"])
    .where("merchant_id", "=", merchantId)
    .where("version", "=", version)
    .executeTakeFirst();
  return row ? { version: row.version, rules: row.rules ? (JSON.parse(row.rules) as CommissionRules) : null } : { version: 0, rules: null };
}

/** The show's hosts and their shares: its co-host table, or the show's host alone. */
export function showHostShares(db: Q, showId: string, showHost?: string): Promise<HostShare[]> {
  return perTransaction(db, `commissions:host-shares:${showId}`, () => readShowHostShares(db, showId, showHost));
}

async function readShowHostShares(db: Q, showId: string, showHost?: string): Promise<HostShare[]> {
  const rows = await db.selectFrom("show_hosts").select(["account_id", "share_bp"]).where("show_id", "=", showId).orderBy("account_id").execute();
  if (rows.length) return rows.map((r) => ({ accountId: r.account_id, shareBp: r.share_bp }));
  const host = showHost ?? (await db.selectFrom("shows").select("host_account_id").where("id", "=", showId).executeTakeFirstOrThrow()).host_account_id;
  return [{ accountId: host, shareBp: 10_000 }];
}

/**
 * Who an order belongs to, decided when it is placed. Last touch: a share link of this show opened within the
 * attribution window gives the order to that link's host alone (source `link`); otherwise the order belongs to the
 * show's hosts by their shares, as `live` while the show is on air (live or reconnecting) and `replay` otherwise.
 * The rule set version in force is stored with it, so later rule changes never rewrite a past order's commission.
 */
// Runs inside every checkout's transaction: a handful of indexed reads and one insert (once per order by its key).
export async function attributeOrder(
  tx: Transaction<CommissionsView>,
  input: { orderId: string; showId: string; referral: string | null; at: Date },
): Promise<Attribution> {
  const show = await perTransaction(tx, `commissions:show:${input.showId}`, () =>
    tx.selectFrom("shows").select(["merchant_id", "status", "host_account_id"]).where("id", "=", input.showId).executeTakeFirstOrThrow(),
  );
  const set = await currentRuleSet(tx, show.merchant_id);
  const windowMs = (set.rules?.attributionWindowDays ?? DEFAULT_ATTRIBUTION_WINDOW_DAYS) * 24 * 3600 * 1000;
  const ref = parseRefCookie(input.referral);
  let link: { code: string; at: Date; accountId: string } | null = null;
  if (ref && ref.at.getTime() <= input.at.getTime() && input.at.getTime() - ref.at.getTime() <= windowMs) {
    const code = await tx.selectFrom("host_share_codes").select(["account_id", "show_id"]).where("code", "=", ref.code).executeTakeFirst();
    if (code && code.show_id === input.showId) link = { ...ref, accountId: code.account_id };
  }
  const a: Attribution = {
    orderId: input.orderId,
    showId: input.showId,
    merchantId: show.merchant_id,
    source: link ? "link" : show.status === "live" || show.status === "reconnecting" ? "live" : "replay",
    refCode: link?.code ?? null,
    refAt: link?.at ?? null,
    hosts: link ? [{ accountId: link.accountId, shareBp: 10_000 }] : await showHostShares(tx, input.showId, show.host_account_id),
    ruleVersion: set.version,
  };
  await tx
    .insertInto("order_attributions")
    .values({
      order_id: a.orderId,
      show_id: a.showId,
      merchant_id: a.merchantId,
      source: a.source,
      ref_code: a.refCode,
      ref_at: a.refAt,
      hosts: JSON.stringify(a.hosts),
      rule_version: a.ruleVersion,
      created_at: input.at,
    })
    .onConflict((oc) => oc.column("order_id").doNothing())
    .execute();
  return a;
}

export function attributionFromRow(r: CommissionsTables["order_attributions"] extends infer T ? { [K in keyof T]: unknown } : never): Attribution {
  return {
    orderId: r.order_id as string,
    showId: r.show_id as string,
    merchantId: r.merchant_id as string,
    source: r.source as Attribution["source"],
    refCode: (r.ref_code as string | null) ?? null,
    refAt: r.ref_at ? new Date(r.ref_at as string) : null,
    hosts: JSON.parse(r.hosts as string) as HostShare[],
    ruleVersion: r.rule_version as number,
  };
}
