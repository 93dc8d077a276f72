import { render } from "preact";
import { useErrorText } from "../i18n/apiErrors.js";
import { UnsubscribePage } from "../notifications/UnsubscribePage.js";
import { useEffect, useState } from "preact/hooks";
import type { OrderView } from "../../protocol/api.js";
import { ApiError, api } from "../platform/apiClient.js";
import { Header } from "../components/Layout.js";
import { type Account, LoginForm } from "../accounts/LoginForm.js";
import { useAccountText } from "../accounts/accountText.js";
import { useMerchantText } from "../admin/merchantText.js";
import { getLang } from "../i18n/coreText.js";
import { formatMoney } from "../platform/money.js";
import { orderPageHref, useOrderText } from "../orders/orderText.js";
import { AccountNotifications } from "../push/PushOptIn.js";

// The emailed links carry their token in the fragment (#token=…): it never reaches a server log or a Referer.
const token = new URLSearchParams(location.hash.slice(1)).get("token");

function useSubmit(action: () => Promise<void>) {
  const { t } = useAccountText();
  const errorText = useErrorText();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await action();
    } catch (err) {
      if (err instanceof ApiError && err.code === "invalid_body" && err.message.startsWith("token")) setError(t("account.token.invalid"));
      else setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, submit };
}

function Forgot() {
  const { t } = useAccountText();
  const [email, setEmail] = useState("");
  const [sent, setSent] = useState(false);
  const { busy, error, submit } = useSubmit(async () => {
    await api.post("/api/auth/password-reset", { email: email.trim(), lang: getLang() });
    setSent(true);
  });
  return (
    <form class="panel login" onSubmit={submit} data-testid="forgot-form">
      <h1>{t("account.forgot.title")}</h1>
      <p>{t("account.forgot.text")}</p>
      <label class="field">
        <span>{t("login.email")}</span>
        <input type="email" required autoComplete="username" value={email} onInput={(e) => setEmail(e.currentTarget.value)} data-testid="forgot-email" />
      </label>
      {sent && (
        <p class="note" role="status" data-testid="forgot-sent">
          {t("account.forgot.sent")}
        </p>
      )}
      {error && (
        <p class="alert" role="alert">
          {error}
        </p>
      )}
      <button type="submit" class="btn btn-primary btn-block" disabled={busy || sent}>
        {t("account.forgot.submit")}
      </button>
    </form>
  );
}

function Reset() {
  const { t } = useAccountText();
  const [password, setPassword] = useState("");
  const [done, setDone] = useState(false);
  const { busy, error, submit } = useSubmit(async () => {
    await api.post("/api/auth/password-reset/confirm", { token, password });
    setDone(true);
  });
  if (!token) return <p class="panel alert">{t("account.token.missing")}</p>;
  return (
    <form class="panel login" onSubmit={submit} data-testid="reset-form">
      <h1>{t("account.reset.title")}</h1>
      <label class="field">
        <span>{t("account.password.new")}</span>
        <input
          type="password"
          required
          minLength={10}
          autoComplete="new-password"
          value={password}
          onInput={(e) => setPassword(e.currentTarget.value)}
          data-testid="reset-password"
        />
      </label>
      {done && (
        <p class="note" role="status" data-testid="reset-done">
          {t("account.reset.done")} <a href="/login">{t("login.submit")}</a>
        </p>
      )}
      {error && (
        <p class="alert" role="alert" data-testid="reset-error">
          {error}
        </p>
      )}
      <button type="submit" class="btn btn-primary btn-block" disabled={busy || done} data-testid="reset-submit">
        {t("account.reset.submit")}
      </button>
    </form>
  );
}

/** The emailed sign-up link: one click creates the account and signs in (a click, so mail scanners that open links do not). */
function ConfirmSignUp() {
  const { t } = useAccountText();
  const [done, setDone] = useState(false);
  const { busy, error, submit } = useSubmit(async () => {
    await api.post("/api/auth/signup/confirm", { token });
    setDone(true);
  });
  if (!token) return <p class="panel alert">{t("account.token.missing")}</p>;
  return (
    <form class="panel login" onSubmit={submit} data-testid="confirm-signup-form">
      <h1>{t("account.signup.title")}</h1>
      <p>{done ? t("account.signup.done") : t("account.signup.text")}</p>
      {done && (
        <p class="note" role="status" data-testid="confirm-signup-done">
          <a href="/">{t("home.title")}</a>
        </p>
      )}
      {error && (
        <p class="alert" role="alert" data-testid="confirm-signup-error">
          {error}
        </p>
      )}
      {!done && (
        <button type="submit" class="btn btn-primary btn-block" disabled={busy} data-testid="confirm-signup-submit">
          {t("account.signup.submit")}
        </button>
      )}
    </form>
  );
}

interface InviteInfo {
  email: string;
  role: "host" | "staff";
  merchantName: string;
  existingAccount: boolean;
}

/** An invite for an address that has an account (a host joining another shop): sign in with it, then join. */
function JoinAsMember({ invite }: { invite: InviteInfo }) {
  const m = useMerchantText();
  const [account, setAccount] = useState<Account | null | undefined>(undefined);
  const [done, setDone] = useState(false);
  useEffect(() => {
    api.get<{ account: Account }>("/api/auth/me").then(
      (r) => setAccount(r.account),
      () => setAccount(null),
    );
  }, []);
  const { busy, error, submit } = useSubmit(async () => {
    await api.post("/api/auth/accept-invite", { token });
    setDone(true);
  });
  const vars = { merchant: invite.merchantName, email: invite.email, role: m.t(`team.role.${invite.role}`) };
  return (
    <form class="panel login" onSubmit={submit} data-testid="join-form">
      <h1>{m.t("join.accept", vars)}</h1>
      <p>{m.t("join.existing", vars)}</p>
      {account === null && <LoginForm onSignedIn={setAccount} />}
      {done && (
        <p class="note" role="status" data-testid="join-done">
          {m.t("join.done", vars)}
        </p>
      )}
      {error && (
        <p class="alert" role="alert">
          {error}
        </p>
      )}
      {account && !done && (
        <button type="submit" class="btn btn-primary btn-block" disabled={busy} data-testid="join-submit">
          {m.t("join.accept", vars)}
        </button>
      )}
    </form>
  );
}

function AcceptInvite() {
  const [invite, setInvite] = useState<InviteInfo | null>(null);
  useEffect(() => {
    if (token)
      api.post<{ invite: InviteInfo }>("/api/auth/invite-info", { token }).then(
        (r) => setInvite(r.invite),
        () => undefined, // the form below reports a bad link when it is used
      );
  }, []);
  if (invite?.existingAccount) return <JoinAsMember invite={invite} />;
  return <NewInviteAccount />;
}

function NewInviteAccount() {
  const { t } = useAccountText();
  const [name, setName] = useState("");
  const [password, setPassword] = useState("");
  const { busy, error, submit } = useSubmit(async () => {
    await api.post("/api/auth/accept-invite", { token, password, displayName: name.trim() });
    location.assign("/");
  });
  if (!token) return <p class="panel alert">{t("account.token.missing")}</p>;
  return (
    <form class="panel login" onSubmit={submit} data-testid="invite-form">
      <h1>{t("account.invite.title")}</h1>
      <label class="field">
        <span>{t("account.invite.name")}</span>
        <input required maxLength={60} autoComplete="name" value={name} onInput={(e) => setName(e.currentTarget.value)} data-testid="invite-name" />
      </label>
      <label class="field">
        <span>{t("account.password.new")}</span>
        <input
          type="password"
          required
          minLength={10}
          autoComplete="new-password"
          value={password}
          onInput={(e) => setPassword(e.currentTarget.value)}
          data-testid="invite-password"
        />
      </label>
      {error && (
        <p class="alert" role="alert">
          {error}
        </p>
      )}
      <button type="submit" class="btn btn-primary btn-block" disabled={busy} data-testid="invite-submit">
        {t("account.invite.submit")}
      </button>
    </form>
  );
}

/** /account: the signed-in buyer's order history, each order linking to its page (opened by the session). */
function OrderHistory() {
  const { t, locale } = useOrderText();
  const [account, setAccount] = useState<Account | null | undefined>(undefined);
  const [orders, setOrders] = useState<OrderView[] | null>(null);
  const [error, setError] = useState(false);
  useEffect(() => {
    api.get<{ account: Account }>("/api/auth/me").then(
      (r) => setAccount(r.account),
      () => setAccount(null),
    );
  }, []);
  useEffect(() => {
    if (!account) return;
    api.get<{ orders: OrderView[] }>("/api/me/orders").then(
      (r) => setOrders(r.orders),
      () => setError(true),
    );
  }, [account]);
  if (account === undefined) return <p class="muted">{t("order.loading")}</p>;
  if (account === null) {
    return (
      <>
        <p class="note">{t("account.orders.signIn")}</p>
        <LoginForm onSignedIn={setAccount} />
      </>
    );
  }
  return (
    <>
      <section class="panel admin-detail" data-testid="account-orders">
        <h1>{t("account.orders.title")}</h1>
        <p class="muted">{account.email}</p>
        {error && <p class="alert">{t("common.error")}</p>}
        {orders?.length === 0 && <p class="muted">{t("account.orders.empty")}</p>}
        {orders && orders.length > 0 && (
          <table class="admin-table">
            <tbody>
              {orders.map((o) => (
                <tr data-testid="account-order" data-order-id={o.id}>
                  <td>{new Intl.DateTimeFormat(locale, { dateStyle: "medium" }).format(new Date(o.createdAt))}</td>
                  <td>{t(`order.status.${o.status}`)}</td>
                  <td>{formatMoney(o.total, o.currency, locale)}</td>
                  <td>
                    <a class="link" href={orderPageHref(o.id)} data-testid="account-order-link">
                      {t("account.orders.open")}
                    </a>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <AccountNotifications />
    </>
  );
}

function AccountPage() {
  const path = location.pathname;
  const view =
    path === "/account" ? (
      <OrderHistory />
    ) : path === "/reset-password" ? (
      <Reset />
    ) : path === "/accept-invite" ? (
      <AcceptInvite />
    ) : path === "/confirm-signup" ? (
      <ConfirmSignUp />
    ) : path === "/unsubscribe" ? (
      <UnsubscribePage />
    ) : (
      <Forgot />
    );
  return (
    <>
      <Header />
      <main class="page-narrow">{view}</main>
    </>
  );
}

render(<AccountPage />, document.getElementById("app")!);
