import { useEffect, useRef, useState } from "preact/hooks";
import { useI18n } from "../i18n/coreText.js";
import { usePlaybackTelemetry } from "../telemetry/playbackTelemetry.js";
import { Icon } from "../components/Icon.js";
import { CATCH_UP, keepNearLive, liveHlsSettings, stuckWatch } from "./liveHlsSettings.js";
import { QualityMenu, type QualityLevel } from "./QualityMenu.js";

interface Props {
  src: string;
  /** The show's WHEP endpoint: sub-second WebRTC playback is tried first when given (and not turned off). */
  whepUrl?: string;
  /**
   * Whether the server offers WHEP for the show now (ShowView.webrtc.available): when false the player starts LL-HLS
   * at once instead of spending up to a second on an offer that will be refused; `?mode=webrtc` still tries.
   */
  whepOffered?: boolean;
  /** Start muted (autoplay policies only allow muted autoplay) and offer an unmute button. */
  testId?: string;
}

// WebRTC must show a decoded frame within this long, or the player starts LL-HLS (the fallback is then under 5 s).
const WHEP_DEADLINE_MS = 4_500;
const MODE_KEY = "showcart.playerMode";

export type PlaybackMode = "connecting" | "webrtc" | "ll-hls";

/** Sub-second mode wanted? `?mode=webrtc|hls` in the page's URL wins, then the viewer's toggle, else on (where the
 * server offers it; past its capacity it answers whep_full and the player uses LL-HLS). */
function wantsSubSecond(): boolean {
  const asked = new URLSearchParams(window.location.search).get("mode");
  if (asked === "webrtc") return true;
  if (asked === "hls") return false;
  try {
    return window.localStorage.getItem(MODE_KEY) !== "hls";
  } catch {
    return true;
  }
}

/**
 * hls.js's own log in the browser console, for support ("set showcart.playerDebug to 1 and send us the console") and for
 * e2e failure messages. Off unless asked for.
 */
function playerDebug(): boolean {
  try {
    return window.localStorage.getItem("showcart.playerDebug") === "1";
  } catch {
    return false;
  }
}

/** `?mode=webrtc`: try WHEP even where the show view says it is not offered (support, tests). */
const forcedWebRtc = () => new URLSearchParams(window.location.search).get("mode") === "webrtc";

// After a fatal error (the playlist 404s until the first segments exist, the encoder dropped) try again from scratch.
const RESTART_AFTER_MS = 3000;

/**
 * Plays a live HLS stream: hls.js over MSE where available, the browser's native HLS otherwise (Safari/iOS).
 * hls.js is loaded lazily so the page and its offer card render before ~370 kB of player code arrive.
 */
export function LivePlayer({ src, whepUrl, whepOffered = true, testId = "player" }: Props) {
  const { t } = useI18n();
  const videoRef = useRef<HTMLVideoElement>(null);
  const telemetryHls = usePlaybackTelemetry(videoRef, src);
  const [muted, setMuted] = useState(true);
  const [playing, setPlaying] = useState(false);
  // Renditions from the master playlist, and the viewer's choice (-1 = automatic ABR).
  const [levels, setLevels] = useState<QualityLevel[]>([]);
  const [level, setLevel] = useState(-1);
  const setHlsLevel = useRef<(level: number) => void>(() => undefined);
  const [subSecond, setSubSecond] = useState(wantsSubSecond);
  const [mode, setMode] = useState<PlaybackMode>("connecting");
  // How often LL-HLS started over after a fatal error or getting stuck (data-restarts: support, tests).
  const [restarts, setRestarts] = useState(0);

  useEffect(() => {
    const video = videoRef.current;
    if (!video) return;
    let disposed = false;
    let restartTimer: ReturnType<typeof setTimeout> | undefined;
    let destroyHls: (() => void) | undefined;
    let closeWhep: (() => void) | undefined;

    const tryPlay = () => {
      video.muted = true;
      video.play().catch(() => {
        // Autoplay refused even muted (data saver, policies): the native controls stay usable.
      });
    };

    const startNative = () => {
      video.src = src;
      video.addEventListener("loadedmetadata", tryPlay, { once: true });
      video.load();
    };

    // A new hls.js from scratch (the old one destroyed), now or after a pause.
    const startOver = (afterMs = 0) => {
      destroyHls?.();
      destroyHls = undefined;
      if (disposed) return;
      if (afterMs > 0) restartTimer = setTimeout(() => void startHls(), afterMs);
      else void startHls();
    };

    const startHls = async () => {
      const { default: Hls } = await import("hls.js/light");
      if (disposed) return;
      if (!Hls.isSupported()) {
        if (video.canPlayType("application/vnd.apple.mpegurl")) startNative();
        return;
      }
      const hls = new Hls({
        ...liveHlsSettings,
        debug: playerDebug(),
        // An encoder reconnect leaves the playlist unchanged for up to RECONNECT_GRACE_SECONDS (blocking reloads
        // answer 503 meanwhile): keep asking rather than give up, so playback resumes without a reload.
        playlistLoadPolicy: {
          default: {
            maxTimeToFirstByteMs: 10_000,
            maxLoadTimeMs: 20_000,
            timeoutRetry: { maxNumRetry: 4, retryDelayMs: 0, maxRetryDelayMs: 0 },
            errorRetry: { maxNumRetry: 40, retryDelayMs: 500, maxRetryDelayMs: 2000 },
          },
        },
        // The playlist is missing until the transcoder wrote its first segments; keep asking for a while.
        manifestLoadPolicy: {
          default: {
            maxTimeToFirstByteMs: 10_000,
            maxLoadTimeMs: 20_000,
            timeoutRetry: { maxNumRetry: 4, retryDelayMs: 0, maxRetryDelayMs: 0 },
            errorRetry: { maxNumRetry: 6, retryDelayMs: 1000, maxRetryDelayMs: 4000 },
          },
        },
      });
      const stopCatchUp = keepNearLive(hls, video, CATCH_UP);
      // Playlists moving on while nothing is appended: start over (a new hls.js), as after a fatal error.
      const stuck = stuckWatch(video);
      const stuckTimer = setInterval(() => {
        if (!stuck.check()) return;
        console.warn("live player: the playlist moves on but no media arrives; starting over");
        setRestarts((n) => n + 1);
        startOver();
      }, 1000);
      destroyHls = () => {
        clearInterval(stuckTimer);
        stopCatchUp();
        hls.destroy();
      };
      telemetryHls.current = hls;
      hls.on(Hls.Events.MANIFEST_PARSED, (_e, data) => {
        setLevels(data.levels.map((l, index) => ({ index, size: Math.min(l.width, l.height) })));
        tryPlay();
      });
      setHlsLevel.current = (next) => {
        // currentLevel switches now (flushing the buffer); -1 hands the choice back to ABR.
        hls.currentLevel = next;
        setLevel(next);
      };
      // A rendition's segment names start with its packager's tag (<tag>-s<msn>.m4s), new with every ingest. When
      // another node takes over the show's ingest, the stream's timestamps start again near 0 and hls.js, mapping them
      // as the old stream's, waited for as long as the old one had been live: a new tag is played from scratch.
      const tags = new Map<number, string>();
      let edge = "";
      hls.on(Hls.Events.FRAG_LOADING, () => stuck.reset());
      hls.on(Hls.Events.LEVEL_LOADED, (_e, data) => {
        const at = `${data.level}:${data.details.endSN}:${data.details.lastPartIndex}`;
        if (at !== edge) stuck.advanced();
        edge = at;
        const name = data.details.fragments[0]?.relurl?.split("/").pop() ?? "";
        const tag = /^(.+)-s\d+\.m4s$/.exec(name)?.[1];
        if (!tag) return;
        const known = tags.get(data.level);
        if (known === undefined || tag === known) {
          tags.set(data.level, tag);
          return;
        }
        startOver();
      });
      hls.on(Hls.Events.ERROR, (_e, data) => {
        if (!data.fatal) return;
        if (data.type === Hls.ErrorTypes.MEDIA_ERROR) {
          hls.recoverMediaError();
          return;
        }
        setRestarts((n) => n + 1);
        startOver(RESTART_AFTER_MS);
      });
      hls.loadSource(src);
      hls.attachMedia(video);
    };

    const startLlHls = () => {
      if (disposed) return;
      closeWhep?.();
      closeWhep = undefined;
      video.srcObject = null;
      setMode("ll-hls");
      // Prefer hls.js (MSE gives us retry control); fall back to native HLS where MSE is missing (iPhone Safari).
      const hasMse = typeof window.MediaSource !== "undefined" || "ManagedMediaSource" in window;
      if (!hasMse && video.canPlayType("application/vnd.apple.mpegurl")) startNative();
      else void startHls();
    };

    // Sub-second first when wanted: WHEP must show a frame within WHEP_DEADLINE_MS, and anything going wrong later
    // (ICE failed, the picture stopped, the show's encode ended) hands over to LL-HLS too.
    const startWhep = async (url: string) => {
      setMode("connecting");
      const since = performance.now();
      try {
        const { playWhep } = await import("./whepPlayback.js");
        const deadlineMs = WHEP_DEADLINE_MS - (performance.now() - since);
        const playback = await playWhep(video, url, { deadlineMs, onFailure: startLlHls });
        if (disposed) return playback.close();
        closeWhep = playback.close;
        setLevels([]);
        setMode("webrtc");
      } catch {
        startLlHls();
      }
    };

    if (whepUrl && subSecond && (whepOffered || forcedWebRtc()) && typeof RTCPeerConnection !== "undefined") void startWhep(whepUrl);
    else startLlHls();

    const onPlaying = () => setPlaying(true);
    const onWaiting = () => setPlaying(false);
    const onVolume = () => setMuted(video.muted);
    video.addEventListener("playing", onPlaying);
    video.addEventListener("waiting", onWaiting);
    video.addEventListener("volumechange", onVolume);
    return () => {
      disposed = true;
      clearTimeout(restartTimer);
      destroyHls?.();
      closeWhep?.();
      video.srcObject = null;
      video.removeEventListener("playing", onPlaying);
      video.removeEventListener("waiting", onWaiting);
      video.removeEventListener("volumechange", onVolume);
      video.removeAttribute("src");
      video.load();
    };
  }, [src, whepUrl, whepOffered, subSecond]);

  const toggleSubSecond = () => {
    const next = !subSecond;
    try {
      window.localStorage.setItem(MODE_KEY, next ? "webrtc" : "hls");
    } catch {
      // Private mode without storage: the choice lasts for this page only.
    }
    setSubSecond(next);
  };

  const toggleMute = () => {
    const video = videoRef.current;
    if (!video) return;
    video.muted = !video.muted;
    if (!video.muted && video.paused) void video.play().catch(() => undefined);
  };

  return (
    <div class="player" data-testid={testId} data-restarts={restarts}>
      <video
        ref={videoRef}
        muted
        autoplay
        playsInline
        data-testid={`${testId}-video`}
        // A landscape picture is not cropped to fill a portrait phone (styles.css, the phone-first live room).
        onResize={({ currentTarget: v }) => {
          v.dataset.wide = String(v.videoWidth > v.videoHeight);
        }}
      />
      {!playing && (
        <div class="player-overlay" aria-live="polite">
          <span class="spinner" aria-hidden="true" />
          {t("player.loading")}
        </div>
      )}
      {whepUrl && (
        <div class="player-mode">
          <span role="status" data-testid="player-mode" data-mode={mode}>
            {t(mode === "webrtc" ? "player.mode.webrtc" : mode === "ll-hls" ? "player.mode.hls" : "player.mode.connecting")}
          </span>
          <button type="button" aria-pressed={subSecond} onClick={toggleSubSecond} data-testid="subsecond-toggle">
            {t("player.subSecond")}
          </button>
        </div>
      )}
      <QualityMenu levels={levels} value={level} onChange={(l) => setHlsLevel.current(l)} />
      <button type="button" class={`player-mute${muted ? " is-muted" : ""}`} onClick={toggleMute} data-testid="unmute">
        <Icon name={muted ? "mute" : "volume"} />
        {muted ? t("player.unmute") : t("player.mute")}
      </button>
    </div>
  );
}
