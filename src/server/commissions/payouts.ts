import { type Selectable, sql } from "kysely";
import type { PainVersion, PayoutSkip, PayoutView } from "../../protocol/api.js";
import type { AccountService } from "../accounts/index.js";
import { type Db, scoped } from "../db/index.js";
import type { Clock } from "../platform/clock.js";
import { AppError } from "../platform/errors.js";
import { type CsvValue, csvDocument } from "../platform/csv.js";
import { randomId } from "../platform/ids.js";
import { type CommissionsDb, currentRuleSet } from "./attribution.js";
import { type HostBucket, hostAccount, postTransaction } from "./ledger.js";
import { type PdfBlock, renderPdf } from "./pdf.js";
import { DEFAULT_PAYOUT_MINIMUM } from "./rules.js";
import type { CommissionsTables } from "./schema.js";
import { DEFAULT_PAIN_VERSION, isValidBic, isValidIban, normalizeBic, normalizeIban, painXml } from "./sepa.js";
import type { PayoutTransfers } from "./stripe-connect.js";

export interface StatementLine {
  at: string;
  kind: string;
  orderId: string | null;
  showId: string | null;
  bucket: HostBucket;
  amount: number;
}

export interface Statement {
  hostAccountId: string;
  hostName: string;
  /** The host's account language (null: not known). */
  hostLang: "de" | "en" | null;
  month: string;
  currency: string;
  opening: Record<HostBucket, number>;
  lines: StatementLine[];
  closing: Record<HostBucket, number>;
}

type PayoutRow = Pick<Selectable<CommissionsTables["payouts"]>, "id" | "merchant_id" | "host_account_id" | "currency" | "amount" | "method">;

const MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/;
const bucketOf = (account: string) => account.slice(account.lastIndexOf(":") + 1) as HostBucket;
const euros = (cents: number) => `${cents < 0 ? "-" : ""}${Math.floor(Math.abs(cents) / 100)}.${String(Math.abs(cents) % 100).padStart(2, "0")}`;

function payoutView(r: CommissionsTables["payouts"] extends infer T ? { [K in keyof T]: unknown } : never): PayoutView {
  return {
    id: r.id as string,
    hostAccountId: r.host_account_id as string,
    amount: Number(r.amount),
    currency: r.currency as string,
    method: r.method as PayoutView["method"],
    status: r.status as PayoutView["status"],
    periodStart: r.period_start ? new Date(r.period_start as string).toISOString() : null,
    periodEnd: new Date(r.period_end as string).toISOString(),
    batchId: r.batch_id as string,
    createdAt: new Date(r.created_at as string).toISOString(),
  };
}

/**
 * Payouts of available commission: a run (monthly, or on demand for one host) pays every host of the merchant whose
 * available balance reaches the rule set's minimum, as one SEPA batch (pain.001 for the merchant's bank) or as Stripe
 * Connect transfers. Each payout moves the amount from the host's available to paid account in the ledger.
 */
export class PayoutService {
  private readonly db: CommissionsDb;

  constructor(
    db: Db,
    private readonly clock: Clock,
    /** The host's name and language on a statement: the accounts' door. */
    private readonly accounts: Pick<AccountService, "profile">,
    private readonly transfers: PayoutTransfers | null = null,
  ) {
    this.db = scoped(db);
  }

  async setHostPayoutAccount(accountId: string, body: { holderName: string; iban?: string; bic?: string; stripeAccountId?: string }): Promise<void> {
    if (body.iban !== undefined && !isValidIban(body.iban)) throw new AppError("invalid_body", "iban: not a valid IBAN (length or check digits)");
    if (body.bic !== undefined && !isValidBic(body.bic)) throw new AppError("invalid_body", "bic: not a valid BIC");
    if ((body.iban === undefined) !== (body.bic === undefined)) throw new AppError("invalid_body", "iban and bic go together");
    const row = {
      holder_name: body.holderName,
      iban: body.iban ? normalizeIban(body.iban) : null,
      bic: body.bic ? normalizeBic(body.bic) : null,
      stripe_account_id: body.stripeAccountId ?? null,
      updated_at: this.clock.now(),
    };
    await this.db
      .insertInto("host_payout_accounts")
      .values({ account_id: accountId, ...row })
      .onConflict((oc) => oc.column("account_id").doUpdateSet(row))
      .execute();
  }

  async hostPayoutAccount(accountId: string): Promise<{ holderName: string; iban: string | null; bic: string | null; stripeAccountId: string | null } | null> {
    const r = await this.db.selectFrom("host_payout_accounts").selectAll().where("account_id", "=", accountId).executeTakeFirst();
    // The IBAN is shown masked: enough to recognise it, not to copy it.
    return r
      ? { holderName: r.holder_name, iban: r.iban ? `${r.iban.slice(0, 4)}…${r.iban.slice(-4)}` : null, bic: r.bic, stripeAccountId: r.stripe_account_id }
      : null;
  }

  async setMerchantSettings(merchantId: string, body: { debtorName: string; iban: string; bic: string; painVersion?: PainVersion }): Promise<void> {
    if (!isValidIban(body.iban)) throw new AppError("invalid_body", "iban: not a valid IBAN (length or check digits)");
    if (!isValidBic(body.bic)) throw new AppError("invalid_body", "bic: not a valid BIC");
    const row = {
      debtor_name: body.debtorName,
      iban: normalizeIban(body.iban),
      bic: normalizeBic(body.bic),
      updated_at: this.clock.now(),
      ...(body.painVersion ? { pain_version: body.painVersion } : {}),
    };
    await this.db
      .insertInto("merchant_payout_settings")
      .values({ merchant_id: merchantId, ...row })
      .onConflict((oc) => oc.column("merchant_id").doUpdateSet(row))
      .execute();
  }

  async merchantSettings(merchantId: string): Promise<{ debtorName: string; iban: string; bic: string; painVersion: PainVersion } | null> {
    const r = await this.db.selectFrom("merchant_payout_settings").selectAll().where("merchant_id", "=", merchantId).executeTakeFirst();
    return r ? { debtorName: r.debtor_name, iban: r.iban, bic: r.bic, painVersion: r.pain_version ?? DEFAULT_PAIN_VERSION } : null;
  }

  /** Available balance per host at this merchant, in one currency. */
  async available(merchantId: string, currency: string): Promise<Map<string, number>> {
    const rows = await this.db
      .selectFrom("ledger_postings")
      .select(["host_account_id", sql<string>`sum(amount)`.as("balance")])
      .where("merchant_id", "=", merchantId)
      .where("currency", "=", currency)
      .where("account", "like", "host:%:available")
      .groupBy("host_account_id")
      .execute();
    return new Map(rows.map((r) => [r.host_account_id!, Number(r.balance)]));
  }

  /**
   * Pays every host (or one) whose available balance at this merchant is at least the minimum. Hosts without payout
   * details for the method are skipped and listed. Serialised per merchant (advisory lock), so two runs never pay
   * the same balance twice.
   */
  async run(
    merchantId: string,
    opts: { method: "sepa" | "stripe"; currency: string; hostAccountId?: string },
  ): Promise<{ payouts: PayoutView[]; skipped: PayoutSkip[] }> {
    if (opts.method === "sepa" && opts.currency !== "EUR") throw new AppError("invalid_body", "currency: SEPA transfers are in EUR");
    if (opts.method === "stripe" && !this.transfers) throw new AppError("conflict", "Stripe Connect is not configured on this server.");
    if (opts.method === "sepa" && !(await this.merchantSettings(merchantId)))
      throw new AppError("conflict", "Set the merchant's bank account (payout settings) before a SEPA run.");
    const set = await currentRuleSet(this.db, merchantId);
    const minimum = Math.max(1, set.rules?.payoutMinimum ?? DEFAULT_PAYOUT_MINIMUM);
    const now = this.clock.now();
    const batchId = randomId("pob");
    const skipped: PayoutSkip[] = [];
    const created = await this.db.transaction().execute(async (tx) => {
      await sql`select pg_advisory_xact_lock(hashtext(${`payout:${merchantId}`}))`.execute(tx);
      let q = tx
        .selectFrom("ledger_postings")
        .select(["host_account_id", sql<string>`sum(amount)`.as("balance")])
        .where("merchant_id", "=", merchantId)
        .where("currency", "=", opts.currency)
        .where("account", "like", "host:%:available")
        .groupBy("host_account_id");
      if (opts.hostAccountId) q = q.where("host_account_id", "=", opts.hostAccountId);
      const balances = await q.execute();
      const out: PayoutRow[] = [];
      for (const b of balances.sort((x, y) => (x.host_account_id! < y.host_account_id! ? -1 : 1))) {
        const hostId = b.host_account_id!;
        const amount = Number(b.balance);
        if (amount < minimum) {
          if (opts.hostAccountId)
            skipped.push({ hostAccountId: hostId, available: amount, code: "below_minimum", minimum, reason: `below the minimum of ${minimum}` });
          continue;
        }
        const details = await tx.selectFrom("host_payout_accounts").selectAll().where("account_id", "=", hostId).executeTakeFirst();
        if (opts.method === "sepa" && !(details?.iban && details.bic)) {
          skipped.push({ hostAccountId: hostId, available: amount, code: "no_bank_account", reason: "no IBAN/BIC" });
          continue;
        }
        if (opts.method === "stripe" && !details?.stripe_account_id) {
          skipped.push({ hostAccountId: hostId, available: amount, code: "no_stripe_account", reason: "no Stripe account" });
          continue;
        }
        const last = await tx
          .selectFrom("payouts")
          .select(sql<Date | null>`max(period_end)`.as("end"))
          .where("merchant_id", "=", merchantId)
          .where("host_account_id", "=", hostId)
          .executeTakeFirstOrThrow();
        const payout = {
          id: randomId("po"),
          merchant_id: merchantId,
          host_account_id: hostId,
          currency: opts.currency,
          amount,
          method: opts.method,
          status: "pending" as const,
          period_start: last.end ? new Date(last.end) : null,
          period_end: now,
          batch_id: batchId,
          external_ref: null,
          created_at: now,
        };
        await tx.insertInto("payouts").values(payout).execute();
        await postTransaction(tx, now, { kind: "payout", merchantId, payoutId: payout.id, memo: `${opts.method} payout` }, [
          { account: hostAccount(hostId, "available"), hostAccountId: hostId, amount: -amount, currency: opts.currency },
          { account: hostAccount(hostId, "paid"), hostAccountId: hostId, amount, currency: opts.currency },
        ]);
        out.push(payout);
      }
      return out;
    });
    if (opts.method === "stripe") for (const p of created) await this.#sendStripe(p);
    const rows = created.length ? await this.db.selectFrom("payouts").selectAll().where("batch_id", "=", batchId).orderBy("host_account_id").execute() : [];
    return { payouts: rows.map(payoutView), skipped };
  }

  // The transfer runs after the ledger moved the money to paid; a refused transfer moves it back (a second payout
  // transaction, never an edit) and the payout is marked failed.
  async #sendStripe(p: PayoutRow): Promise<void> {
    const details = await this.db
      .selectFrom("host_payout_accounts")
      .select("stripe_account_id")
      .where("account_id", "=", p.host_account_id)
      .executeTakeFirstOrThrow();
    const r = await this.transfers!.transfer({
      payoutId: p.id,
      amount: p.amount,
      currency: p.currency,
      destination: details.stripe_account_id!,
      description: `Showcart commission payout ${p.id}`,
    });
    await this.db.transaction().execute(async (tx) => {
      await tx
        .updateTable("payouts")
        .set({ status: r.ok ? "sent" : "failed", external_ref: r.ok ? r.ref : null })
        .where("id", "=", p.id)
        .execute();
      if (!r.ok) {
        await postTransaction(
          tx,
          this.clock.now(),
          { kind: "payout", merchantId: p.merchant_id, payoutId: p.id, memo: `payout failed: ${r.reason}`.slice(0, 200) },
          [
            { account: hostAccount(p.host_account_id, "paid"), hostAccountId: p.host_account_id, amount: -p.amount, currency: p.currency },
            { account: hostAccount(p.host_account_id, "available"), hostAccountId: p.host_account_id, amount: p.amount, currency: p.currency },
          ],
        );
      }
    });
  }

  async list(filter: { merchantId?: string; hostAccountId?: string }): Promise<PayoutView[]> {
    let q = this.db.selectFrom("payouts").selectAll();
    if (filter.merchantId) q = q.where("merchant_id", "=", filter.merchantId);
    if (filter.hostAccountId) q = q.where("host_account_id", "=", filter.hostAccountId);
    return (await q.orderBy("created_at", "desc").orderBy("id").limit(500).execute()).map(payoutView);
  }

  /** The merchant's bank file for one SEPA batch (in the settings' pain.001 version unless one is asked for); generating it marks the batch sent. */
  async painForBatch(merchantId: string, batchId: string, version?: PainVersion): Promise<string> {
    const settings = await this.merchantSettings(merchantId);
    if (!settings) throw new AppError("conflict", "Set the merchant's bank account (payout settings) first.");
    const rows = await this.db
      .selectFrom("payouts")
      .innerJoin("host_payout_accounts", "host_payout_accounts.account_id", "payouts.host_account_id")
      .selectAll("payouts")
      .select(["host_payout_accounts.holder_name", "host_payout_accounts.iban", "host_payout_accounts.bic"])
      .where("payouts.merchant_id", "=", merchantId)
      .where("payouts.batch_id", "=", batchId)
      .where("payouts.method", "=", "sepa")
      .orderBy("payouts.id")
      .execute();
    if (!rows.length) throw new AppError("not_found", "No such SEPA batch.");
    const now = this.clock.now();
    const xml = painXml(
      {
        messageId: batchId,
        createdAt: now,
        executionDate: now.toISOString().slice(0, 10),
        debtor: { name: settings.debtorName, iban: settings.iban, bic: settings.bic },
        transfers: rows.map((r) => ({
          endToEndId: r.id,
          amount: Number(r.amount),
          creditorName: r.holder_name,
          iban: r.iban!,
          bic: r.bic!,
          remittance: `Showcart commission ${r.id}`,
        })),
      },
      version ?? settings.painVersion,
    );
    await this.db.updateTable("payouts").set({ status: "sent" }).where("batch_id", "=", batchId).where("status", "=", "pending").execute();
    return xml;
  }

  /** Months (YYYY-MM) in which the host's ledger moved, newest first. */
  async statementMonths(hostAccountId: string): Promise<string[]> {
    const rows = await this.db.selectFrom("ledger_postings").select("created_at").where("host_account_id", "=", hostAccountId).execute();
    return [...new Set(rows.map((r) => new Date(r.created_at).toISOString().slice(0, 7)))].sort().reverse();
  }

  /** A month's statement: opening balances, every posting of the month, closing balances — all sums of postings. */
  async statement(hostAccountId: string, month: string, currency = "EUR"): Promise<Statement> {
    const m = MONTH.exec(month);
    if (!m) throw new AppError("invalid_query", "month: YYYY-MM");
    const start = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, 1));
    const end = new Date(Date.UTC(Number(m[1]), Number(m[2]), 1));
    const host = await this.accounts.profile(hostAccountId);
    const before = await this.db
      .selectFrom("ledger_postings")
      .select(["account", sql<string>`sum(amount)`.as("balance")])
      .where("host_account_id", "=", hostAccountId)
      .where("currency", "=", currency)
      .where("created_at", "<", start)
      .groupBy("account")
      .execute();
    const opening: Record<HostBucket, number> = { pending: 0, available: 0, paid: 0 };
    for (const b of before) opening[bucketOf(b.account)] += Number(b.balance);
    const rows = await this.db
      .selectFrom("ledger_postings")
      .innerJoin("ledger_transactions", "ledger_transactions.id", "ledger_postings.transaction_id")
      .select([
        "ledger_postings.created_at",
        "ledger_transactions.kind",
        "ledger_postings.order_id",
        "ledger_postings.show_id",
        "ledger_postings.account",
        "ledger_postings.amount",
        "ledger_postings.id",
      ])
      .where("ledger_postings.host_account_id", "=", hostAccountId)
      .where("ledger_postings.currency", "=", currency)
      .where("ledger_postings.created_at", ">=", start)
      .where("ledger_postings.created_at", "<", end)
      .orderBy("ledger_postings.created_at")
      .orderBy("ledger_postings.id")
      .execute();
    const closing = { ...opening };
    const lines = rows.map((r) => {
      const bucket = bucketOf(r.account);
      closing[bucket] += Number(r.amount);
      return { at: new Date(r.created_at).toISOString(), kind: r.kind, orderId: r.order_id, showId: r.show_id, bucket, amount: Number(r.amount) };
    });
    return { hostAccountId, hostName: host?.displayName ?? hostAccountId, hostLang: host?.lang ?? null, month, currency, opening, lines, closing };
  }
}

export function statementCsv(s: Statement): string {
  const head = ["date", "kind", "order", "show", "account", "amount", "currency"];
  const rows: CsvValue[][] = [
    [`${s.month}-01`, "opening", null, null, "pending", euros(s.opening.pending), s.currency],
    [`${s.month}-01`, "opening", null, null, "available", euros(s.opening.available), s.currency],
    [`${s.month}-01`, "opening", null, null, "paid", euros(s.opening.paid), s.currency],
    ...s.lines.map((l) => [l.at, l.kind, l.orderId, l.showId, l.bucket, euros(l.amount), s.currency]),
    ["", "closing", null, null, "pending", euros(s.closing.pending), s.currency],
    ["", "closing", null, null, "available", euros(s.closing.available), s.currency],
    ["", "closing", null, null, "paid", euros(s.closing.paid), s.currency],
  ];
  return csvDocument(head, rows);
}

const STATEMENT_TEXT = {
  en: {
    locale: "en-GB",
    title: (month: string) => `Commission statement ${month}`,
    host: "Host",
    currency: "Currency",
    opening: "Opening balance",
    closing: "Closing balance",
    columns: { date: "Date", kind: "Entry", bucket: "Account", amount: "Amount", order: "Order" },
    kinds: { commission: "Commission", reversal: "Reversal", mature: "Released", payout: "Payout" } as Record<string, string>,
    buckets: { pending: "pending", available: "available", paid: "paid out" } as Record<HostBucket, string>,
    none: "No entries this month.",
  },
  de: {
    locale: "de-DE",
    title: (month: string) => `Provisionsabrechnung ${month}`,
    host: "Host",
    currency: "Währung",
    opening: "Anfangsbestand",
    closing: "Endbestand",
    columns: { date: "Datum", kind: "Buchung", bucket: "Konto", amount: "Betrag", order: "Bestellung" },
    kinds: { commission: "Provision", reversal: "Storno", mature: "Freigegeben", payout: "Auszahlung" } as Record<string, string>,
    buckets: { pending: "vorgemerkt", available: "verfügbar", paid: "ausgezahlt" } as Record<HostBucket, string>,
    none: "Keine Buchungen in diesem Monat.",
  },
};

/** A month's statement as an A4 PDF in the host's language: balances and one aligned table row per posting. */
export function statementPdf(s: Statement, lang: "de" | "en" = "en"): Promise<Buffer> {
  const t = STATEMENT_TEXT[lang];
  const money = (cents: number) => new Intl.NumberFormat(t.locale, { style: "currency", currency: s.currency }).format(cents / 100);
  const date = (iso: string) => new Intl.DateTimeFormat(t.locale, { dateStyle: "medium", timeZone: "UTC" }).format(new Date(iso));
  const balances: PdfBlock = {
    kind: "table",
    columns: [
      { header: "", width: 135 },
      ...(["pending", "available", "paid"] as const).map((b) => ({ header: t.buckets[b], width: 120, align: "right" as const })),
    ],
    rows: [
      { cells: [t.opening, money(s.opening.pending), money(s.opening.available), money(s.opening.paid)] },
      { cells: [t.closing, money(s.closing.pending), money(s.closing.available), money(s.closing.paid)], bold: true },
    ],
  };
  const postings: PdfBlock = {
    kind: "table",
    columns: [
      { header: t.columns.date, width: 80 },
      { header: t.columns.kind, width: 90 },
      { header: t.columns.bucket, width: 80 },
      { header: t.columns.amount, width: 95, align: "right" },
      { header: t.columns.order, width: 150 },
    ],
    rows: s.lines.map((l) => ({ cells: [date(l.at), t.kinds[l.kind] ?? l.kind, t.buckets[l.bucket], money(l.amount), l.orderId ?? ""] })),
  };
  const blocks: PdfBlock[] = [
    { kind: "title", text: `Showcart · ${t.title(s.month)}` },
    { kind: "text", text: `${t.host}: ${s.hostName} (${s.hostAccountId})` },
    { kind: "text", text: `${t.currency}: ${s.currency}` },
    { kind: "gap" },
    balances,
    { kind: "gap" },
    ...(s.lines.length ? [postings] : [{ kind: "text", text: t.none } as const]),
  ];
  return renderPdf(blocks, { title: t.title(s.month), lang });
}
