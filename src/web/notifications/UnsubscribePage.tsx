import { useEffect, useState } from "preact/hooks";
import type { UnsubscribeView } from "../../protocol/api.js";
import { ApiError, NetworkError, api } from "../platform/apiClient.js";
import { useReminderText } from "./reminderText.js";

/**
 * The emailed unsubscribe link (/unsubscribe#t=<token>): opening it ends that one subscription, no sign-in. The page's
 * script does it (a POST), so a mail scanner that only fetches the link ends nothing; the token stays in the fragment.
 */
export function UnsubscribePage() {
  const { t } = useReminderText();
  const [result, setResult] = useState<UnsubscribeView | "invalid" | "failed" | null>(null);

  const run = () => {
    const token = new URLSearchParams(location.hash.slice(1)).get("t");
    if (!token) return setResult("invalid");
    setResult(null);
    api.post<{ unsubscribed: UnsubscribeView }>("/api/unsubscribe", { token }).then(
      (r) => setResult(r.unsubscribed),
      (err) => setResult(err instanceof ApiError && err.status < 500 && !(err instanceof NetworkError) ? "invalid" : "failed"),
    );
  };
  useEffect(run, []);

  const message =
    result === null
      ? t("unsubscribe.working")
      : result === "invalid"
        ? t("unsubscribe.invalid")
        : result === "failed"
          ? t("common.error")
          : result.kind === "reminder"
            ? result.name
              ? t("unsubscribe.reminder", { name: result.name })
              : t("unsubscribe.reminderGone")
            : result.name
              ? t("unsubscribe.follow", { name: result.name })
              : t("unsubscribe.followGone");
  const done = result !== null && typeof result === "object";
  return (
    <section class="panel" data-testid="unsubscribe">
      <h1>{t("unsubscribe.title")}</h1>
      <p
        class={done ? "note" : result === null ? "muted" : "alert"}
        role={result === null ? "status" : done ? "status" : "alert"}
        data-testid={done ? "unsubscribe-done" : "unsubscribe-state"}
      >
        {message}
      </p>
      {result === "failed" && (
        <button type="button" class="btn" onClick={run}>
          {t("common.retry")}
        </button>
      )}
    </section>
  );
}
