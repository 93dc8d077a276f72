import { render } from "preact";
import { useErrorText } from "../i18n/apiErrors.js";
import { useEffect, useState } from "preact/hooks";
import type { DiscoverOverview, DiscoverShow, EarningsBalances, PayoutView } from "../../protocol/api.js";
import { api } from "../platform/apiClient.js";
import { Header } from "../components/Layout.js";
import { type Account, LoginForm } from "../accounts/LoginForm.js";
import { defineMessages, useMessages } from "../i18n/messages.js";
import { formatMoney } from "../platform/money.js";

// The host's earnings page. Its strings live here (only this page uses them), in both languages.
const earningsMessages = defineMessages(
  {
    title: "Your earnings",
    signIn: "Sign in to see your commission.",
    pending: "Pending",
    pendingHint: "in the return window",
    available: "Available",
    availableHint: "paid out with the next run",
    paid: "Paid out",
    none: "No commission yet.",
    statements: "Monthly statements",
    noStatements: "No statements yet.",
    payouts: "Payouts",
    noPayouts: "No payouts yet.",
    account: "Payout account",
    holder: "Account holder",
    iban: "IBAN",
    bic: "BIC",
    save: "Save",
    saved: "Saved.",
    current: "Current: {iban}",
    status_pending: "prepared",
    status_sent: "sent",
    status_failed: "failed",
    reports: "Your shows' reports",
  },
  {
    title: "Deine Einnahmen",
    signIn: "Melde dich an, um deine Provision zu sehen.",
    pending: "Vorgemerkt",
    pendingHint: "in der Rückgabefrist",
    available: "Verfügbar",
    availableHint: "wird mit der nächsten Auszahlung überwiesen",
    paid: "Ausgezahlt",
    none: "Noch keine Provision.",
    statements: "Monatsabrechnungen",
    noStatements: "Noch keine Abrechnungen.",
    payouts: "Auszahlungen",
    noPayouts: "Noch keine Auszahlungen.",
    account: "Auszahlungskonto",
    holder: "Kontoinhaber",
    iban: "IBAN",
    bic: "BIC",
    save: "Speichern",
    saved: "Gespeichert.",
    current: "Aktuell: {iban}",
    status_pending: "vorbereitet",
    status_sent: "überwiesen",
    status_failed: "fehlgeschlagen",
    reports: "Berichte deiner Shows",
  },
);

function useText() {
  const { locale, t } = useMessages(earningsMessages);
  return { locale, e: t };
}

interface Earnings {
  balances: EarningsBalances[];
  payouts: PayoutView[];
  statements: string[];
  payoutAccount: { holderName: string; iban: string | null; bic: string | null } | null;
}

function PayoutAccountForm({ current, onSaved }: { current: Earnings["payoutAccount"]; onSaved: () => void }) {
  const { e } = useText();
  const errorText = useErrorText();
  const [holderName, setHolder] = useState(current?.holderName ?? "");
  const [iban, setIban] = useState("");
  const [bic, setBic] = useState(current?.bic ?? "");
  const [state, setState] = useState<{ busy: boolean; error: string | null; saved: boolean }>({ busy: false, error: null, saved: false });
  const submit = async (ev: Event) => {
    ev.preventDefault();
    setState({ busy: true, error: null, saved: false });
    try {
      await api.put("/api/earnings/payout-account", { holderName, iban, bic });
      setState({ busy: false, error: null, saved: true });
      setIban("");
      onSaved();
    } catch (err) {
      setState({ busy: false, error: errorText(err), saved: false });
    }
  };
  return (
    <form class="panel" onSubmit={submit} data-testid="payout-account-form">
      <h2>{e("account")}</h2>
      {current?.iban && <p class="muted">{e("current", { iban: current.iban })}</p>}
      <label class="field">
        <span>{e("holder")}</span>
        <input required maxLength={70} value={holderName} onInput={(x) => setHolder(x.currentTarget.value)} data-testid="payout-holder" />
      </label>
      <label class="field">
        <span>{e("iban")}</span>
        <input
          required
          minLength={15}
          maxLength={42}
          autoComplete="off"
          value={iban}
          onInput={(x) => setIban(x.currentTarget.value)}
          data-testid="payout-iban"
        />
      </label>
      <label class="field">
        <span>{e("bic")}</span>
        <input required minLength={8} maxLength={11} value={bic} onInput={(x) => setBic(x.currentTarget.value)} data-testid="payout-bic" />
      </label>
      {state.error && (
        <p class="alert" role="alert" data-testid="payout-error">
          {state.error}
        </p>
      )}
      {state.saved && (
        <p class="note" role="status">
          {e("saved")}
        </p>
      )}
      <button type="submit" class="btn btn-primary" disabled={state.busy}>
        {e("save")}
      </button>
    </form>
  );
}

/** The host's shows (live and with a replay) with a link to each one's report (/admin/analytics/<id>). */
function ShowReports({ hostId }: { hostId: string }) {
  const { e } = useText();
  const [shows, setShows] = useState<DiscoverShow[]>([]);
  useEffect(() => {
    api.get<DiscoverOverview>(`/api/discover?host=${encodeURIComponent(hostId)}`).then(
      (r) => setShows([...r.sections.live.shows, ...r.sections.replays.shows]),
      () => undefined,
    );
  }, [hostId]);
  if (shows.length === 0) return null;
  return (
    <>
      <h2>{e("reports")}</h2>
      <ul data-testid="earnings-reports">
        {shows.map((s) => (
          <li>
            <a class="link" href={`/admin/analytics/${encodeURIComponent(s.id)}`}>
              {s.title}
            </a>
          </li>
        ))}
      </ul>
    </>
  );
}

function EarningsView() {
  const { e, locale } = useText();
  const errorText = useErrorText();
  const [account, setAccount] = useState<Account | null | undefined>(undefined);
  const [data, setData] = useState<Earnings | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    api.get<{ account: Account }>("/api/auth/me").then(
      (r) => setAccount(r.account),
      () => setAccount(null),
    );
  }, []);
  const load = () => api.get<Earnings>("/api/earnings").then(setData, (err) => setError(errorText(err)));
  useEffect(() => {
    if (account) void load();
  }, [account]);
  if (account === undefined) return null;
  if (account === null) {
    return (
      <>
        <p class="note">{e("signIn")}</p>
        <LoginForm onSignedIn={setAccount} />
      </>
    );
  }
  const dateFmt = new Intl.DateTimeFormat(locale, { dateStyle: "medium" });
  const monthFmt = new Intl.DateTimeFormat(locale, { month: "long", year: "numeric", timeZone: "UTC" });
  return (
    <section class="admin-detail" data-testid="earnings">
      <h1>{e("title")}</h1>
      {error && <p class="alert">{error}</p>}
      {data && data.balances.length === 0 && <p class="muted">{e("none")}</p>}
      {data?.balances.map((b) => (
        <div class="counters" data-testid="earnings-balances" data-currency={b.currency}>
          <div class="counter">
            <span class="counter-value" data-testid="earnings-pending">
              {formatMoney(b.pending, b.currency, locale)}
            </span>
            <span class="counter-label">
              {e("pending")} <small class="muted">({e("pendingHint")})</small>
            </span>
          </div>
          <div class="counter">
            <span class="counter-value" data-testid="earnings-available">
              {formatMoney(b.available, b.currency, locale)}
            </span>
            <span class="counter-label">
              {e("available")} <small class="muted">({e("availableHint")})</small>
            </span>
          </div>
          <div class="counter">
            <span class="counter-value" data-testid="earnings-paid">
              {formatMoney(b.paid, b.currency, locale)}
            </span>
            <span class="counter-label">{e("paid")}</span>
          </div>
        </div>
      ))}
      {data && (
        <>
          <h2>{e("statements")}</h2>
          {data.statements.length === 0 ? (
            <p class="muted">{e("noStatements")}</p>
          ) : (
            <table class="admin-table" data-testid="earnings-statements">
              <tbody>
                {data.statements.map((m) => (
                  <tr>
                    <td>{monthFmt.format(new Date(`${m}-01T00:00:00Z`))}</td>
                    <td>
                      <a class="link" href={`/api/earnings/statements/${m}.csv`} download data-testid="statement-csv">
                        CSV
                      </a>
                    </td>
                    <td>
                      <a
                        class="link"
                        href={`/api/earnings/statements/${m}.pdf?lang=${locale.startsWith("de") ? "de" : "en"}`}
                        download
                        data-testid="statement-pdf"
                      >
                        PDF
                      </a>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <h2>{e("payouts")}</h2>
          {data.payouts.length === 0 ? (
            <p class="muted">{e("noPayouts")}</p>
          ) : (
            <table class="admin-table" data-testid="earnings-payouts">
              <tbody>
                {data.payouts.map((p) => (
                  <tr>
                    <td>{dateFmt.format(new Date(p.createdAt))}</td>
                    <td>{formatMoney(p.amount, p.currency, locale)}</td>
                    <td>{p.method === "sepa" ? "SEPA" : "Stripe"}</td>
                    <td>{e(`status_${p.status}`)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <ShowReports hostId={account.id} />
          <PayoutAccountForm current={data.payoutAccount} onSaved={load} />
        </>
      )}
    </section>
  );
}

render(
  <>
    <Header />
    <main class="page-narrow">
      <EarningsView />
    </main>
  </>,
  document.getElementById("app")!,
);
