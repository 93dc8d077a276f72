import { useEffect, useState } from "preact/hooks";
import { disablePush, enablePush, pushState, type PushState } from "./pushClient.js";
import { usePushText } from "./pushText.js";

const PUSH_CHANGED = "showcart:push-changed";

/**
 * "Also notify me on this device": Web Push for the signed-in account (follows and its reminders), or for a guest's
 * reminder (`reminder`: id and token from its "Remind me" answer). Shows nothing where the browser has no Web Push.
 */
export function PushOptIn({ reminder }: { reminder?: { id: string; token: string } }) {
  const { t, lang } = usePushText();
  const owner = reminder ? reminder.id : "account";
  const [state, setState] = useState<PushState>(() => pushState(owner));
  const [busy, setBusy] = useState(false);
  const [failed, setFailed] = useState(false);
  // Two opt-ins for one owner on a page (beside "Remind me" and beside the follow buttons) show the same state.
  useEffect(() => {
    const sync = () => setState(pushState(owner));
    window.addEventListener(PUSH_CHANGED, sync);
    return () => window.removeEventListener(PUSH_CHANGED, sync);
  }, [owner]);
  if (state === "unsupported") return null;

  const run = async (action: () => Promise<PushState>) => {
    setBusy(true);
    setFailed(false);
    try {
      setState(await action());
      window.dispatchEvent(new Event(PUSH_CHANGED));
    } catch {
      setFailed(true);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div class="push-opt-in" data-testid="push-opt-in">
      {state === "blocked" ? (
        <p class="note muted" data-testid="push-blocked">
          {t("push.blocked")}
        </p>
      ) : state === "on" ? (
        <p class="note" role="status">
          <span data-testid="push-on">{t("push.on")}</span>{" "}
          <button type="button" class="link" disabled={busy} onClick={() => run(() => disablePush(owner))}>
            {t("push.off")}
          </button>
        </p>
      ) : (
        <button type="button" class="btn btn-small" disabled={busy} onClick={() => run(() => enablePush({ reminder, lang }))} data-testid="push-enable">
          {t("push.enable")}
        </button>
      )}
      {failed && (
        <p class="alert" role="alert">
          {t("push.failed")}
        </p>
      )}
    </div>
  );
}

/** The account page's notification setting: this device's Web Push for the account's follows and reminders. */
export function AccountNotifications() {
  const { t } = usePushText();
  return (
    <section class="panel admin-detail" data-testid="account-notifications">
      <h2>{t("push.title")}</h2>
      <p class="muted">{t("push.lead")}</p>
      <PushOptIn />
    </section>
  );
}
