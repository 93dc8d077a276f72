import { useEffect, useState } from "preact/hooks";
import { useErrorText } from "../i18n/apiErrors.js";
import type { StageInviteView, StageLayout, StageParticipantView, StageView } from "../../protocol/api.js";
import { defineMessages, useMessages } from "../i18n/messages.js";
import { api } from "../platform/apiClient.js";
import { StageFeed } from "./StageFeed.js";

const stageMessages = defineMessages(
  {
    title: "Stage",
    empty: "Nobody is on stage or waiting. Invite a co-host with a link.",
    invite: "Create a co-host invite link",
    inviteGuest: "Create a guest invite link",
    inviteLink: "Invite link (single use, until {at}):",
    layout: "Program layout",
    layout_host: "Host only",
    layout_side_by_side: "Side by side",
    layout_pip: "Picture in picture",
    bringOn: "Bring on",
    takeOff: "Take off",
    mute: "Mute",
    unmute: "Unmute",
    role_host: "Host",
    role_cohost: "Co-host",
    role_guest: "Guest",
    state_invited: "asked",
    state_waiting: "waiting",
    state_on_stage: "on stage",
    state_off: "left",
    state_declined: "declined",
    camera: "camera connected",
    noCamera: "no camera yet",
    muted: "muted",
    composing: "The program is composed from the stage.",
    error: "That did not work.",
  },
  {
    title: "Bühne",
    empty: "Niemand ist auf der Bühne oder wartet. Lade einen Co-Host per Link ein.",
    invite: "Einladungslink für Co-Host erstellen",
    inviteGuest: "Einladungslink für Gast erstellen",
    inviteLink: "Einladungslink (einmalig, bis {at}):",
    layout: "Bildaufteilung der Sendung",
    layout_host: "Nur Host",
    layout_side_by_side: "Nebeneinander",
    layout_pip: "Bild im Bild",
    bringOn: "Auf die Bühne holen",
    takeOff: "Von der Bühne nehmen",
    mute: "Stummschalten",
    unmute: "Ton an",
    role_host: "Host",
    role_cohost: "Co-Host",
    role_guest: "Gast",
    state_invited: "gefragt",
    state_waiting: "wartet",
    state_on_stage: "auf der Bühne",
    state_off: "gegangen",
    state_declined: "abgelehnt",
    camera: "Kamera verbunden",
    noCamera: "noch keine Kamera",
    muted: "stumm",
    composing: "Die Sendung wird aus der Bühne zusammengesetzt.",
    error: "Das hat nicht geklappt.",
  },
);

// Who waits and who is on stage changes on the guests' side (they accept, connect a camera): a poll keeps it current.
const POLL_MS = 3000;
const LAYOUTS: StageLayout[] = ["host", "side_by_side", "pip"];

/** Studio side tab: the stage's participants (bring on, take off, mute), the program's layout and invite links. */
export function StagePanel({ showId }: { showId: string }) {
  const { t } = useMessages(stageMessages);
  const errorText = useErrorText();
  const base = `/api/studio/shows/${encodeURIComponent(showId)}/stage`;
  const [stage, setStage] = useState<StageView | null>(null);
  const [invite, setInvite] = useState<StageInviteView | null>(null);
  const [message, setMessage] = useState<string | null>(null);

  const load = () =>
    api.get<{ stage: StageView }>(base).then(
      (r) => setStage(r.stage),
      () => undefined,
    );
  useEffect(() => {
    void load();
    const id = setInterval(() => void load(), POLL_MS);
    return () => clearInterval(id);
  }, [showId]);

  const run = async (action: () => Promise<unknown>) => {
    setMessage(null);
    try {
      await action();
      await load();
    } catch (err) {
      setMessage(errorText(err, t("error")));
    }
  };
  const participantAction = (p: StageParticipantView, action: "bring-on" | "take-off" | "mute") =>
    run(() => api.post(`${base}/participants/${encodeURIComponent(p.id)}/${action}`, action === "mute" ? { muted: !p.muted } : {}));

  return (
    <section class="panel" data-testid="stage-panel" aria-labelledby="stage-title">
      <h3 id="stage-title">{t("title")}</h3>
      <label>
        {t("layout")}{" "}
        <select
          data-testid="stage-layout"
          value={stage?.layout ?? "side_by_side"}
          onChange={(e) => run(() => api.put(`${base}/layout`, { layout: (e.target as HTMLSelectElement).value }))}
        >
          {LAYOUTS.map((l) => (
            <option key={l} value={l}>
              {t(`layout_${l}`)}
            </option>
          ))}
        </select>
      </label>
      {stage?.composing && <p class="muted">{t("composing")}</p>}
      {stage && stage.participants.length === 0 && <p class="muted">{t("empty")}</p>}
      <ul class="stage-list">
        {stage?.participants.map((p) => (
          <li key={p.id} data-testid="stage-participant" data-state={p.state}>
            <strong>{p.displayName}</strong> ({t(`role_${p.role}`)}, {t(`state_${p.state}`)}, {p.publishing ? t("camera") : t("noCamera")}
            {p.muted ? `, ${t("muted")}` : ""}){" "}
            {p.role !== "host" && p.state === "waiting" && (
              <button type="button" class="btn btn-small" data-testid="stage-bring-on" onClick={() => participantAction(p, "bring-on")}>
                {t("bringOn")}
              </button>
            )}
            {p.role !== "host" && (p.state === "on_stage" || p.state === "invited" || p.state === "declined") && (
              <button type="button" class="btn btn-small" data-testid="stage-take-off" onClick={() => participantAction(p, "take-off")}>
                {t("takeOff")}
              </button>
            )}{" "}
            <button type="button" class="btn btn-small" data-testid="stage-mute" aria-pressed={p.muted} onClick={() => participantAction(p, "mute")}>
              {p.muted ? t("unmute") : t("mute")}
            </button>
            {p.role !== "host" && p.publishing && (p.state === "waiting" || p.state === "on_stage") && (
              <StageFeed path={`${base}/feeds/${encodeURIComponent(p.id)}`} name={p.displayName} />
            )}
          </li>
        ))}
      </ul>
      <p>
        <button
          type="button"
          class="btn btn-small"
          data-testid="stage-invite"
          onClick={() => run(async () => setInvite((await api.post<{ invite: StageInviteView }>(`${base}/invites`, { role: "cohost" })).invite))}
        >
          {t("invite")}
        </button>{" "}
        <button
          type="button"
          class="btn btn-small"
          data-testid="stage-invite-guest"
          onClick={() => run(async () => setInvite((await api.post<{ invite: StageInviteView }>(`${base}/invites`, { role: "guest" })).invite))}
        >
          {t("inviteGuest")}
        </button>
      </p>
      {invite && (
        <p data-testid="stage-invite-link">
          {t("inviteLink", { at: new Date(invite.expiresAt).toLocaleTimeString() })} <code>{invite.url}</code>
        </p>
      )}
      {message && (
        <p role="alert" class="error">
          {message}
        </p>
      )}
    </section>
  );
}
