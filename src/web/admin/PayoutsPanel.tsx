import { useEffect, useState } from "preact/hooks";
import { useErrorText } from "../i18n/apiErrors.js";
import type { PainVersion, PayoutAvailableView, PayoutSkip, PayoutView } from "../../protocol/api.js";
import { api } from "../platform/apiClient.js";
import { defineMessages, useMessages } from "../i18n/messages.js";
import { formatMoney } from "../platform/money.js";
import { CommissionRulesPanel } from "./CommissionRulesPanel.js";
import { scoped } from "./merchantScope.js";

// Host payouts in /admin (the commission rules form is CommissionRulesPanel). Strings live here (only this panel uses them).
const payoutMessages = defineMessages(
  {
    bank: "Bank account for SEPA payouts",
    debtor: "Account holder",
    save: "Save",
    saved: "Saved.",
    available: "Available to pay out",
    nothing: "Nothing available yet (commission becomes available after the return window).",
    run: "Run SEPA payout",
    ran: { one: "{n} payout created.", other: "{n} payouts created." },
    skipped: "Skipped {host}: {reason}",
    skip_below_minimum: "{amount} available, below the minimum of {minimum}",
    skip_no_bank_account: "no bank account (IBAN and BIC) on their earnings page yet",
    skip_no_stripe_account: "no Stripe account connected yet",
    status_pending: "prepared",
    status_sent: "sent",
    status_failed: "failed",
    history: "Payouts",
    noPayouts: "No payouts yet.",
    download: "pain.001 file",
    downloadOther: "as {version}",
    painVersion: "Bank file format",
    pain09: "pain.001.001.09 (current SEPA format)",
    pain03: "pain.001.001.03 (older banks)",
    host: "Host",
    amount: "Amount",
    status: "Status",
  },
  {
    bank: "Bankkonto für SEPA-Auszahlungen",
    debtor: "Kontoinhaber",
    save: "Speichern",
    saved: "Gespeichert.",
    available: "Auszahlbar",
    nothing: "Noch nichts auszahlbar (Provision wird nach der Rückgabefrist verfügbar).",
    run: "SEPA-Auszahlung ausführen",
    ran: { one: "{n} Auszahlung erstellt.", other: "{n} Auszahlungen erstellt." },
    skipped: "{host} übersprungen: {reason}",
    skip_below_minimum: "{amount} auszahlbar, unter dem Mindestbetrag von {minimum}",
    skip_no_bank_account: "noch kein Bankkonto (IBAN und BIC) auf der Einnahmen-Seite",
    skip_no_stripe_account: "noch kein Stripe-Konto verbunden",
    status_pending: "vorbereitet",
    status_sent: "überwiesen",
    status_failed: "fehlgeschlagen",
    history: "Auszahlungen",
    noPayouts: "Noch keine Auszahlungen.",
    download: "pain.001-Datei",
    downloadOther: "als {version}",
    painVersion: "Format der Bankdatei",
    pain09: "pain.001.001.09 (aktuelles SEPA-Format)",
    pain03: "pain.001.001.03 (ältere Banken)",
    host: "Host",
    amount: "Betrag",
    status: "Status",
  },
);

function usePayoutText() {
  const { locale, t } = useMessages(payoutMessages);
  return { locale, p: t };
}

export function PayoutsPanel() {
  const { p, locale } = usePayoutText();
  const message = useErrorText();
  const [payouts, setPayouts] = useState<PayoutView[]>([]);
  const [available, setAvailable] = useState<PayoutAvailableView[]>([]);
  const [bank, setBank] = useState<{ debtorName: string; iban: string; bic: string; painVersion: PainVersion }>({
    debtorName: "",
    iban: "",
    bic: "",
    painVersion: "pain.001.001.09",
  });
  const [note, setNote] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const skipReason = (s: PayoutSkip) =>
    s.code === "below_minimum"
      ? p("skip_below_minimum", { amount: formatMoney(s.available, "EUR", locale), minimum: formatMoney(s.minimum ?? 0, "EUR", locale) })
      : p(`skip_${s.code}`);
  const load = async () => {
    try {
      const [list, settings] = await Promise.all([
        api.get<{ payouts: PayoutView[]; available: PayoutAvailableView[] }>(scoped("/api/admin/payouts")),
        api.get<{ settings: { debtorName: string; iban: string; bic: string; painVersion: PainVersion } | null }>(scoped("/api/admin/payout-settings")),
      ]);
      setPayouts(list.payouts);
      setAvailable(list.available);
      if (settings.settings) setBank(settings.settings);
    } catch (err) {
      setNote(message(err));
    }
  };
  useEffect(() => void load(), []);
  const saveBank = async (e: Event) => {
    e.preventDefault();
    try {
      await api.put(scoped("/api/admin/payout-settings"), bank);
      setNote(p("saved"));
    } catch (err) {
      setNote(message(err));
    }
  };
  const run = async () => {
    setBusy(true);
    setNote(null);
    try {
      const r = await api.post<{ payouts: PayoutView[]; skipped: PayoutSkip[] }>(
        scoped("/api/admin/payouts"),
        { method: "sepa" },
        { "idempotency-key": crypto.randomUUID() },
      );
      setNote(
        [p("ran", { n: r.payouts.length }), ...r.skipped.map((s) => p("skipped", { host: s.hostName ?? s.hostAccountId, reason: skipReason(s) }))].join(" "),
      );
      await load();
    } catch (err) {
      setNote(message(err));
    } finally {
      setBusy(false);
    }
  };
  // The batch in the other version too, for a bank that wants it once.
  const otherVersion: PainVersion = bank.painVersion === "pain.001.001.09" ? "pain.001.001.03" : "pain.001.001.09";
  const batches = [...new Set(payouts.filter((x) => x.method === "sepa").map((x) => x.batchId))];
  return (
    <div data-testid="payouts-panel">
      <CommissionRulesPanel />
      <section class="panel">
        <h2>{p("available")}</h2>
        {available.filter((a) => a.amount > 0).length === 0 ? (
          <p class="muted">{p("nothing")}</p>
        ) : (
          <table class="admin-table" data-testid="payouts-available">
            <thead>
              <tr>
                <th>{p("host")}</th>
                <th>{p("amount")}</th>
              </tr>
            </thead>
            <tbody>
              {available.map((a) => (
                <tr>
                  <td>{a.hostName}</td>
                  <td>{formatMoney(a.amount, a.currency, locale)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {note && (
          <p class="note" role="status" data-testid="payouts-note">
            {note}
          </p>
        )}
        <button type="button" class="btn btn-primary" onClick={run} disabled={busy} data-testid="payouts-run">
          {p("run")}
        </button>
      </section>
      <form class="panel" onSubmit={saveBank}>
        <h2>{p("bank")}</h2>
        <label class="field">
          <span>{p("debtor")}</span>
          <input required maxLength={70} value={bank.debtorName} onInput={(e) => setBank({ ...bank, debtorName: e.currentTarget.value })} />
        </label>
        <label class="field">
          <span>IBAN</span>
          <input required value={bank.iban} onInput={(e) => setBank({ ...bank, iban: e.currentTarget.value })} />
        </label>
        <label class="field">
          <span>BIC</span>
          <input required value={bank.bic} onInput={(e) => setBank({ ...bank, bic: e.currentTarget.value })} />
        </label>
        <label class="field">
          <span>{p("painVersion")}</span>
          <select
            value={bank.painVersion}
            onChange={(e) => setBank({ ...bank, painVersion: e.currentTarget.value as PainVersion })}
            data-testid="payouts-pain-version"
          >
            <option value="pain.001.001.09">{p("pain09")}</option>
            <option value="pain.001.001.03">{p("pain03")}</option>
          </select>
        </label>
        <button type="submit" class="btn">
          {p("save")}
        </button>
      </form>
      <section class="panel">
        <h2>{p("history")}</h2>
        {payouts.length === 0 ? (
          <p class="muted">{p("noPayouts")}</p>
        ) : (
          <table class="admin-table" data-testid="payouts-history">
            <thead>
              <tr>
                <th>{p("host")}</th>
                <th>{p("amount")}</th>
                <th>{p("status")}</th>
              </tr>
            </thead>
            <tbody>
              {payouts.map((x) => (
                <tr>
                  <td>{x.hostName ?? x.hostAccountId}</td>
                  <td>{formatMoney(x.amount, x.currency, locale)}</td>
                  <td>{p(`status_${x.status}`)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {batches.map((b) => (
          <p>
            <a class="link" href={scoped(`/api/admin/payouts/batches/${encodeURIComponent(b)}/pain.001.xml`)} download data-testid="pain-download">
              {p("download")} {b}
            </a>{" "}
            <a
              class="link"
              href={scoped(`/api/admin/payouts/batches/${encodeURIComponent(b)}/pain.001.xml?version=${otherVersion}`)}
              download
              data-testid="pain-download-other"
            >
              ({p("downloadOther", { version: otherVersion })})
            </a>
          </p>
        ))}
      </section>
    </div>
  );
}
