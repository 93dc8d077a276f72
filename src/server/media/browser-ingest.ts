import type { FastifyBaseLogger, FastifyInstance } from "fastify";
import type { WebSocket } from "ws";
import { ingestCommand, type IngestServerFrame } from "../../protocol/api.js";
import type { ErrorCode } from "../../protocol/errors.js";
import type { Account } from "../accounts/index.js";
import type { Clock } from "../platform/clock.js";
import { AppError } from "../platform/errors.js";
import { redact } from "../platform/ids.js";
import { spawnFfmpeg, type FfmpegRun } from "../platform/ffmpeg-process.js";

export interface BrowserIngestDeps {
  ffmpegPath: string;
  /** Only the show's host, its merchant or an admin may publish. */
  requireManager(account: Account, showId: string): Promise<{ id: string }>;
  streamKey(showId: string): Promise<string>;
  /** Our own RTMP ingest on loopback, e.g. rtmp://127.0.0.1:1935/live (the key is appended). */
  rtmpBaseUrl(): string;
  /** The host pressed Stop: end the show without the reconnect grace period. */
  endShowNow?(showId: string): void;
  /** True while the RTMP ingest has a publisher for the show (OBS, or this module's ffmpeg). */
  isPublishing(showId: string): boolean;
  log: FastifyBaseLogger;
  clock: Clock;
}

export interface BrowserPublishStats {
  /** Bytes received from the browser over the last full second. */
  receivedBytesPerSecond: number;
  live: boolean;
}

export interface BrowserIngest {
  register(app: FastifyInstance): void;
  /** The browser publisher's stats for the show, or null when nobody publishes from a browser. */
  stats(showId: string): BrowserPublishStats | null;
  /** Ends every browser publish and its ffmpeg (shutdown). */
  stop(): Promise<void>;
}

// The WebSocket plugin closes sockets whose frames exceed 16 KiB (1009); the studio slices recorder chunks to fit.
// Sustained 12 Mbit/s and ~150 frames/s are far above a 720p camera; more is a broken or hostile client.
const BYTES_BURST = 4 * 1024 * 1024;
const BYTES_PER_SECOND = 1.5 * 1024 * 1024;
const FRAMES_BURST = 400;
const FRAMES_PER_SECOND = 150;
// Data queued for ffmpeg's stdin beyond this means it cannot keep up (CPU starved): fail rather than buffer forever.
const MAX_STDIN_BACKLOG = 8 * 1024 * 1024;
// Chunks sent before the socket is authorised and ffmpeg started.
const MAX_PENDING_BYTES = 2 * 1024 * 1024;
const START_TIMEOUT_MS = 15_000;
// ffmpeg connecting to the RTMP ingest and the publish being accepted.
const LIVE_TIMEOUT_MS = 20_000;
const STOP_GRACE_MS = 5_000;
const MIME = /^video\/(webm|mp4|x-matroska)\b/i;

/** ffmpeg reading the recorder's WebM/MP4 on stdin and publishing FLV to our RTMP ingest: H.264 is copied. */
export function browserIngestArgs(mimeType: string, publishUrl: string): string[] {
  const h264 = isH264(mimeType);
  return [
    "-hide_banner",
    "-nostdin",
    "-loglevel",
    "error",
    // Recorder output has no index and starts streaming at once: probe little so the show starts quickly.
    "-probesize",
    "1000000",
    "-analyzeduration",
    "2000000",
    "-i",
    "pipe:0",
    ...flvPublishArgs(h264, publishUrl),
  ];
}

/**
 * The output half of every browser publish (MediaRecorder or WHIP): the first video and audio stream to FLV on our RTMP
 * ingest, H.264 copied (else encoded with a key frame every 2 s), audio as 48 kHz stereo AAC.
 */
export function flvPublishArgs(h264: boolean, publishUrl: string): string[] {
  return [
    "-map",
    "0:v:0",
    "-map",
    "0:a:0?",
    ...(h264
      ? ["-c:v", "copy"]
      : ["-c:v", "libx264", "-preset", "veryfast", "-tune", "zerolatency", "-pix_fmt", "yuv420p", "-force_key_frames", "expr:gte(t,n_forced*2)"]),
    "-c:a",
    "aac",
    "-b:a",
    "128k",
    "-ar",
    "48000",
    "-ac",
    "2",
    "-f",
    "flv",
    publishUrl,
  ];
}

/** Where our own ffmpeg publishes: the RTMP ingest over loopback unless it is bound to one specific address. */
export function loopbackRtmpUrl(rtmpHost: string, port: number): string {
  const host = rtmpHost === "" || rtmpHost === "0.0.0.0" ? "127.0.0.1" : rtmpHost === "::" ? "::1" : rtmpHost;
  return `rtmp://${host.includes(":") ? `[${host}]` : host}:${port}/live`;
}

export function isH264(mimeType: string): boolean {
  return /avc1|h264/i.test(mimeType);
}

class TokenBucket {
  #tokens: number;
  #at: number;
  constructor(
    private readonly clock: Clock,
    private readonly burst: number,
    private readonly perSecond: number,
  ) {
    this.#tokens = burst;
    this.#at = clock.now().getTime();
  }
  take(n: number): boolean {
    const now = this.clock.now().getTime();
    this.#tokens = Math.min(this.burst, this.#tokens + ((now - this.#at) / 1000) * this.perSecond);
    this.#at = now;
    if (this.#tokens < n) return false;
    this.#tokens -= n;
    return true;
  }
}

interface Publish {
  run: FfmpegRun | null;
  live: boolean;
  bytesThisSecond: number;
  receivedBytesPerSecond: number;
  end(reason: "stopped" | "closed" | "shutdown"): Promise<void>;
}

export function createBrowserIngest(deps: BrowserIngestDeps): BrowserIngest {
  const active = new Map<string, Publish>();
  let stopped = false;

  function send(socket: WebSocket, frame: IngestServerFrame) {
    if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(frame));
  }

  function handle(socket: WebSocket, showIdParam: string, account: Account | null, log: FastifyBaseLogger) {
    const pending: Array<{ raw: Buffer; binary: boolean }> = [];
    let pendingBytes = 0;
    let onFrame: ((raw: Buffer, binary: boolean) => void) | null = null;
    let publish: Publish | null = null;
    let closed = false;
    const bytes = new TokenBucket(deps.clock, BYTES_BURST, BYTES_PER_SECOND);
    const frames = new TokenBucket(deps.clock, FRAMES_BURST, FRAMES_PER_SECOND);

    const fail = (code: ErrorCode, message: string, closeCode: number) => {
      send(socket, { t: "error", d: { code, message } });
      socket.close(closeCode, code);
    };

    socket.on("message", (raw: Buffer, binary: boolean) => {
      if (!frames.take(1) || !bytes.take(raw.length)) return fail("rate_limited", "Too much data; lower the bitrate.", 1008);
      if (onFrame) return onFrame(raw, binary);
      pendingBytes += raw.length;
      if (pendingBytes > MAX_PENDING_BYTES) return fail("rate_limited", "Too much data before the publish started.", 1008);
      pending.push({ raw, binary });
    });
    socket.on("error", () => socket.terminate());
    socket.on("close", () => {
      closed = true;
      void publish?.end("closed");
    });
    const startTimer = setTimeout(() => {
      if (!publish) fail("invalid_body", "Send ingest.start first.", 1008);
    }, START_TIMEOUT_MS);
    socket.once("close", () => clearTimeout(startTimer));

    void (async () => {
      if (!account) throw new AppError("unauthenticated");
      const show = await deps.requireManager(account, showIdParam);
      const showId = show.id;
      if (closed) return;

      onFrame = (raw, binary) => {
        if (binary) {
          // Media before ingest.start is dropped only if the client broke the protocol; normally start comes first.
          const stdin = publish?.run?.stdin;
          if (!publish || !stdin || publish.run?.hasExited()) return;
          publish.bytesThisSecond += raw.length;
          if (stdin.writableLength > MAX_STDIN_BACKLOG) return fail("unavailable", "The server cannot keep up with this stream.", 1011);
          stdin.write(raw);
          return;
        }
        let msg: unknown;
        try {
          msg = JSON.parse(raw.toString("utf8"));
        } catch {
          return send(socket, { t: "error", d: { code: "invalid_json", message: "Commands are JSON text frames." } });
        }
        const cmd = ingestCommand.safeParse(msg);
        if (!cmd.success) return send(socket, { t: "error", d: { code: "invalid_body", message: cmd.error.issues[0]?.message ?? "invalid command" } });
        if (cmd.data.t === "ingest.stop") {
          if (!publish) return socket.close(1000, "stopped");
          deps.endShowNow?.(showId);
          void publish.end("stopped").then(() => {
            deps.endShowNow?.(showId);
            socket.close(1000, "stopped");
          });
          return;
        }
        if (publish) return send(socket, { t: "error", d: { code: "invalid_body", message: "Already publishing on this socket." } });
        const mimeType = cmd.data.d.mimeType;
        if (!MIME.test(mimeType)) return fail("invalid_body", "Record video/webm or video/mp4.", 1008);
        if (stopped) return fail("unavailable", "The server is shutting down.", 1012);
        if (active.has(showId) || deps.isPublishing(showId))
          return fail("already_publishing", "This show already has a publisher (OBS or another browser).", 4409);
        publish = startPublish(socket, showId, mimeType, log);
      };
      for (const p of pending.splice(0)) onFrame(p.raw, p.binary);
    })().catch((err: unknown) => {
      const e = err instanceof AppError ? err : null;
      if (!e) log.error({ err }, "browser ingest join failed");
      fail(e?.code ?? "internal", e?.message ?? "join failed", e ? (e.status === 401 ? 4401 : e.status === 403 ? 4403 : 4404) : 1011);
    });
  }

  function startPublish(socket: WebSocket, showId: string, mimeType: string, log: FastifyBaseLogger): Publish {
    let ending: Promise<void> | null = null;
    let key = "";
    const scrub = (line: string) => (key ? line.split(key).join(redact(key)) : line);
    const timers: NodeJS.Timeout[] = [];
    const publish: Publish = {
      run: null,
      live: false,
      bytesThisSecond: 0,
      receivedBytesPerSecond: 0,
      end(reason) {
        if (ending) return ending;
        ending = (async () => {
          for (const t of timers) clearInterval(t);
          const run = publish.run;
          if (run && !run.hasExited()) {
            // Closing stdin lets ffmpeg flush and end the FLV cleanly, so the RTMP publish ends at once.
            run.stdin?.end();
            const timer = setTimeout(() => void run.terminate(2000), STOP_GRACE_MS);
            await run.exited;
            clearTimeout(timer);
          }
          if (active.get(showId) === publish) active.delete(showId);
          log.info({ showId, reason }, "browser publish ended");
        })();
        return ending;
      },
    };
    active.set(showId, publish);

    void (async () => {
      key = await deps.streamKey(showId);
      if (ending) return;
      const run = spawnFfmpeg(deps.ffmpegPath, browserIngestArgs(mimeType, `${deps.rtmpBaseUrl()}/${key}`), { stdin: true });
      publish.run = run;
      log.info({ showId, pid: run.pid, mimeType, key: redact(key), transcode: !isH264(mimeType) }, "browser publish started");
      send(socket, { t: "ingest.accepted", d: { transcode: !isH264(mimeType) } });
      const started = deps.clock.now().getTime();
      timers.push(
        setInterval(() => {
          if (!publish.live && deps.isPublishing(showId)) {
            publish.live = true;
            send(socket, { t: "ingest.live", d: {} });
          } else if (!publish.live && deps.clock.now().getTime() - started > LIVE_TIMEOUT_MS) {
            send(socket, { t: "error", d: { code: "unavailable", message: "The stream did not start; is the camera sending video?" } });
            socket.close(1011, "unavailable");
          }
        }, 200),
        setInterval(() => {
          publish.receivedBytesPerSecond = publish.bytesThisSecond;
          publish.bytesThisSecond = 0;
          send(socket, { t: "ingest.stats", d: { receivedBytesPerSecond: publish.receivedBytesPerSecond } });
        }, 1000),
      );
      const exit = await run.exited;
      if (ending) return;
      const stderr = run.stderrTail().map(scrub);
      log.warn({ showId, ...exit, stderr }, "browser publish ffmpeg exited");
      const last = stderr.at(-1) ?? "";
      send(socket, { t: "error", d: { code: "unavailable", message: `The encoder stopped${last ? `: ${last.slice(0, 200)}` : "."}` } });
      send(socket, { t: "ingest.ended", d: { reason: "encoder_exited" } });
      socket.close(1011, "encoder_exited");
    })().catch((err: unknown) => {
      log.error({ err, showId }, "browser publish failed to start");
      send(socket, { t: "error", d: { code: "internal", message: "The publish could not start." } });
      socket.close(1011, "internal");
    });
    return publish;
  }

  return {
    register(app) {
      app.get<{ Params: { showId: string } }>("/ws/ingest/:showId", { websocket: true }, (socket, req) => {
        handle(socket, req.params.showId, req.account, req.log);
      });
    },
    stats(showId) {
      const p = active.get(showId);
      return p ? { receivedBytesPerSecond: p.receivedBytesPerSecond, live: p.live } : null;
    },
    async stop() {
      stopped = true;
      await Promise.all([...active.values()].map((p) => p.end("shutdown")));
    },
  };
}
