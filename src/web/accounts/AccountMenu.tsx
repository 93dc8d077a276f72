import { useEffect, useRef, useState } from "preact/hooks";
import type { CardSetupView, SavedBuyerDetails } from "../../protocol/api.js";
import { useStripeCard } from "../checkout/useStripeCard.js";
import { ApiError, NetworkError, api } from "../platform/apiClient.js";
import { type Lang, getLang, setLang, useI18n } from "../i18n/coreText.js";
import type { BuyerAccount, BuyerState } from "../buyers/useBuyer.js";

const COUNTRIES = ["DE", "AT", "CH", "NL", "BE", "LU", "FR", "DK", "PL", "CZ"];

/** Stripe.js could not confirm the card setup (declined, 3-D Secure failed): its message is already in the buyer's language. */
class CardSetupFailed extends Error {}

function messageFor(err: unknown, t: ReturnType<typeof useI18n>["t"]): string {
  if (err instanceof CardSetupFailed) return err.message || t("buyer.cardNotSaved");
  if (err instanceof ApiError) {
    if (err.code === "payment_declined" || err.code === "conflict") return t("buyer.cardNotSaved");
    if (err.code === "invalid_credentials") return t("login.invalid");
    if (err.code === "invalid_body" || err.code === "rate_limited") return err.message;
  }
  if (err instanceof NetworkError) return t("common.network");
  return t("common.error");
}

function AuthForms({ onSignedIn }: { onSignedIn(a: BuyerAccount): void }) {
  const { t } = useI18n();
  const [mode, setMode] = useState<"signin" | "signup">("signin");
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [name, setName] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  // Sign-up answers the same for every email and mails a link; the account exists once the link is opened.
  const [sentTo, setSentTo] = useState<string | null>(null);

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      if (mode === "signup") {
        await api.post("/api/auth/signup", { email: email.trim(), password, displayName: name.trim(), lang: getLang() });
        setSentTo(email.trim());
        setPassword("");
      } else onSignedIn((await api.post<{ account: BuyerAccount }>("/api/auth/login", { email: email.trim(), password })).account);
    } catch (err) {
      setError(messageFor(err, t));
    } finally {
      setBusy(false);
    }
  };

  if (mode === "signup" && sentTo) {
    return (
      <p class="note" role="status" data-testid="account-signup-sent">
        {t("buyer.checkEmail", { email: sentTo })}
      </p>
    );
  }
  return (
    <form class="account-form" onSubmit={submit} data-testid={`account-${mode}`}>
      <div class="tabs" role="tablist">
        <button
          type="button"
          role="tab"
          aria-selected={mode === "signin"}
          class={mode === "signin" ? "is-active" : ""}
          onClick={() => setMode("signin")}
          data-testid="account-tab-signin"
        >
          {t("buyer.signIn")}
        </button>
        <button
          type="button"
          role="tab"
          aria-selected={mode === "signup"}
          class={mode === "signup" ? "is-active" : ""}
          onClick={() => setMode("signup")}
          data-testid="account-tab-signup"
        >
          {t("buyer.signUp")}
        </button>
      </div>
      {mode === "signup" && (
        <label class="field">
          <span>{t("checkout.name")}</span>
          <input autoComplete="name" required value={name} onInput={(e) => setName(e.currentTarget.value)} data-testid="account-name" />
        </label>
      )}
      <label class="field">
        <span>{t("login.email")}</span>
        <input type="email" autoComplete="username" required value={email} onInput={(e) => setEmail(e.currentTarget.value)} data-testid="account-email" />
      </label>
      <label class="field">
        <span>{t("login.password")}</span>
        <input
          type="password"
          autoComplete={mode === "signup" ? "new-password" : "current-password"}
          minLength={mode === "signup" ? 10 : undefined}
          required
          value={password}
          onInput={(e) => setPassword(e.currentTarget.value)}
          data-testid="account-password"
        />
      </label>
      {mode === "signup" && <p class="note">{t("buyer.passwordHint")}</p>}
      {error && (
        <p class="alert" role="alert" data-testid="account-error">
          {error}
        </p>
      )}
      <button type="submit" class="btn btn-primary btn-block" disabled={busy} data-testid="account-submit">
        {mode === "signup" ? t("buyer.signUp") : t("buyer.signIn")}
      </button>
    </form>
  );
}

function SavedDetailsForm({ saved, onSaved }: { saved: SavedBuyerDetails | null; onSaved(d: SavedBuyerDetails): void }) {
  const { t, locale } = useI18n();
  const a = saved?.address;
  const [address, setAddress] = useState({
    name: a?.name ?? "",
    line1: a?.line1 ?? "",
    line2: a?.line2 ?? "",
    postalCode: a?.postalCode ?? "",
    city: a?.city ?? "",
    country: a?.country ?? "DE",
  });
  const [card, setCard] = useState("");
  // With Stripe the card goes into Stripe's own field (loaded when this form shows) and is saved through a SetupIntent.
  const { payments, cardState, cardComplete, stripeCard, cardMount } = useStripeCard(getLang(), true);
  const stripe = payments?.provider === "stripe";
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const regionNames = new Intl.DisplayNames([locale], { type: "region" });

  const run = async (fn: () => Promise<{ details: SavedBuyerDetails }>, ok: string) => {
    setBusy(true);
    setError(null);
    setDone(null);
    try {
      onSaved((await fn()).details);
      setDone(ok);
    } catch (err) {
      setError(messageFor(err, t));
    } finally {
      setBusy(false);
    }
  };
  const saveAddress = (e: Event) => {
    e.preventDefault();
    const body = { ...address, line2: address.line2.trim() || undefined };
    void run(() => api.post("/api/me/address", body), t("buyer.addressSaved"));
  };
  const saveCard = (e: Event) => {
    e.preventDefault();
    void run(async () => {
      if (stripe) {
        const field = stripeCard.current;
        if (!field) throw new CardSetupFailed(t("buyer.cardUnavailable"));
        const { setup } = await api.post<{ setup: CardSetupView }>("/api/me/payment-method/setup", {});
        const confirmed = await field.stripe.confirmCardSetup(setup.clientSecret, { payment_method: { card: field.card } });
        if (!confirmed.setupIntent) throw new CardSetupFailed(confirmed.error?.message ?? "");
        return api.post<{ details: SavedBuyerDetails }>("/api/me/payment-method", { method: "stripe", setupIntentId: confirmed.setupIntent.id });
      }
      const r = await api.post<{ details: SavedBuyerDetails }>("/api/me/payment-method", { method: "test_card", number: card.trim() });
      setCard("");
      return r;
    }, t("buyer.cardSaved"));
  };
  const removeCard = () => void run(() => api.del<{ details: SavedBuyerDetails }>("/api/me/payment-method"), t("buyer.cardRemoved"));
  const field = (k: keyof typeof address, label: Parameters<typeof t>[0], extra: Record<string, string | boolean> = {}) => (
    <label class="field">
      <span>{t(label)}</span>
      <input value={address[k]} onInput={(e) => setAddress((x) => ({ ...x, [k]: e.currentTarget.value }))} data-testid={`saved-${k}`} {...extra} />
    </label>
  );

  return (
    <div class="saved-forms">
      <form onSubmit={saveAddress} data-testid="saved-address-form">
        <h3>{t("checkout.shipping")}</h3>
        {field("name", "checkout.name", { required: true, autoComplete: "name" })}
        {field("line1", "checkout.line1", { required: true, autoComplete: "address-line1" })}
        {field("line2", "checkout.line2", { autoComplete: "address-line2" })}
        <div class="field-row">
          {field("postalCode", "checkout.postalCode", { required: true, autoComplete: "postal-code" })}
          {field("city", "checkout.city", { required: true, autoComplete: "address-level2" })}
        </div>
        <label class="field">
          <span>{t("checkout.country")}</span>
          <select value={address.country} onChange={(e) => setAddress((x) => ({ ...x, country: e.currentTarget.value }))} data-testid="saved-country">
            {COUNTRIES.map((c) => (
              <option value={c}>{regionNames.of(c) ?? c}</option>
            ))}
          </select>
        </label>
        <button type="submit" class="btn btn-block" disabled={busy} data-testid="saved-address-submit">
          {t("buyer.saveAddress")}
        </button>
      </form>
      <form onSubmit={saveCard} data-testid="saved-card-form">
        <h3>{t("checkout.payment")}</h3>
        {saved?.paymentMethod && (
          <p data-testid="saved-card">
            {saved.paymentMethod.brand.toUpperCase()} •••• {saved.paymentMethod.last4}
          </p>
        )}
        {stripe ? (
          <div class="field">
            <span>{t("buyer.stripeCard")}</span>
            <div ref={cardMount} data-testid="saved-stripe-card" />
            {cardState === "loading" && <p class="muted">{t("buyer.cardLoading")}</p>}
            {cardState === "failed" && <p class="alert">{t("buyer.cardUnavailable")}</p>}
            <p class="note">{t("buyer.stripeCardNote")}</p>
          </div>
        ) : (
          <>
            <label class="field">
              <span>{t("checkout.card")}</span>
              <input
                inputMode="numeric"
                autoComplete="off"
                maxLength={23}
                value={card}
                onInput={(e) => setCard(e.currentTarget.value)}
                data-testid="saved-card-number"
              />
            </label>
            {payments && <p class="note">{t("checkout.testNote")}</p>}
          </>
        )}
        <button
          type="submit"
          class="btn btn-block"
          disabled={busy || !payments || (stripe ? !cardComplete || cardState !== "ready" : !card.trim())}
          data-testid="saved-card-submit"
        >
          {saved?.paymentMethod ? t("buyer.replaceCard") : t("buyer.saveCard")}
        </button>
        {saved?.paymentMethod && (
          <button type="button" class="btn btn-block" disabled={busy} onClick={removeCard} data-testid="saved-card-remove">
            {t("buyer.removeCard")}
          </button>
        )}
      </form>
      {done && (
        <p class="note" role="status" data-testid="saved-status">
          {done}
        </p>
      )}
      {error && (
        <p class="alert" role="alert" data-testid="saved-error">
          {error}
        </p>
      )}
    </div>
  );
}

/**
 * The account's language: its emails (password reset, show notices) and statements are written in it, and this page
 * switches with it. Stored on the account (PATCH /api/auth/me), so it holds on every device.
 */
function AccountLanguage({ account, onChanged }: { account: BuyerAccount; onChanged(a: BuyerAccount): void }) {
  const { t, lang } = useI18n();
  const [busy, setBusy] = useState(false);
  // "saved" is worded at render time: the page has just switched language.
  const [status, setStatus] = useState<"saved" | { error: string } | null>(null);
  const change = async (next: Lang) => {
    setBusy(true);
    setStatus(null);
    try {
      const r = await api.patch<{ account: BuyerAccount }>("/api/auth/me", { lang: next });
      setLang(next);
      onChanged(r.account);
      setStatus("saved");
    } catch (err) {
      setStatus({ error: messageFor(err, t) });
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class="account-lang">
      <label class="field">
        <span>{t("buyer.lang")}</span>
        <select value={account.lang ?? lang} disabled={busy} onChange={(e) => void change(e.currentTarget.value as Lang)} data-testid="account-lang">
          <option value="de" lang="de">
            Deutsch
          </option>
          <option value="en" lang="en">
            English
          </option>
        </select>
      </label>
      <p class="muted">{t("buyer.langHint")}</p>
      {status && (
        <p class={status === "saved" ? "note" : "alert"} role="status" data-testid="account-lang-status">
          {status === "saved" ? t("buyer.langSaved") : status.error}
        </p>
      )}
    </div>
  );
}

/** The viewer page's small account menu: sign up / sign in, saved address and card for one-tap buying, sign out. */
export function AccountMenu({ buyer }: { buyer: BuyerState }) {
  const { t } = useI18n();
  const [open, setOpen] = useState(false);
  const ref = useRef<HTMLDivElement>(null);
  const { account, saved } = buyer;

  useEffect(() => {
    if (!open) return;
    const onKey = (e: KeyboardEvent) => e.key === "Escape" && setOpen(false);
    const onDown = (e: MouseEvent) => ref.current && !ref.current.contains(e.target as Node) && setOpen(false);
    document.addEventListener("keydown", onKey);
    document.addEventListener("mousedown", onDown);
    return () => {
      document.removeEventListener("keydown", onKey);
      document.removeEventListener("mousedown", onDown);
    };
  }, [open]);

  if (account === undefined) return null;
  const signOut = async () => {
    await api.post("/api/auth/logout").catch(() => {});
    buyer.setAccount(null);
    setOpen(false);
  };

  return (
    <div class="account-menu" ref={ref}>
      <button type="button" class="btn btn-small" aria-expanded={open} onClick={() => setOpen((o) => !o)} data-testid="account-button">
        {account ? account.displayName : t("buyer.signIn")}
      </button>
      {open && (
        <div class="account-popover panel" role="dialog" aria-label={t("buyer.account")} data-testid="account-popover">
          {account ? (
            <>
              <p class="account-who" data-testid="account-signed-in">
                {t("buyer.signedInAs", { email: account.email })}
              </p>
              <AccountLanguage account={account} onChanged={(a) => buyer.updateAccount(a)} />
              <p class="muted">{saved?.address && saved.paymentMethod ? t("buyer.oneTapReady") : t("buyer.oneTapLead")}</p>
              <SavedDetailsForm key={saved ? "loaded" : "loading"} saved={saved} onSaved={buyer.setSaved} />
              <button type="button" class="btn btn-block" onClick={signOut} data-testid="account-signout">
                {t("buyer.signOut")}
              </button>
            </>
          ) : (
            <AuthForms onSignedIn={(a) => buyer.setAccount(a)} />
          )}
        </div>
      )}
    </div>
  );
}
