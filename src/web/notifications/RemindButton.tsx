import type { ComponentChildren } from "preact";
import { useErrorText } from "../i18n/apiErrors.js";
import { useEffect, useState } from "preact/hooks";
import type { ReminderView, ShowView } from "../../protocol/api.js";
import { getLang } from "../i18n/lang.js";
import { api } from "../platform/apiClient.js";
import { useReminderText } from "./reminderText.js";

const storageKey = (showId: string) => `showcart.reminder.${showId}`;

/** A guest's reminder for a show, kept by the browser that made it (its token cancels it, as the email's link does). */
function storedReminder(showId: string): { id: string; token: string } | null {
  try {
    const raw = localStorage.getItem(storageKey(showId));
    return raw ? (JSON.parse(raw) as { id: string; token: string }) : null;
  } catch {
    return null;
  }
}

function storeReminder(showId: string, r: { id: string; token: string } | null): void {
  try {
    if (r) localStorage.setItem(storageKey(showId), JSON.stringify(r));
    else localStorage.removeItem(storageKey(showId));
  } catch {
    // Kept for this page view only.
  }
}

export interface RemindButtonProps {
  show: Pick<ShowView, "id" | "slug">;
  /** The signed-in viewer (their account's reminder), null for a guest (an address), undefined while unknown. */
  account: { email: string } | null | undefined;
  /** After a reminder was made (a guest's carries its token). */
  onReminded?: (reminder: ReminderView) => void;
  /** Shown under a reminder that is set (the Web Push opt-in): a guest's reminder with its id and token. */
  whenSet?: (guestReminder: { id: string; token: string } | null) => ComponentChildren;
}

type State = { kind: "idle" } | { kind: "asking" } | { kind: "set"; id?: string; token?: string } | { kind: "already" } | { kind: "cancelled" };

/** "Remind me": a guest gives an address, a signed-in viewer one click; either can cancel again here. */
export function RemindButton({ show, account, onReminded, whenSet }: RemindButtonProps) {
  const { t } = useReminderText();
  const errorText = useErrorText();
  const [state, setState] = useState<State>({ kind: "idle" });
  const [email, setEmail] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    if (account === undefined) return;
    if (account) {
      api.get<{ reminder: ReminderView | null }>(`/api/shows/${encodeURIComponent(show.slug)}/reminder`).then(
        (r) => r.reminder && setState({ kind: "set", id: r.reminder.id }),
        () => {},
      );
      return;
    }
    const stored = storedReminder(show.id);
    if (stored) setState({ kind: "set", id: stored.id, token: stored.token });
  }, [account === undefined, account?.email, show.id]);

  const fail = (err: unknown) => setError(errorText(err));

  const remind = async (e?: Event) => {
    e?.preventDefault();
    if (!account && state.kind !== "asking") return setState({ kind: "asking" });
    setBusy(true);
    setError(null);
    try {
      const r = await api.post<{ reminder: ReminderView }>(
        `/api/shows/${encodeURIComponent(show.slug)}/reminders`,
        account ? { lang: getLang() } : { email: email.trim(), lang: getLang() },
      );
      if (!account && !r.reminder.token) setState({ kind: "already" });
      else {
        if (!account && r.reminder.token) storeReminder(show.id, { id: r.reminder.id, token: r.reminder.token });
        setState({ kind: "set", id: r.reminder.id, token: r.reminder.token });
      }
      onReminded?.(r.reminder);
    } catch (err) {
      fail(err);
    } finally {
      setBusy(false);
    }
  };

  const cancel = async () => {
    setBusy(true);
    setError(null);
    try {
      if (account) await api.del(`/api/shows/${encodeURIComponent(show.slug)}/reminder`);
      else if (state.kind === "set" && state.token) await api.post("/api/unsubscribe", { token: state.token });
      storeReminder(show.id, null);
      setState({ kind: "cancelled" });
    } catch (err) {
      fail(err);
    } finally {
      setBusy(false);
    }
  };

  if (account === undefined) return null;
  if (state.kind === "set" || state.kind === "already") {
    return (
      <div class="remind" data-testid="remind">
        <p class="note" role="status" data-testid={state.kind === "set" ? "remind-set" : "remind-already"}>
          {state.kind === "already" ? t("remind.already") : account ? t("remind.setAccount", { email: account.email }) : t("remind.set")}
        </p>
        {state.kind === "set" && (account || state.token) && (
          <button type="button" class="btn btn-small" disabled={busy} onClick={cancel} data-testid="remind-cancel">
            {t("remind.cancel")}
          </button>
        )}
        {state.kind === "set" && whenSet?.(!account && state.id && state.token ? { id: state.id, token: state.token } : null)}
        {error && (
          <p class="alert" role="alert">
            {error}
          </p>
        )}
      </div>
    );
  }
  return (
    <form class="remind" onSubmit={remind} data-testid="remind">
      {state.kind === "cancelled" && (
        <p class="note" role="status" data-testid="remind-cancelled">
          {t("remind.cancelled")}
        </p>
      )}
      {state.kind === "asking" && !account && (
        <label class="field">
          <span>{t("remind.email")}</span>
          <input type="email" required autoComplete="email" value={email} onInput={(e) => setEmail(e.currentTarget.value)} data-testid="remind-email" />
        </label>
      )}
      <button type="submit" class="btn btn-primary" disabled={busy} data-testid="remind-button">
        {state.kind === "asking" ? t("remind.submit") : t("remind.button")}
      </button>
      {error && (
        <p class="alert" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}
