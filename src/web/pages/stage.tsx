import { render } from "preact";
import { errorText } from "../i18n/apiErrors.js";
import { useEffect, useRef, useState } from "preact/hooks";
import type { StageJoinView, StageParticipantView, StageView } from "../../protocol/api.js";
import { useSignedIn } from "../accounts/useSignedIn.js";
import { Centered, Header } from "../components/Layout.js";
import { defineMessages, useMessages } from "../i18n/messages.js";
import { adoptCss } from "../platform/adoptCss.js";
import { StageFeed } from "../stage/StageFeed.js";
import { exchangeStageSdp, watchStageFeed } from "../stage/stageSdp.js";
import { ApiError, api } from "../platform/apiClient.js";

// The guest's side of the stage (issue #19): accept the host's invite link, pick camera and microphone, look at the
// preview, then join by WHIP; the host (seen here through the server) brings the guest on stage from the studio.

adoptCss(`
.stage-join{max-width:46rem;margin:0 auto;padding:1rem;display:grid;gap:1rem}
.stage-join video{width:100%;max-width:28rem;aspect-ratio:16/9;background:#111;border-radius:10px;object-fit:cover}
.stage-join .stage-videos{display:flex;flex-wrap:wrap;gap:1rem}
.stage-join figure{margin:0;display:grid;gap:.3rem}
.stage-join .stage-state{font-weight:600}
`);

const text = defineMessages(
  {
    title: "Join the stage",
    signIn: "Sign in to accept the invite",
    noInvite: "This link has no invite in it. Ask the host for a new link.",
    name: "Your name on stage",
    accept: "Accept the invite",
    devices: "Camera and microphone",
    camera: "Camera",
    microphone: "Microphone",
    preview: "Your preview",
    host: "The host",
    hostNotYet: "The host's picture appears here once their camera is connected.",
    join: "Join",
    joining: "Connecting…",
    leave: "Leave the stage",
    state_invited: "Invited",
    state_waiting: "You are waiting: the host brings you on stage.",
    state_on_stage: "You are on stage: the audience sees and hears you.",
    state_off: "You left the stage.",
    state_declined: "You declined the host's request.",
    connected: "Your camera is connected.",
    muted: "The host muted your microphone in the show.",
    noCamera: "The camera or microphone could not be opened: {reason}",
    failed: "The connection did not work: {reason}",
    invite_used: "This invite link was already used by someone else. Ask the host for a new one.",
    invite_expired: "This invite link has expired. Ask the host for a new one.",
    error: "That did not work.",
  },
  {
    title: "Auf die Bühne",
    signIn: "Melde dich an, um die Einladung anzunehmen",
    noInvite: "In diesem Link steckt keine Einladung. Bitte den Host um einen neuen Link.",
    name: "Dein Name auf der Bühne",
    accept: "Einladung annehmen",
    devices: "Kamera und Mikrofon",
    camera: "Kamera",
    microphone: "Mikrofon",
    preview: "Deine Vorschau",
    host: "Der Host",
    hostNotYet: "Das Bild des Hosts erscheint hier, sobald seine Kamera verbunden ist.",
    join: "Beitreten",
    joining: "Verbinde…",
    leave: "Bühne verlassen",
    state_invited: "Eingeladen",
    state_waiting: "Du wartest: Der Host holt dich auf die Bühne.",
    state_on_stage: "Du bist auf der Bühne: Das Publikum sieht und hört dich.",
    state_off: "Du hast die Bühne verlassen.",
    state_declined: "Du hast die Anfrage des Hosts abgelehnt.",
    connected: "Deine Kamera ist verbunden.",
    muted: "Der Host hat dein Mikrofon in der Sendung stummgeschaltet.",
    noCamera: "Kamera oder Mikrofon ließen sich nicht öffnen: {reason}",
    failed: "Die Verbindung hat nicht geklappt: {reason}",
    invite_used: "Dieser Einladungslink wurde schon von jemand anderem benutzt. Bitte den Host um einen neuen.",
    invite_expired: "Dieser Einladungslink ist abgelaufen. Bitte den Host um einen neuen.",
    error: "Das hat nicht geklappt.",
  },
);

const POLL_MS = 3000;

function stopAll(stream: MediaStream | null): void {
  for (const track of stream?.getTracks() ?? []) track.stop();
}

/** An SDP exchange on a stage route with the guest's bearer token (not a cookie: the token is the guest). */
function exchange(path: string, token: string, pc: RTCPeerConnection): Promise<void> {
  return exchangeStageSdp(path, pc, { authorization: `Bearer ${token}` });
}

function StagePage() {
  const { t, lang } = useMessages(text);
  const showId = decodeURIComponent(location.pathname.split("/")[2] ?? "");
  const [invite] = useState(() => new URLSearchParams(location.search).get("invite"));
  const account = useSignedIn();
  const [name, setName] = useState("");
  const [joined, setJoined] = useState<StageJoinView | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [devices, setDevices] = useState<MediaDeviceInfo[]>([]);
  const [cameraId, setCameraId] = useState("");
  const [micId, setMicId] = useState("");
  const [phase, setPhase] = useState<"preview" | "joining" | "joined" | "left">("preview");
  const [room, setRoom] = useState<{ stage: StageView; me: StageParticipantView | null } | null>(null);
  const [hostSeen, setHostSeen] = useState(false);
  const streamRef = useRef<MediaStream | null>(null);
  const previewRef = useRef<HTMLVideoElement>(null);
  const hostRef = useRef<HTMLVideoElement>(null);
  const publishRef = useRef<RTCPeerConnection | null>(null);
  const hostPcRef = useRef<RTCPeerConnection | null>(null);

  const say = (err: unknown, wrap?: (reason: string) => string) => {
    const code = err instanceof ApiError ? err.code : null;
    if (code === "invite_used" || code === "invite_expired") return setError(t(code));
    setError(wrap ? wrap(errorText(err, lang, err instanceof Error ? err.message : String(err))) : errorText(err, lang, t("error")));
  };

  const accept = async (e: Event) => {
    e.preventDefault();
    setError(null);
    try {
      const view = await api.post<StageJoinView>("/api/stage/accept", { token: invite, ...(name.trim() ? { displayName: name.trim() } : {}) });
      setJoined(view);
      // The invite is spent: it leaves the address bar and the history.
      history.replaceState(null, "", location.pathname);
    } catch (err) {
      say(err);
    }
  };

  // The camera and microphone, opened again whenever the guest picks another device.
  useEffect(() => {
    if (!joined) return;
    let cancelled = false;
    const video = cameraId ? { deviceId: { exact: cameraId } } : true;
    const audio = micId ? { deviceId: { exact: micId } } : true;
    navigator.mediaDevices
      .getUserMedia({ video, audio })
      .then(async (stream) => {
        if (cancelled) return stopAll(stream);
        stopAll(streamRef.current);
        streamRef.current = stream;
        if (previewRef.current) previewRef.current.srcObject = stream;
        setDevices(await navigator.mediaDevices.enumerateDevices());
        // Already on the stage's connection: the new device replaces the old one without a new offer.
        const pc = publishRef.current;
        if (pc)
          for (const sender of pc.getSenders()) {
            const next = stream.getTracks().find((tr) => tr.kind === sender.track?.kind);
            if (next) await sender.replaceTrack(next);
          }
      })
      .catch((err: Error) => !cancelled && say(err, (reason) => t("noCamera", { reason })));
    return () => {
      cancelled = true;
    };
  }, [joined, cameraId, micId]);

  // Where the guest stands (waiting, on stage, muted): polled with the stage token.
  useEffect(() => {
    if (!joined) return;
    const load = () =>
      fetch(`/api/shows/${encodeURIComponent(showId)}/stage/room`, { headers: { authorization: `Bearer ${joined.stageToken}` } })
        .then((r) => (r.ok ? (r.json() as Promise<{ stage: StageView; me: StageParticipantView | null }>) : null))
        .then((r) => r && setRoom(r))
        .catch(() => undefined);
    void load();
    const id = setInterval(load, POLL_MS);
    return () => clearInterval(id);
  }, [joined]);

  // The host's picture, through the server, once the guest is connected and the host's camera is.
  const host = room?.stage.participants.find((p) => p.role === "host");
  useEffect(() => {
    if (!joined || phase !== "joined" || !host?.publishing || hostPcRef.current) return;
    const { pc, ready } = watchStageFeed(
      `/api/shows/${encodeURIComponent(showId)}/stage/feeds/${encodeURIComponent(host.id)}`,
      (stream) => {
        if (hostRef.current) hostRef.current.srcObject = stream;
        setHostSeen(true);
      },
      { authorization: `Bearer ${joined.stageToken}` },
    );
    hostPcRef.current = pc;
    ready.catch(() => {
      pc.close();
      hostPcRef.current = null;
    });
  }, [joined, phase, host?.id, host?.publishing]);

  useEffect(
    () => () => {
      publishRef.current?.close();
      hostPcRef.current?.close();
      stopAll(streamRef.current);
    },
    [],
  );

  const join = async () => {
    const stream = streamRef.current;
    if (!joined || !stream) return;
    setError(null);
    setPhase("joining");
    const pc = new RTCPeerConnection();
    publishRef.current = pc;
    for (const track of stream.getTracks()) pc.addTransceiver(track, { direction: "sendonly" });
    pc.onconnectionstatechange = () => {
      if (pc.connectionState === "failed") {
        setPhase("preview");
        setError(t("failed", { reason: pc.connectionState }));
      }
    };
    try {
      await exchange(`/api/shows/${encodeURIComponent(showId)}/stage/whip`, joined.stageToken, pc);
      setPhase("joined");
    } catch (err) {
      pc.close();
      publishRef.current = null;
      setPhase("preview");
      say(err, (reason) => t("failed", { reason }));
    }
  };

  const leave = async () => {
    if (!joined) return;
    await fetch(`/api/shows/${encodeURIComponent(showId)}/stage/whip`, {
      method: "DELETE",
      headers: { authorization: `Bearer ${joined.stageToken}`, "x-showcart-csrf": "1" },
    }).catch(() => undefined);
    publishRef.current?.close();
    publishRef.current = null;
    hostPcRef.current?.close();
    hostPcRef.current = null;
    stopAll(streamRef.current);
    streamRef.current = null;
    setPhase("left");
  };

  const body = () => {
    if (account === undefined) return <Centered>…</Centered>;
    if (!joined) {
      if (!invite) return <p role="alert">{t("noInvite")}</p>;
      if (account === null)
        return (
          <a class="btn" href={`/login?next=${encodeURIComponent(location.pathname + location.search)}`} data-testid="stage-signin">
            {t("signIn")}
          </a>
        );
      return (
        <form onSubmit={accept} class="stack">
          <label class="field">
            <span>{t("name")}</span>
            <input value={name} maxLength={60} onInput={(e) => setName(e.currentTarget.value)} data-testid="stage-name" autocomplete="nickname" />
          </label>
          <button type="submit" class="btn btn-primary" data-testid="stage-accept">
            {t("accept")}
          </button>
        </form>
      );
    }
    if (phase === "left") return <p data-testid="stage-left">{t("state_off")}</p>;
    const me = room?.me;
    const cameras = devices.filter((d) => d.kind === "videoinput");
    const mics = devices.filter((d) => d.kind === "audioinput");
    return (
      <>
        <fieldset disabled={phase === "joining"}>
          <legend>{t("devices")}</legend>
          <label class="field">
            <span>{t("camera")}</span>
            <select value={cameraId} onChange={(e) => setCameraId(e.currentTarget.value)} data-testid="stage-camera">
              {cameras.map((d, i) => (
                <option key={d.deviceId} value={d.deviceId}>
                  {d.label || `${t("camera")} ${i + 1}`}
                </option>
              ))}
            </select>
          </label>
          <label class="field">
            <span>{t("microphone")}</span>
            <select value={micId} onChange={(e) => setMicId(e.currentTarget.value)} data-testid="stage-microphone">
              {mics.map((d, i) => (
                <option key={d.deviceId} value={d.deviceId}>
                  {d.label || `${t("microphone")} ${i + 1}`}
                </option>
              ))}
            </select>
          </label>
        </fieldset>
        <div class="stage-videos">
          <figure>
            <video ref={previewRef} autoplay muted playsInline data-testid="stage-preview" aria-label={t("preview")} />
            <figcaption>{t("preview")}</figcaption>
          </figure>
          {phase === "joined" && (
            <figure>
              <video ref={hostRef} autoplay playsInline data-testid="stage-host-video" aria-label={t("host")} />
              <figcaption>{hostSeen ? t("host") : t("hostNotYet")}</figcaption>
            </figure>
          )}
          {/* On stage, the other guests too (the server forwards everyone on stage to everyone on it). */}
          {phase === "joined" &&
            joined &&
            me?.state === "on_stage" &&
            room?.stage.participants
              .filter((p) => p.id !== me.id && p.role !== "host" && p.state === "on_stage" && p.publishing)
              .map((p) => (
                <StageFeed
                  key={p.id}
                  path={`/api/shows/${encodeURIComponent(showId)}/stage/feeds/${encodeURIComponent(p.id)}`}
                  name={p.displayName}
                  headers={{ authorization: `Bearer ${joined.stageToken}` }}
                />
              ))}
        </div>
        <div aria-live="polite">
          {phase === "joined" && <p data-testid="stage-connected">{t("connected")}</p>}
          {me && me.state !== "invited" && (
            <p class="stage-state" data-testid="stage-my-state" data-state={me.state}>
              {t(`state_${me.state}`)}
            </p>
          )}
          {me?.muted && <p data-testid="stage-muted">{t("muted")}</p>}
        </div>
        {phase === "joined" ? (
          <button type="button" class="btn" onClick={leave} data-testid="stage-leave">
            {t("leave")}
          </button>
        ) : (
          <button type="button" class="btn btn-primary" onClick={join} disabled={phase === "joining" || !streamRef.current} data-testid="stage-join">
            {phase === "joining" ? t("joining") : t("join")}
          </button>
        )}
      </>
    );
  };

  return (
    <>
      <Header />
      <main class="stage-join" data-testid="stage-page">
        <h1>{t("title")}</h1>
        {error && (
          <p class="alert" role="alert" data-testid="stage-error">
            {error}
          </p>
        )}
        {body()}
      </main>
    </>
  );
}

render(<StagePage />, document.getElementById("app")!);
