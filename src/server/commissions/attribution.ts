import { type Kysely, type Transaction, sql } from "kysely";
import { perTransaction } from "../db/index.js";
import { insertArrays } from "../db/array-insert.js";
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
 * The stage's rule (issue #19): a co-host who joined the show's stage as a co-host (a remote co-host) earns their
 * share of a live order only when they were on stage as it was placed; otherwise that share goes to the show's host.
 * Replay orders keep the planned split.
 * Co-hosts who never used the stage (in the studio with the host) keep their planned share, as before.
 */
export async function presentHosts(db: Q, showId: string, mainHost: string, hosts: HostShare[], at: Date): Promise<HostShare[]> {
  if (hosts.length < 2) return hosts;
  const stage = await perTransaction(db, `commissions:stage:${showId}`, async () => {
    const [remote, intervals] = await Promise.all([
      db.selectFrom("stage_participants").select("account_id").where("show_id", "=", showId).where("role", "=", "cohost").execute(),
      db.selectFrom("stage_intervals").select(["account_id", "started_at", "ended_at"]).where("show_id", "=", showId).where("role", "=", "cohost").execute(),
    ]);
    return { remote: new Set(remote.map((r) => r.account_id)), intervals };
  });
  if (stage.remote.size === 0) return hosts;
  const t = at.getTime();
  const onStage = (accountId: string) =>
    stage.intervals.some(
      (i) => i.account_id === accountId && new Date(i.started_at).getTime() <= t && (i.ended_at == null || new Date(i.ended_at).getTime() > t),
    );
  return onStageShares(hosts, mainHost, (accountId) => !stage.remote.has(accountId) || onStage(accountId));
}

/** The shares of hosts who are not `present` go to the main host; nothing is created or lost (the sum stays 10 000). */
export function onStageShares(hosts: HostShare[], mainHost: string, present: (accountId: string) => boolean): HostShare[] {
  let moved = 0;
  const kept = hosts.filter((h) => {
    if (h.accountId === mainHost || present(h.accountId)) return true;
    moved += h.shareBp;
    return false;
  });
  if (moved === 0) return hosts;
  const main = kept.find((h) => h.accountId === mainHost);
  return main ? kept.map((h) => (h === main ? { ...h, shareBp: h.shareBp + moved } : h)) : [...kept, { accountId: mainHost, shareBp: moved }];
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
  return (await attributeOrders(tx, [input]))[0]!;
}

/** attributeOrder for the orders of a hold tick, in their order: the reads (once per transaction where they can be), one INSERT. */
export async function attributeOrders(
  tx: Transaction<CommissionsView>,
  inputs: readonly { orderId: string; showId: string; referral: string | null; at: Date }[],
): Promise<Attribution[]> {
  const out: Attribution[] = [];
  for (const input of inputs) out.push(await planAttribution(tx, input));
  if (out.length === 0) return out;
  await insertArrays(
    "order_attributions",
    {
      order_id: "text",
      show_id: "text",
      merchant_id: "text",
      source: "text",
      ref_code: "text",
      ref_at: "timestamptz",
      hosts: "text",
      rule_version: "integer",
      created_at: "timestamptz",
    },
    out.map((a, i) => ({
      order_id: a.orderId,
      show_id: a.showId,
      merchant_id: a.merchantId,
      source: a.source,
      ref_code: a.refCode,
      ref_at: a.refAt,
      hosts: JSON.stringify(a.hosts),
      rule_version: a.ruleVersion,
      created_at: inputs[i]!.at,
    })),
    sql`on conflict (order_id) do nothing`,
  ).execute(tx);
  return out;
}

async function planAttribution(
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
  const source = link ? "link" : show.status === "live" || show.status === "reconnecting" ? "live" : "replay";
  const planned = link ? [] : await showHostShares(tx, input.showId, show.host_account_id);
  const a: Attribution = {
    orderId: input.orderId,
    showId: input.showId,
    merchantId: show.merchant_id,
    source,
    refCode: link?.code ?? null,
    refAt: link?.at ?? null,
    hosts: link
      ? [{ accountId: link.accountId, shareBp: 10_000 }]
      : source === "live"
        ? await presentHosts(tx, input.showId, show.host_account_id, planned, input.at)
        : planned,
    ruleVersion: set.version,
  };
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
