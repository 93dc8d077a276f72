import { useState } from "preact/hooks";
import { errorText } from "../i18n/apiErrors.js";
import type { CardSetupView, SavedBuyerDetails } from "../../protocol/api.js";
import { useStripeCard } from "../checkout/useStripeCard.js";
import { ApiError, NetworkError, api } from "../platform/apiClient.js";
import { getLang, setLang, type Lang } from "../i18n/coreText.js";
import { orderMessages } from "../orders/orderText.js";
import { combineMessages, defineMessages, useMessages } from "../i18n/messages.js";
import type { BuyerAccount, BuyerState } from "../buyers/useBuyer.js";

// The account popover's strings (sign-up, saved address and card, language): they load with the popover, so the
// viewer page's first load (whose weight is benchmarked) does not carry them. Keys not found here are the order's (the
// address and card fields, as in the checkout) and the shared ones.
const buyerMessages = combineMessages(
  defineMessages(
    {
      "buyer.signUp": "Create account",
      "buyer.signOut": "Sign out",
      "buyer.passwordHint": "At least 10 characters.",
      "buyer.signedInAs": "Signed in as {email}",
      "buyer.lang": "Language",
      "buyer.langHint": "Your emails and statements are written in it; this page switches too.",
      "buyer.langSaved": "Language saved.",
      "buyer.checkEmail": "Almost done: we sent a link to {email}. Open it to confirm your email and sign in.",
      "buyer.oneTapLead": "Save an address and a card to buy with one tap.",
      "buyer.oneTapReady": "One-tap buying is on: your saved card and address are used.",
      "buyer.saveAddress": "Save address",
      "buyer.saveCard": "Save card",
      "buyer.replaceCard": "Replace card",
      "buyer.addressSaved": "Address saved.",
      "buyer.cardSaved": "Card saved (we keep only the last 4 digits).",
      "buyer.removeCard": "Remove card",
      "buyer.cardRemoved": "Card removed.",
      "buyer.stripeCard": "Card",
      "buyer.stripeCardNote": "Card details go straight to Stripe, which keeps the card for your next purchases; we keep only brand and last 4 digits.",
      "buyer.cardLoading": "Loading the secure card field…",
      "buyer.cardUnavailable": "The card field could not be loaded. Try again later.",
      "buyer.cardNotSaved": "The card could not be saved.",
    },
    {
      "buyer.signUp": "Konto erstellen",
      "buyer.signOut": "Abmelden",
      "buyer.passwordHint": "Mindestens 10 Zeichen.",
      "buyer.signedInAs": "Angemeldet als {email}",
      "buyer.lang": "Sprache",
      "buyer.langHint": "Deine E-Mails und Abrechnungen werden in ihr geschrieben; auch diese Seite wechselt.",
      "buyer.langSaved": "Sprache gespeichert.",
      "buyer.oneTapLead": "Speichere Adresse und Karte, um mit einem Tipp zu kaufen.",
      "buyer.checkEmail":
        "Fast geschafft: Wir haben dir einen Link an {email} geschickt. Öffne ihn, um deine E-Mail-Adresse zu bestätigen und dich anzumelden.",
      "buyer.oneTapReady": "Kauf mit einem Tipp ist aktiv: gespeicherte Karte und Adresse werden verwendet.",
      "buyer.saveAddress": "Adresse speichern",
      "buyer.saveCard": "Karte speichern",
      "buyer.replaceCard": "Karte ersetzen",
      "buyer.addressSaved": "Adresse gespeichert.",
      "buyer.cardSaved": "Karte gespeichert (wir behalten nur die letzten 4 Ziffern).",
      "buyer.removeCard": "Karte entfernen",
      "buyer.cardRemoved": "Karte entfernt.",
      "buyer.stripeCard": "Karte",
      "buyer.stripeCardNote":
        "Kartendaten gehen direkt an Stripe, das die Karte für deine nächsten Käufe aufbewahrt; wir behalten nur Marke und letzte 4 Ziffern.",
      "buyer.cardLoading": "Das sichere Kartenfeld wird geladen…",
      "buyer.cardUnavailable": "Das Kartenfeld konnte nicht geladen werden. Versuch es später noch einmal.",
      "buyer.cardNotSaved": "Die Karte konnte nicht gespeichert werden.",
    },
  ),
  orderMessages,
);
const useBuyerText = () => useMessages(buyerMessages);

const COUNTRIES = ["DE", "AT", "CH", "NL", "BE", "LU", "FR", "DK", "PL", "CZ"];

/** Stripe.js could not confirm the card setup (declined, 3-D Secure failed): its message is already in the buyer's language. */
class CardSetupFailed extends Error {}

function messageFor(err: unknown, t: ReturnType<typeof useBuyerText>["t"], lang: Lang): string {
  if (err instanceof CardSetupFailed) return err.message || t("buyer.cardNotSaved");
  if (err instanceof ApiError) {
    if (err.code === "payment_declined" || err.code === "conflict") return t("buyer.cardNotSaved");
    if (err.code === "invalid_credentials") return t("login.invalid");
    if (err.code === "invalid_body" || err.code === "rate_limited") return errorText(err, lang);
  }
  if (err instanceof NetworkError) return t("common.network");
  return t("common.error");
}

function AuthForms({ onSignedIn }: { onSignedIn(a: BuyerAccount): void }) {
  const { t, lang } = useBuyerText();
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
      setError(messageFor(err, t, lang));
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
  const { t, locale, lang } = useBuyerText();
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
      setError(messageFor(err, t, lang));
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
  const { t, lang } = useBuyerText();
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
      setStatus({ error: messageFor(err, t, lang) });
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

/** The account popover's content, loaded when the menu first opens: the forms, or the signed-in account's settings. */
export function AccountPanel({ buyer, onSignOut }: { buyer: BuyerState; onSignOut(): void }) {
  const { t } = useBuyerText();
  const { account, saved } = buyer;
  return account ? (
    <>
      <p class="account-who" data-testid="account-signed-in">
        {t("buyer.signedInAs", { email: account.email })}
      </p>
      <AccountLanguage account={account} onChanged={(a) => buyer.updateAccount(a)} />
      <p class="muted">{saved?.address && saved.paymentMethod ? t("buyer.oneTapReady") : t("buyer.oneTapLead")}</p>
      <SavedDetailsForm key={saved ? "loaded" : "loading"} saved={saved} onSaved={buyer.setSaved} />
      <button type="button" class="btn btn-block" onClick={onSignOut} data-testid="account-signout">
        {t("buyer.signOut")}
      </button>
    </>
  ) : (
    <AuthForms onSignedIn={(a) => buyer.setAccount(a)} />
  );
}
