import { useState } from "preact/hooks";
import { errorText } from "../i18n/apiErrors.js";
import { ApiError, NetworkError, api } from "../platform/apiClient.js";
import { useI18n } from "../i18n/coreText.js";

export interface Account {
  id: string;
  email: string;
  displayName: string;
  role: string;
}

export function LoginForm({ onSignedIn }: { onSignedIn(account: Account): void }) {
  const { t, lang } = useI18n();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const res = await api.post<{ account: Account }>("/api/auth/login", { email: email.trim(), password });
      onSignedIn(res.account);
    } catch (err) {
      if (err instanceof ApiError && (err.code === "invalid_credentials" || err.code === "invalid_body")) {
        setError(t("login.invalid"));
      } else if (err instanceof ApiError && err.code === "rate_limited") setError(errorText(err, lang));
      else if (err instanceof NetworkError) setError(t("common.network"));
      else setError(t("common.error"));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="panel login" onSubmit={submit} data-testid="login-form">
      <h1>{t("login.title")}</h1>
      <label class="field">
        <span>{t("login.email")}</span>
        <input
          type="email"
          name="email"
          autoComplete="username"
          required
          value={email}
          onInput={(e) => setEmail(e.currentTarget.value)}
          data-testid="login-email"
        />
      </label>
      <label class="field">
        <span>{t("login.password")}</span>
        <input
          type="password"
          name="password"
          autoComplete="current-password"
          required
          value={password}
          onInput={(e) => setPassword(e.currentTarget.value)}
          data-testid="login-password"
        />
      </label>
      {error && (
        <p class="alert" role="alert" data-testid="login-error">
          {error}
        </p>
      )}
      <button type="submit" class="btn btn-primary btn-block" disabled={busy} data-testid="login-submit">
        {t("login.submit")}
      </button>
      <p class="note">
        <a href="/forgot-password" data-testid="forgot-link">
          {t("login.forgot")}
        </a>
      </p>
    </form>
  );
}
