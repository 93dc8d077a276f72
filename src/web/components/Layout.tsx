import type { ComponentChildren } from "preact";
import type { ShowStatus } from "../../protocol/api.js";
import { type Lang, setLang, useI18n } from "../i18n/coreText.js";

export function LangSwitch() {
  const { lang, t } = useI18n();
  const option = (l: Lang) => (
    <button type="button" class={lang === l ? "is-active" : ""} aria-pressed={lang === l} onClick={() => setLang(l)} data-testid={`lang-${l}`}>
      {l.toUpperCase()}
    </button>
  );
  return (
    <div class="lang-switch" role="group" aria-label={t("lang.switch")}>
      {option("de")}
      {option("en")}
    </div>
  );
}

export function Header({ children }: { children?: ComponentChildren }) {
  return (
    <header class="topbar">
      <a class="brand" href="/">
        <span class="brand-mark" aria-hidden="true">
          ●
        </span>
        Showcart
      </a>
      <div class="topbar-end">
        {children}
        <LangSwitch />
      </div>
    </header>
  );
}

export function StatusBadge({ status }: { status: ShowStatus }) {
  const { t } = useI18n();
  return (
    <span class={`badge badge-${status}`} data-testid="status-badge" data-status={status}>
      {status === "live" && <span class="live-dot" aria-hidden="true" />}
      {t(`status.${status}`)}
    </span>
  );
}

export function Centered({ children }: { children: ComponentChildren }) {
  return <div class="centered">{children}</div>;
}

export function LoadError({ message, onRetry }: { message: string; onRetry?: () => void }) {
  const { t } = useI18n();
  return (
    <Centered>
      <p class="alert" role="alert" data-testid="page-error">
        {message}
      </p>
      {onRetry && (
        <button type="button" class="btn" onClick={onRetry}>
          {t("common.retry")}
        </button>
      )}
    </Centered>
  );
}

/** Formats a scheduled start relative to now when close ("in 20 minutes"), absolute otherwise. */
export function formatStart(iso: string, locale: string, now: number): string {
  const at = Date.parse(iso);
  const diffMin = Math.round((at - now) / 60_000);
  if (diffMin > 0 && diffMin < 120) {
    return new Intl.RelativeTimeFormat(locale, { numeric: "auto" }).format(diffMin, "minute");
  }
  return new Intl.DateTimeFormat(locale, { weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" }).format(at);
}
