import { useEffect, useRef, useState } from "preact/hooks";
import type { ErrorCode } from "../../protocol/errors.js";
import { refusalText } from "../i18n/apiErrors.js";
import type { IngestServerFrame, ShowView, StudioStats } from "../../protocol/api.js";
import { useStudioText } from "../shows/studioText.js";
import { type PublisherHealth, StudioHealth } from "./StudioHealth.js";
import { iceGathered } from "./iceGathering.js";

// H.264 first: the server then copies the video instead of encoding it again (Chromium on Debian records it in WebM).
const MIME_CANDIDATES = ["video/webm;codecs=h264,opus", "video/mp4;codecs=avc1,mp4a.40.2", "video/mp4;codecs=avc1", "video/webm;codecs=vp8,opus", "video/webm"];
const TIMESLICE_MS = 250;
// The server closes WebSocket frames over 16 KiB; recorder chunks are sliced to fit.
const FRAME_BYTES = 16_000;
// An uplink this far behind cannot carry the stream; stop rather than publish minutes late.
const MAX_QUEUED_BYTES = 8 * 1024 * 1024;
const VIDEO_BITRATE = 2_500_000;
const KEYFRAME_MS = 2000;
// ICE gathering before the offer goes out (no trickle ICE): host candidates take milliseconds, a STUN/TURN server longer.
const GATHER_MS = 3000;
// From the offer to the show on air: ICE, DTLS, the first key frame, ffmpeg and the RTMP ingest. Past it, the
// recorder path takes over (UDP blocked, a codec the server could not take).
const WHIP_LIVE_MS = 30_000;

type Phase = "idle" | "preview" | "connecting" | "live" | "stopping";
type Source = "camera" | "screen";
/**
 * How the studio sends: WebRTC to the WHIP endpoint, WebRTC to the stage (the server composes the host with the guests
 * brought on, see the Stage tab), or MediaRecorder chunks over the ingest WebSocket.
 */
export type Transport = "whip" | "stage" | "recorder";

export interface IceServerConfig {
  urls: string | string[];
  username?: string;
  credential?: string;
}

export function pickRecorderMime(isSupported: (t: string) => boolean): string | null {
  return MIME_CANDIDATES.find((t) => isSupported(t)) ?? null;
}

interface TrackStats {
  discardedFrames?: number;
}

/** The default path: WHIP where the browser has WebRTC, the recorder otherwise. */
export function defaultTransport(env: { whip: boolean; recorder: boolean }): Transport | null {
  return env.whip ? "whip" : env.recorder ? "recorder" : null;
}

/** Bytes sent by every outgoing RTP stream so far (audio and video). */
async function bytesSent(pc: RTCPeerConnection): Promise<number> {
  let total = 0;
  for (const report of (await pc.getStats()).values()) if (report.type === "outbound-rtp") total += (report as { bytesSent?: number }).bytesSent ?? 0;
  return total;
}

/**
 * Go live from the studio: camera (or screen) and microphone, sent by WebRTC to the show's WHIP endpoint where the
 * browser can (the server forwards the RTP, H.264 copied), else recorded by MediaRecorder and streamed to /ws/ingest.
 */
export function BrowserPublisher({
  showId,
  stats,
  showStatus,
  iceServers = [],
}: {
  showId: string;
  stats: StudioStats;
  /** The show's status from its room: a WHIP publish is live once the show is. */
  showStatus: ShowView["status"];
  iceServers?: IceServerConfig[];
}) {
  const { t, lang } = useStudioText();
  const videoRef = useRef<HTMLVideoElement>(null);
  const streamRef = useRef<MediaStream | null>(null);
  const sessionRef = useRef<{ stop(): void; lost?(): void; onAir?(): void } | null>(null);
  const [phase, setPhase] = useState<Phase>("idle");
  const [error, setError] = useState<string | null>(null);
  const [source, setSource] = useState<Source>("camera");
  const [facing, setFacing] = useState<"user" | "environment">("user");
  const [cameras, setCameras] = useState<MediaDeviceInfo[]>([]);
  const [mics, setMics] = useState<MediaDeviceInfo[]>([]);
  const [cameraId, setCameraId] = useState("");
  const [micId, setMicId] = useState("");
  const [micMuted, setMicMuted] = useState(false);
  const [cameraOff, setCameraOff] = useState(false);
  const [health, setHealth] = useState<PublisherHealth | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const can = { whip: typeof RTCPeerConnection !== "undefined", recorder: typeof MediaRecorder !== "undefined" };
  const [transport, setTransport] = useState<Transport | null>(() => defaultTransport(can));
  // The path in use while publishing (the recorder after a WHIP fallback), for the indicator.
  const [active, setActive] = useState<Exclude<Transport, "stage"> | null>(null);
  const [whipConnected, setWhipConnected] = useState(false);
  const viaStage = useRef(false);
  const supported = transport !== null && !!navigator.mediaDevices?.getUserMedia;
  const publishing = phase === "connecting" || phase === "live" || phase === "stopping";

  // A WHIP publish is on air when the peer connection is up and the server says the show is live; it is lost when the
  // show leaves the air without our Stop (the server ended the session: timeout, rotated key, encoder exit). Through
  // the stage, "reconnecting" is not an end: the server's program restarts its feed to the ingest whenever someone is
  // brought on or taken off, while our publish to the stage goes on (its own failure still ends it).
  useEffect(() => {
    if (active !== "whip") return;
    if (phase === "connecting" && whipConnected && showStatus === "live") {
      sessionRef.current?.onAir?.();
      setPhase("live");
    } else if (phase === "live" && showStatus !== "live" && !(viaStage.current && showStatus === "reconnecting")) sessionRef.current?.lost?.();
  }, [active, phase, whipConnected, showStatus]);

  const setStream = (stream: MediaStream | null) => {
    for (const track of streamRef.current?.getTracks() ?? []) if (!stream?.getTracks().includes(track)) track.stop();
    streamRef.current = stream;
    if (videoRef.current) videoRef.current.srcObject = stream;
    for (const track of stream?.getAudioTracks() ?? []) track.enabled = !micMuted;
    for (const track of stream?.getVideoTracks() ?? []) track.enabled = !cameraOff;
  };

  const acquire = async (opts: { source?: Source; cameraId?: string; micId?: string; facing?: "user" | "environment" } = {}) => {
    const src = opts.source ?? source;
    const cam = opts.cameraId ?? cameraId;
    const mic = opts.micId ?? micId;
    const face = opts.facing ?? facing;
    setError(null);
    try {
      const audio: MediaTrackConstraints = { echoCancellation: true, noiseSuppression: true, ...(mic ? { deviceId: { exact: mic } } : {}) };
      let stream: MediaStream;
      if (src === "screen") {
        const screen = await navigator.mediaDevices.getDisplayMedia({ video: { frameRate: 30 }, audio: false });
        const voice = await navigator.mediaDevices.getUserMedia({ audio });
        stream = new MediaStream([...screen.getVideoTracks(), ...voice.getAudioTracks()]);
      } else {
        const video: MediaTrackConstraints = {
          width: { ideal: 1280 },
          height: { ideal: 720 },
          frameRate: { ideal: 30 },
          ...(cam ? { deviceId: { exact: cam } } : { facingMode: face }),
        };
        stream = await navigator.mediaDevices.getUserMedia({ video, audio });
      }
      setStream(stream);
      // Labels and ids are only listed once the user granted access.
      const devices = await navigator.mediaDevices.enumerateDevices();
      setCameras(devices.filter((d) => d.kind === "videoinput"));
      setMics(devices.filter((d) => d.kind === "audioinput"));
      setPhase((p) => (p === "idle" ? "preview" : p));
      return stream;
    } catch (err) {
      setError(t("golive.deviceError", { message: (err as Error).message || String(err) }));
      return null;
    }
  };

  const start = async () => {
    const stream = streamRef.current ?? (await acquire());
    if (!stream) return;
    setError(null);
    setNotice(null);
    viaStage.current = transport === "stage";
    if (transport === "whip" || transport === "stage")
      await startWhip(stream, `/api/${transport === "stage" ? "studio/" : ""}shows/${encodeURIComponent(showId)}/${transport === "stage" ? "stage/" : ""}whip`);
    else startRecorder(stream);
  };

  const startWhip = async (stream: MediaStream, path: string) => {
    setPhase("connecting");
    setActive("whip");
    setWhipConnected(false);
    const pc = new RTCPeerConnection({ iceServers });
    for (const track of stream.getTracks())
      pc.addTransceiver(track, { direction: "sendonly", ...(track.kind === "video" ? { sendEncodings: [{ maxBitrate: VIDEO_BITRATE }] } : {}) });
    // The session's path (same origin as this page, so the cookie goes along even when PUBLIC_URL names another host).
    let session: string | null = null;
    let done = false;
    let stopping = false;
    let connected = false;
    const end = async () => {
      const path = session;
      session = null;
      if (path) await fetch(path, { method: "DELETE", headers: { "x-showcart-csrf": "1" }, keepalive: true }).catch(() => undefined);
    };
    const finish = async (message: string | null, fallback = false) => {
      if (done) return;
      done = true;
      clearInterval(timer);
      clearTimeout(liveTimer);
      sessionRef.current = null;
      setHealth(null);
      setWhipConnected(false);
      await end();
      pc.close();
      // The recorder starts only once the WHIP session is gone: the server takes one publisher per show.
      if (fallback && !stopping && streamRef.current) {
        setNotice(message);
        startRecorder(streamRef.current);
        return;
      }
      setActive(null);
      setPhase(streamRef.current ? "preview" : "idle");
      if (message) setError(message);
    };
    const failed = (reason: string) => void finish(t("golive.whipFailed", { reason }), true);
    const liveTimer = setTimeout(() => failed("timeout"), WHIP_LIVE_MS);
    let lastSent = 0;
    const videoTrack = stream.getVideoTracks()[0];
    const timer = setInterval(() => {
      void bytesSent(pc).then((sent) => {
        if (done) return;
        const trackStats = (videoTrack as (MediaStreamTrack & { stats?: TrackStats }) | undefined)?.stats;
        const dropped = typeof trackStats?.discardedFrames === "number" ? trackStats.discardedFrames : null;
        setHealth({ bytesPerSecond: Math.max(0, sent - lastSent), queuedBytes: 0, dropped, droppedSource: "track" });
        lastSent = sent;
      });
    }, 1000);
    sessionRef.current = {
      stop() {
        stopping = true;
        setPhase("stopping");
        void finish(null);
      },
      lost: () => void finish(t("golive.disconnected")),
      onAir: () => clearTimeout(liveTimer),
    };
    pc.onconnectionstatechange = () => {
      if (pc.connectionState === "connected") {
        connected = true;
        setWhipConnected(true);
      } else if (pc.connectionState === "failed" || pc.connectionState === "closed") {
        if (connected) void finish(stopping ? null : t("golive.disconnected"));
        else failed(pc.connectionState);
      }
    };
    try {
      await pc.setLocalDescription(await pc.createOffer());
      await iceGathered(pc, GATHER_MS);
      if (done) return;
      const res = await fetch(path, {
        method: "POST",
        headers: { "content-type": "application/sdp", "x-showcart-csrf": "1" },
        body: pc.localDescription?.sdp ?? "",
      });
      if (res.status !== 201) {
        const body = (await res.json().catch(() => null)) as { error?: { code?: string; message?: string } } | null;
        const code = body?.error?.code;
        // The server could not take this browser's offer, or is in trouble: the recorder may still work.
        if (code === "invalid_sdp" || res.status >= 500) return failed(body?.error?.message ?? String(res.status));
        return void finish(
          code === "already_publishing"
            ? t("golive.busy")
            : code
              ? refusalText({ code: code as ErrorCode, message: body?.error?.message }, lang)
              : t("golive.disconnected"),
        );
      }
      const location = res.headers.get("location");
      session = location ? new URL(location, window.location.href).pathname : null;
      if (done) return void end();
      await pc.setRemoteDescription({ type: "answer", sdp: await res.text() });
    } catch (err) {
      failed((err as Error).message || String(err));
    }
  };

  const startRecorder = (stream: MediaStream) => {
    const mimeType = pickRecorderMime((m) => MediaRecorder.isTypeSupported(m));
    if (!mimeType) {
      setActive(null);
      setPhase("preview");
      return setError(t("golive.unsupported"));
    }
    setPhase("connecting");
    setActive("recorder");
    const ws = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws/ingest/${encodeURIComponent(showId)}`);
    // A keyframe every 2 s (Chromium ≥ 127; others ignore it): copied H.264 must be cuttable into 2 s segments.
    const options = { mimeType, videoBitsPerSecond: VIDEO_BITRATE, audioBitsPerSecond: 128_000, videoKeyFrameIntervalDuration: KEYFRAME_MS };
    const recorder = new MediaRecorder(stream, options);
    let stopping = false;
    let refused = false;
    let sent = 0;
    let chunks = 0;
    let lastChunkAt = 0;
    let gaps = 0;
    // Chunks are sent strictly in order: arrayBuffer() is async, so each waits for the previous one.
    let queue = Promise.resolve();
    const videoTrack = stream.getVideoTracks()[0];

    const finish = (message: string | null) => {
      if (recorder.state !== "inactive") recorder.stop();
      clearInterval(timer);
      if (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING) ws.close();
      sessionRef.current = null;
      setHealth(null);
      setActive(null);
      setPhase(streamRef.current ? "preview" : "idle");
      if (message) setError(message);
    };

    recorder.ondataavailable = (e) => {
      const now = performance.now();
      if (chunks > 0 && now - lastChunkAt > TIMESLICE_MS * 2) gaps += 1;
      chunks += 1;
      lastChunkAt = now;
      const blob = e.data;
      queue = queue.then(async () => {
        if (blob.size === 0 || ws.readyState !== WebSocket.OPEN) return;
        const buf = await blob.arrayBuffer();
        for (let i = 0; i < buf.byteLength; i += FRAME_BYTES) ws.send(buf.slice(i, i + FRAME_BYTES));
        sent += buf.byteLength;
        if (ws.bufferedAmount > MAX_QUEUED_BYTES) finish(t("golive.tooSlow"));
      });
    };
    recorder.onerror = (e) => finish(t("golive.recorderError", { message: String((e as Event & { error?: Error }).error?.message ?? "") }));
    recorder.onstop = () => {
      // The last chunk arrives before onstop; once it is sent, ask the server to end the publish cleanly.
      if (stopping) void queue.then(() => ws.readyState === WebSocket.OPEN && ws.send(JSON.stringify({ t: "ingest.stop" })));
    };

    ws.onopen = () => ws.send(JSON.stringify({ t: "ingest.start", d: { mimeType } }));
    ws.onmessage = (ev) => {
      if (typeof ev.data !== "string") return;
      const frame = JSON.parse(ev.data) as IngestServerFrame;
      if (frame.t === "ingest.accepted") recorder.start(TIMESLICE_MS);
      else if (frame.t === "ingest.live") setPhase("live");
      else if (frame.t === "error") {
        refused = true;
        setError(frame.d.code === "already_publishing" ? t("golive.busy") : refusalText(frame.d, lang));
      }
    };
    // The server's own error frame says more than "connection lost"; keep it.
    ws.onclose = () => finish(stopping || refused ? null : t("golive.disconnected"));

    let lastSent = 0;
    const timer = setInterval(() => {
      const trackStats = (videoTrack as (MediaStreamTrack & { stats?: TrackStats }) | undefined)?.stats;
      const fromTrack = typeof trackStats?.discardedFrames === "number";
      setHealth({
        bytesPerSecond: sent - lastSent,
        queuedBytes: ws.bufferedAmount,
        dropped: fromTrack ? trackStats!.discardedFrames! : gaps,
        droppedSource: fromTrack ? "track" : "gaps",
      });
      lastSent = sent;
    }, 1000);

    sessionRef.current = {
      stop() {
        stopping = true;
        setPhase("stopping");
        if (recorder.state !== "inactive") recorder.stop();
        else if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ t: "ingest.stop" }));
        else finish(null);
      },
    };
  };

  useEffect(
    () => () => {
      sessionRef.current?.stop();
      for (const track of streamRef.current?.getTracks() ?? []) track.stop();
    },
    [],
  );

  const toggleMic = () => {
    const next = !micMuted;
    setMicMuted(next);
    for (const track of streamRef.current?.getAudioTracks() ?? []) track.enabled = !next;
  };
  const toggleCamera = () => {
    const next = !cameraOff;
    setCameraOff(next);
    // A disabled track keeps the recording going with black frames, so viewers stay connected.
    for (const track of streamRef.current?.getVideoTracks() ?? []) track.enabled = !next;
  };
  const flip = () => {
    const next = facing === "user" ? "environment" : "user";
    setFacing(next);
    setCameraId("");
    void acquire({ facing: next, cameraId: "" });
  };
  const switchSource = (next: Source) => {
    setSource(next);
    void acquire({ source: next });
  };

  if (!supported) {
    return (
      <section class="panel" data-testid="golive">
        <h2>{t("golive.title")}</h2>
        <p class="muted">{t("golive.unsupported")}</p>
        <StudioHealth stats={stats} publisher={null} />
      </section>
    );
  }

  return (
    <section class="panel golive" data-testid="golive" data-phase={phase}>
      <h2>{t("golive.title")}</h2>
      <p class="muted">{t("golive.lead")}</p>
      <div class={`golive-preview${source === "camera" && facing === "user" ? " is-mirrored" : ""}`}>
        <video ref={videoRef} muted autoplay playsInline data-testid="golive-preview" />
        {phase === "idle" && (
          <button type="button" class="btn" onClick={() => void acquire()} data-testid="golive-camera-on">
            {t("golive.enable")}
          </button>
        )}
        {phase === "live" && <span class="badge badge-live golive-onair">{t("golive.onAir")}</span>}
      </div>
      {phase !== "idle" && (
        <div class="golive-controls">
          <label class="field">
            <span>{t("golive.source")}</span>
            <select value={source} disabled={publishing} onChange={(e) => switchSource(e.currentTarget.value as Source)} data-testid="golive-source">
              <option value="camera">{t("golive.sourceCamera")}</option>
              {typeof navigator.mediaDevices.getDisplayMedia === "function" && <option value="screen">{t("golive.sourceScreen")}</option>}
            </select>
          </label>
          {source === "camera" && (
            <label class="field">
              <span>{t("golive.camera")}</span>
              <select
                value={cameraId}
                disabled={publishing}
                onChange={(e) => {
                  setCameraId(e.currentTarget.value);
                  void acquire({ cameraId: e.currentTarget.value });
                }}
                data-testid="golive-camera"
              >
                <option value="">{t("golive.defaultDevice")}</option>
                {cameras.map((d, i) => (
                  <option value={d.deviceId}>{d.label || `${t("golive.camera")} ${i + 1}`}</option>
                ))}
              </select>
            </label>
          )}
          <label class="field">
            <span>{t("golive.microphone")}</span>
            <select
              value={micId}
              disabled={publishing}
              onChange={(e) => {
                setMicId(e.currentTarget.value);
                void acquire({ micId: e.currentTarget.value });
              }}
              data-testid="golive-mic"
            >
              <option value="">{t("golive.defaultDevice")}</option>
              {mics.map((d, i) => (
                <option value={d.deviceId}>{d.label || `${t("golive.microphone")} ${i + 1}`}</option>
              ))}
            </select>
          </label>
          <div class="golive-buttons">
            <button type="button" class={`btn btn-small${micMuted ? " is-active" : ""}`} aria-pressed={micMuted} onClick={toggleMic} data-testid="golive-mute">
              {micMuted ? t("golive.unmuteMic") : t("golive.muteMic")}
            </button>
            <button
              type="button"
              class={`btn btn-small${cameraOff ? " is-active" : ""}`}
              aria-pressed={cameraOff}
              onClick={toggleCamera}
              data-testid="golive-camera-off"
            >
              {cameraOff ? t("golive.cameraOn") : t("golive.cameraOff")}
            </button>
            {source === "camera" && (
              <button type="button" class="btn btn-small" disabled={publishing} onClick={flip} data-testid="golive-flip">
                {t("golive.flip")}
              </button>
            )}
          </div>
          {publishing && <p class="muted golive-hint">{t("golive.switchHint")}</p>}
        </div>
      )}
      {error && (
        <p class="alert" role="alert" data-testid="golive-error">
          {error}
        </p>
      )}
      {notice && (
        <p class="note" role="status" data-testid="golive-notice">
          {notice}
        </p>
      )}
      {can.whip && can.recorder && (
        <label class="field golive-transport">
          <span>{t("golive.transport")}</span>
          <select
            value={transport ?? "recorder"}
            disabled={publishing}
            onChange={(e) => setTransport(e.currentTarget.value as Transport)}
            data-testid="golive-transport-choice"
          >
            <option value="whip">{t("golive.transportWhip")}</option>
            <option value="stage">{t("golive.transportStage")}</option>
            <option value="recorder">{t("golive.transportRecorder")}</option>
          </select>
        </label>
      )}
      <div class="golive-actions">
        {publishing ? (
          <button type="button" class="btn btn-danger" disabled={phase === "stopping"} onClick={() => sessionRef.current?.stop()} data-testid="golive-stop">
            {t("golive.stop")}
          </button>
        ) : (
          <button type="button" class="btn btn-primary" onClick={() => void start()} data-testid="golive-start">
            {t("golive.start")}
          </button>
        )}
        <span class="muted" data-testid="golive-status">
          {t(`golive.phase.${phase}`)}
        </span>
        {active && (
          <span class="badge" data-testid="golive-transport" data-transport={active}>
            {t(`golive.via.${active}`)}
          </span>
        )}
      </div>
      <StudioHealth stats={stats} publisher={health} />
    </section>
  );
}
