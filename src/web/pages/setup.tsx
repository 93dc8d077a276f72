import { render } from "preact";
import { errorText } from "../i18n/apiErrors.js";
import { useEffect, useState } from "preact/hooks";
import type { ShopView } from "../../protocol/api.js";
import { ShopFields, type ShopFieldsValue, emptyShop, shopBodyOf } from "../admin/ShopForm.js";
import { useMerchantText } from "../admin/merchantText.js";
import { Centered, Header } from "../components/Layout.js";
import { ApiError, api } from "../platform/apiClient.js";

// The first run of an empty installation (/setup), and the admin's emailed confirmation link (/verify-email).

function SetupForm() {
  const { t, lang } = useMerchantText();
  const [needed, setNeeded] = useState<boolean | null>(null);
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [name, setName] = useState("");
  const [shop, setShop] = useState<ShopFieldsValue>(emptyShop);
  const [logo, setLogo] = useState<File | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<{ email: string; warning: string | null } | null>(null);

  useEffect(() => {
    api.get<{ needed: boolean }>("/api/auth/setup").then(
      (r) => setNeeded(r.needed),
      () => setNeeded(true),
    );
  }, []);

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const r = await api.post<{ account: { email: string }; shop: ShopView }>("/api/auth/setup", {
        admin: { email: email.trim(), password, displayName: name.trim() },
        shop: shopBodyOf(shop),
        lang,
      });
      let warning: string | null = null;
      if (logo) {
        // The account and shop exist now; a logo that fails is reported, not a reason to undo them.
        await api.upload(`/api/admin/shop/logo?merchantId=${encodeURIComponent(r.shop.id)}`, logo).catch((err: Error) => {
          warning = t("shop.logoFailed", { message: errorText(err, lang) });
        });
      }
      setDone({ email: r.account.email, warning });
    } catch (err) {
      if (err instanceof ApiError && err.code === "setup_done") setNeeded(false);
      setError(errorText(err, lang));
    } finally {
      setBusy(false);
    }
  };

  if (needed === null) return <Centered>…</Centered>;
  if (done)
    return (
      <main class="page-narrow">
        <div class="panel" data-testid="setup-done">
          <h1>{t("setup.title")}</h1>
          <p role="status">{t("setup.done", { email: done.email })}</p>
          {done.warning && <p class="alert">{done.warning}</p>}
          <a class="btn btn-primary" href="/admin" data-testid="setup-to-admin">
            {t("setup.toAdmin")}
          </a>
        </div>
      </main>
    );
  if (!needed)
    return (
      <main class="page-narrow">
        <div class="panel" data-testid="setup-already">
          <h1>{t("setup.title")}</h1>
          <p>{t("setup.already")}</p>
          <a class="btn" href="/login">
            {t("setup.signIn")}
          </a>
        </div>
      </main>
    );
  return (
    <main class="page-narrow">
      <form class="panel admin-form" onSubmit={submit} data-testid="setup-form">
        <h1>{t("setup.title")}</h1>
        <p>{t("setup.lead")}</p>
        <fieldset>
          <legend>{t("setup.admin")}</legend>
          <label class="field">
            <span>{t("setup.name")}</span>
            <input required maxLength={80} autoComplete="name" value={name} onInput={(e) => setName(e.currentTarget.value)} data-testid="setup-name" />
          </label>
          <label class="field">
            <span>{t("setup.email")}</span>
            <input
              required
              type="email"
              maxLength={254}
              autoComplete="email"
              value={email}
              onInput={(e) => setEmail(e.currentTarget.value)}
              data-testid="setup-email"
            />
          </label>
          <label class="field">
            <span>{t("setup.password")}</span>
            <input
              required
              type="password"
              minLength={10}
              maxLength={200}
              autoComplete="new-password"
              value={password}
              onInput={(e) => setPassword(e.currentTarget.value)}
              data-testid="setup-password"
            />
          </label>
        </fieldset>
        <fieldset>
          <legend>{t("setup.shop")}</legend>
          <ShopFields value={shop} onChange={setShop} idPrefix="setup-shop" />
          <label class="field">
            <span>{t("shop.logo")}</span>
            <input
              type="file"
              accept="image/jpeg,image/png,image/webp"
              onChange={(e) => setLogo(e.currentTarget.files?.[0] ?? null)}
              data-testid="setup-logo"
            />
          </label>
        </fieldset>
        {error && (
          <p class="alert" role="alert" data-testid="setup-error">
            {error}
          </p>
        )}
        <button type="submit" class="btn btn-primary btn-block" disabled={busy} data-testid="setup-submit">
          {t("setup.submit")}
        </button>
      </form>
    </main>
  );
}

function VerifyEmail() {
  const { t, lang } = useMerchantText();
  const token = new URLSearchParams(location.hash.slice(1)).get("token");
  const [state, setState] = useState<"busy" | "ok" | string>("busy");
  useEffect(() => {
    if (!token) return setState(t("verify.missing"));
    api.post("/api/auth/verify-email", { token }).then(
      () => setState("ok"),
      (err) => setState(errorText(err, lang)),
    );
  }, []);
  return (
    <main class="page-narrow">
      <div class="panel" data-testid="verify-email">
        <h1>{t("verify.title")}</h1>
        {state === "busy" ? (
          <p>…</p>
        ) : state === "ok" ? (
          <p role="status" data-testid="verify-email-ok">
            {t("verify.ok")}
          </p>
        ) : (
          <p class="alert" role="alert">
            {state}
          </p>
        )}
        <a class="btn" href="/admin">
          {t("setup.toAdmin")}
        </a>
      </div>
    </main>
  );
}

function SetupPage() {
  return (
    <>
      <Header />
      {location.pathname === "/verify-email" ? <VerifyEmail /> : <SetupForm />}
    </>
  );
}

render(<SetupPage />, document.getElementById("app")!);
