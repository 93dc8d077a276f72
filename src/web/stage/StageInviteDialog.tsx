import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import { defineMessages, useMessages } from "../i18n/messages.js";
import { api } from "../platform/apiClient.js";

// Its own chunk: only a viewer the host asked on stage loads it (the show page's first load stays as it is).
const inviteMessages = defineMessages(
  {
    title: "{host} invites you on stage",
    text: "You will pick your camera and microphone and see a preview before anyone sees you.",
    accept: "Accept",
    decline: "Decline",
    gone: "This invitation is no longer open.",
    close: "Close",
    error: "That did not work. Please try again.",
  },
  {
    title: "{host} lädt dich auf die Bühne ein",
    text: "Du wählst Kamera und Mikrofon und siehst eine Vorschau, bevor dich jemand sieht.",
    accept: "Annehmen",
    decline: "Ablehnen",
    gone: "Diese Einladung gilt nicht mehr.",
    close: "Schließen",
    error: "Das hat nicht geklappt. Bitte versuche es noch einmal.",
  },
);

/**
 * The host's request to come on stage, on the show page of the viewer it is for: Accept opens the guest's join page
 * (accept → camera and microphone → preview → join), Decline tells the server (the studio shows it as declined).
 */
export function StageInviteDialog({
  showId,
  hostName,
  expiresAt,
  withdrawn,
  onClose,
}: {
  showId: string;
  hostName: string;
  /** When the request lapses unanswered (server time): the dialog says it is no longer open. */
  expiresAt: string;
  /** The host withdrew it (personal frame `stage.withdrawn`). */
  withdrawn: boolean;
  onClose(): void;
}) {
  const { t } = useMessages(inviteMessages);
  const [state, setState] = useState<"open" | "busy" | "gone" | "error">("open");
  const acceptRef = useRef<HTMLButtonElement>(null);
  const closeRef = useRef<HTMLButtonElement>(null);
  // An alert dialog takes focus: keyboard and screen-reader users land on its first action.
  useLayoutEffect(() => acceptRef.current?.focus(), []);
  useEffect(() => {
    if (withdrawn) setState("gone");
  }, [withdrawn]);
  useEffect(() => {
    const left = Date.parse(expiresAt) - Date.now();
    if (!Number.isFinite(left)) return;
    const timer = setTimeout(() => setState("gone"), Math.max(0, Math.min(left, 2 ** 31 - 1)));
    return () => clearTimeout(timer);
  }, [expiresAt]);
  // Focus follows the dialog's one remaining action once the invitation is gone: in the same commit as the text, so a
  // screen reader never reads "no longer open" with focus on a button that has just been removed.
  useLayoutEffect(() => {
    if (state === "gone") closeRef.current?.focus();
  }, [state]);
  const base = `/api/shows/${encodeURIComponent(showId)}/stage/invitation`;

  const accept = async () => {
    setState("busy");
    try {
      // The token is fetched only now (it never travels in the room's frames).
      const { invitation } = await api.get<{ invitation: { token: string } | null }>(base);
      if (!invitation) return setState("gone");
      location.assign(`/stage/${encodeURIComponent(showId)}?invite=${encodeURIComponent(invitation.token)}`);
    } catch {
      setState("error");
    }
  };
  const decline = async () => {
    setState("busy");
    try {
      await api.del(base);
      onClose();
    } catch {
      setState("error");
    }
  };

  return (
    <div class="stage-invite" role="alertdialog" aria-labelledby="stage-invite-title" aria-describedby="stage-invite-text" data-testid="stage-request">
      <h2 id="stage-invite-title">{t("title", { host: hostName })}</h2>
      <p id="stage-invite-text">{state === "gone" ? t("gone") : t("text")}</p>
      {state === "error" && (
        <p role="alert" class="error">
          {t("error")}
        </p>
      )}
      <div class="stage-invite-actions">
        {state === "gone" ? (
          <button ref={closeRef} type="button" class="btn" onClick={onClose} data-testid="stage-request-close">
            {t("close")}
          </button>
        ) : (
          <>
            <button ref={acceptRef} type="button" class="btn btn-primary" disabled={state === "busy"} onClick={accept} data-testid="stage-request-accept">
              {t("accept")}
            </button>
            <button type="button" class="btn" disabled={state === "busy"} onClick={decline} data-testid="stage-request-decline">
              {t("decline")}
            </button>
          </>
        )}
      </div>
    </div>
  );
}
