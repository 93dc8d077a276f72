import dgram from "node:dgram";
import type { AddressInfo } from "node:net";
import type { FastifyBaseLogger } from "fastify";
import { MediaStreamTrack, RTCPeerConnection, useH264, useNACK, useOPUS, usePLI } from "werift";
import { AppError } from "../platform/errors.js";
import { type FfmpegRun, spawnFfmpeg } from "../platform/ffmpeg-process.js";
import { secretToken } from "../platform/ids.js";
import type { WebRtcNetwork } from "./ice-config.js";
import { probeInput, redactPlayToken } from "./transcoder.js";
import { MAX_OFFER_BYTES, gathered } from "./whip-peer.js";

// WHEP playback: per live show one ffmpeg pulls the program from our RTMP ingest, encodes it once for WebRTC (H.264
// constrained baseline, no B-frames, a key frame every second, Opus) and sends RTP to loopback UDP ports; every
// viewer's werift peer connection gets a copy of each packet (one encode, N forwards). docs/architecture.md, "WebRTC".

/** A joining viewer decodes from the next key frame: one a second bounds the wait (and the bitrate cost is small). */
const KEY_FRAME_SECONDS = 1;
/** The last viewer leaving stops the show's ffmpeg after this long (a reload or a mode switch comes straight back). */
const LINGER_MS = 10_000;
const RESTART_DELAY_MS = 1_000;
const MAX_RESTARTS = 5;
/** A viewer whose connection never completes (blocked UDP) is dropped after this; the player fell back long before. */
const CONNECT_TIMEOUT_MS = 20_000;
const H264_FMTP = "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f";
const VIDEO_PT = 96;
const AUDIO_PT = 111;

export interface WhepDeps {
  ffmpegPath: string;
  network: WebRtcNetwork;
  /** Viewers this node serves at once (0: WHEP off). */
  maxViewers: number;
  /** Loopback RTMP pull URL of a show live on this node (with its play token; never logged), null otherwise. */
  playUrl(showId: string): string | null;
  /** Whether the show's source has audio, as the transcoder's probe found it (null: not known yet). */
  sourceHasAudio?(showId: string): boolean | null;
  log: FastifyBaseLogger;
  /** How long ICE gathering may take before the answer goes out with what it has. */
  gatherTimeoutMs?: number;
}

export interface WhepSession {
  id: string;
  answer: string;
}

/**
 * Checks a WHEP offer before any WebRTC state exists: SDP with a video section that can receive H.264. Audio is
 * optional (a viewer may ask for video only).
 */
export function checkWhepOffer(offer: string): void {
  if (Buffer.byteLength(offer) > MAX_OFFER_BYTES) throw new AppError("invalid_sdp", `The offer is larger than ${MAX_OFFER_BYTES} bytes.`);
  if (!/^v=0\r?\n/.test(offer)) throw new AppError("invalid_sdp", "The body is not an SDP offer (it must start with v=0).");
  const sections = offer.split(/\r?\nm=/).slice(1);
  const video = sections.filter((s) => s.startsWith("video "));
  if (video.length !== 1) throw new AppError("invalid_sdp", "A WHEP offer has exactly one video section (recvonly).");
  if (/\r?\na=(sendonly|inactive)\r?$/m.test(video[0]!))
    throw new AppError("invalid_sdp", "The offer's video section does not receive (a=sendonly or inactive).");
  if (!/\r?\na=rtpmap:\d+ H264\/90000/i.test(video[0]!)) throw new AppError("invalid_sdp", "The offer's video cannot receive H.264.");
  if (!/\r?\na=fingerprint:/.test(offer)) throw new AppError("invalid_sdp", "The offer has no DTLS fingerprint.");
}

interface Viewer {
  id: string;
  pc: RTCPeerConnection;
  video: MediaStreamTrack;
  audio: MediaStreamTrack | null;
  connectTimer: NodeJS.Timeout;
}

/** ffmpeg for one show: program in, RTP out (video to `ports.video`, audio to `ports.audio` when the source has it). */
export function whepFfmpegArgs(inputUrl: string, ports: { video: number; audio: number | null }): string[] {
  const rtp = (port: number) => `rtp://127.0.0.1:${port}?pkt_size=1200`;
  return [
    "-hide_banner",
    "-nostdin",
    "-loglevel",
    "error",
    // Our ingest relays live: no input buffering, and a short probe (the FLV sequence headers come first).
    "-fflags",
    "nobuffer",
    "-flags",
    "low_delay",
    "-probesize",
    "500000",
    "-analyzeduration",
    "500000",
    "-i",
    inputUrl,
    "-map",
    "0:v:0",
    // Constrained baseline has no B-frames: WebRTC decoders play frames in the order they arrive.
    "-c:v",
    "libx264",
    // ultrafast: one encode per show must keep up in real time beside the ladder (veryfast fell behind at load 28).
    "-preset",
    "ultrafast",
    "-tune",
    "zerolatency",
    "-profile:v",
    "baseline",
    "-level",
    "3.1",
    "-pix_fmt",
    "yuv420p",
    "-vf",
    "scale='if(gte(iw,ih),-2,min(720,iw))':'if(gte(iw,ih),min(720,ih),-2)'",
    "-b:v",
    "1500k",
    "-maxrate",
    "1500k",
    "-bufsize",
    "750k",
    "-force_key_frames",
    `expr:gte(t,n_forced*${KEY_FRAME_SECONDS})`,
    "-payload_type",
    String(VIDEO_PT),
    "-f",
    "rtp",
    rtp(ports.video),
    ...(ports.audio === null
      ? []
      : ["-map", "0:a:0", "-c:a", "libopus", "-b:a", "64k", "-ar", "48000", "-ac", "2", "-payload_type", String(AUDIO_PT), "-f", "rtp", rtp(ports.audio)]),
  ];
}

/** One show's encode and its viewers. */
class WhepProgram {
  readonly viewers = new Map<string, Viewer>();
  #run: FfmpegRun | null = null;
  #sockets: dgram.Socket[] = [];
  #ports: { video: number; audio: number } | null = null;
  #hasAudio: boolean | null = null;
  #stopped = false;
  #restarts = 0;
  #lingerTimer: NodeJS.Timeout | null = null;
  #restartTimer: NodeJS.Timeout | null = null;
  #starting: Promise<void> | null = null;
  /** Packets forwarded to viewers (tests, benches). */
  packets = { video: 0, audio: 0 };

  constructor(
    readonly showId: string,
    private readonly deps: WhepDeps,
    private readonly onEnded: (program: WhepProgram) => void,
  ) {}

  /** Binds the UDP ports and starts ffmpeg once; later viewers join the running encode. */
  start(): Promise<void> {
    this.#starting ??= this.#start();
    return this.#starting;
  }

  async #start(): Promise<void> {
    const [video, audio] = [await bindRtpPair(), await bindRtpPair()];
    this.#sockets.push(...video.sockets, ...audio.sockets);
    this.#ports = { video: video.port, audio: audio.port };
    video.sockets[0]!.on("message", (msg) => this.#forward("video", msg));
    audio.sockets[0]!.on("message", (msg) => this.#forward("audio", msg));
    await this.#spawn();
  }

  async #spawn(): Promise<void> {
    if (this.#stopped) return;
    const url = this.deps.playUrl(this.showId);
    if (!url) return this.end("the show is no longer live on this node");
    // The source's audio decides whether there is an audio output (ffmpeg refuses an output without streams). The
    // transcoder probed it at go-live; probing again would cost the first viewer a second or more.
    this.#hasAudio ??= this.deps.sourceHasAudio?.(this.showId) ?? !!(await probeInput(this.deps.ffmpegPath, url)).audioCodec;
    if (this.#stopped) return;
    const args = whepFfmpegArgs(url, { video: this.#ports!.video, audio: this.#hasAudio ? this.#ports!.audio : null });
    const run = spawnFfmpeg(this.deps.ffmpegPath, args);
    this.#run = run;
    const startedAt = performance.now();
    this.#firstPacket = () => this.deps.log.info({ showId: this.showId, ms: Math.round(performance.now() - startedAt) }, "WHEP encoder's first video packet");
    void run.exited.then((exit) => {
      if (this.#run !== run || this.#stopped) return;
      this.#run = null;
      const tail = run.stderrTail().map(redactPlayToken);
      // A run that lasted a while earned a fresh restart budget (a publisher reconnect ends each pull once).
      if (performance.now() - startedAt > 30_000) this.#restarts = 0;
      if (++this.#restarts > MAX_RESTARTS) {
        this.deps.log.warn({ showId: this.showId, exit, stderr: tail }, "WHEP encoder keeps exiting; its viewers are dropped");
        return this.end("encoder failed");
      }
      this.deps.log.info({ showId: this.showId, exit, stderr: tail }, "WHEP encoder exited; restarting");
      this.#restartTimer = setTimeout(() => void this.#spawn().catch((err) => this.deps.log.error({ err }, "WHEP restart failed")), RESTART_DELAY_MS);
    });
  }

  #firstPacket: (() => void) | null = null;

  #forward(kind: "video" | "audio", msg: Buffer): void {
    // RTCP from ffmpeg is not for the viewers (werift writes its own sender reports); RTP payload types are < 128.
    if (msg.length < 12 || (msg[1]! & 0x7f) !== (kind === "video" ? VIDEO_PT : AUDIO_PT)) return;
    if (kind === "video" && this.#firstPacket) {
      this.#firstPacket();
      this.#firstPacket = null;
    }
    this.packets[kind]++;
    for (const viewer of this.viewers.values()) {
      // A track per viewer: werift's sender rewrites the packet's header in place (SSRC, payload type, sequence), so
      // each writeRtp(buffer) must parse its own copy.
      const track = kind === "video" ? viewer.video : viewer.audio;
      track?.writeRtp(msg);
    }
  }

  async addViewer(offer: string): Promise<WhepSession> {
    if (this.#lingerTimer) {
      clearTimeout(this.#lingerTimer);
      this.#lingerTimer = null;
    }
    const pc = new RTCPeerConnection({
      iceServers: this.deps.network.iceServers,
      iceAdditionalHostAddresses: this.deps.network.publicAddresses.length ? this.deps.network.publicAddresses : undefined,
      icePortRange: this.deps.network.portRange,
      codecs: {
        video: [useH264({ rtcpFeedback: [useNACK(), usePLI()], parameters: H264_FMTP })],
        audio: [useOPUS()],
      },
    });
    const id = secretToken(16);
    const video = new MediaStreamTrack({ kind: "video" });
    let audio: MediaStreamTrack | null = null;
    try {
      await pc.setRemoteDescription({ type: "offer", sdp: offer });
      for (const t of pc.getTransceivers()) {
        t.setDirection("sendonly");
        if (t.kind === "video") t.sender.replaceTrack(video);
        else if (t.kind === "audio" && !audio) {
          audio = new MediaStreamTrack({ kind: "audio" });
          t.sender.replaceTrack(audio);
        }
      }
      await pc.setLocalDescription(await pc.createAnswer());
      await gathered(pc, this.deps.gatherTimeoutMs ?? 3_000);
    } catch (err) {
      await pc.close().catch(() => undefined);
      this.#lingerIfEmpty();
      throw new AppError("invalid_sdp", `The offer could not be answered: ${(err as Error).message}`.slice(0, 300));
    }
    const answer = pc.localDescription?.sdp;
    if (!answer) {
      await pc.close().catch(() => undefined);
      this.#lingerIfEmpty();
      throw new AppError("invalid_sdp", "No answer could be made for this offer.");
    }
    const connectTimer = setTimeout(() => void this.removeViewer(id), CONNECT_TIMEOUT_MS);
    connectTimer.unref();
    this.viewers.set(id, { id, pc, video, audio, connectTimer });
    pc.connectionStateChange.subscribe((state) => {
      if (state === "connected") clearTimeout(connectTimer);
      if (state === "failed" || state === "closed") void this.removeViewer(id);
    });
    return { id, answer };
  }

  async removeViewer(id: string): Promise<boolean> {
    const viewer = this.viewers.get(id);
    if (!viewer) return false;
    this.viewers.delete(id);
    clearTimeout(viewer.connectTimer);
    viewer.video.stop();
    viewer.audio?.stop();
    await viewer.pc.close().catch(() => undefined);
    this.#lingerIfEmpty();
    return true;
  }

  #lingerIfEmpty(): void {
    if (this.viewers.size > 0 || this.#stopped || this.#lingerTimer) return;
    this.#lingerTimer = setTimeout(() => this.end("no viewers left"), LINGER_MS);
    this.#lingerTimer.unref();
  }

  /** Ends the encode and every viewer's connection (their players fall back to LL-HLS). */
  async end(reason: string): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    this.deps.log.info({ showId: this.showId, viewers: this.viewers.size, reason }, "WHEP program ended");
    if (this.#lingerTimer) clearTimeout(this.#lingerTimer);
    if (this.#restartTimer) clearTimeout(this.#restartTimer);
    this.onEnded(this);
    const viewers = [...this.viewers.keys()];
    await Promise.all(viewers.map((id) => this.removeViewer(id)));
    await this.#starting?.catch(() => undefined);
    await this.#run?.terminate(2_000);
    for (const s of this.#sockets) s.close();
  }

  pid(): number | undefined {
    return this.#run && !this.#run.hasExited() ? this.#run.pid : undefined;
  }
}

export interface Whep {
  /** Answers a viewer's offer (201 + answer); throws whep_full, show_not_live (via the caller), invalid_sdp. */
  createSession(showId: string, offer: string): Promise<WhepSession>;
  /** Ends a viewer's session; false when there is no such session for the show. */
  deleteSession(showId: string, sessionId: string): Promise<boolean>;
  /** The show went off air: its encode and viewers end. */
  endShow(showId: string): void;
  /**
   * Whether this node would answer a viewer of the show now (the show view's `webrtc.available`): WHEP on, a place
   * left, and the show live here. `live: false` asks about a show not live yet: on, with a place left.
   */
  offered(showId: string, live?: boolean): boolean;
  /** Places this node has left for new viewers (0 when WHEP is off or stopping); published with its live shows. */
  places(): number;
  /** Viewers on this node, and per show (metrics, tests, benches). */
  viewers(): { total: number; shows: Record<string, number> };
  /** The show's WHEP ffmpeg pid (tests, benches). */
  encoderPid(showId: string): number | undefined;
  stop(): Promise<void>;
}

export function createWhep(deps: WhepDeps): Whep {
  const programs = new Map<string, WhepProgram>();
  let stopped = false;
  const total = () => [...programs.values()].reduce((n, p) => n + p.viewers.size, 0);
  // Places taken by offers still being answered, so concurrent requests cannot overshoot the limit.
  let pending = 0;
  return {
    async createSession(showId, offer) {
      if (stopped || deps.maxViewers === 0 || total() + pending >= deps.maxViewers) throw new AppError("whep_full");
      checkWhepOffer(offer);
      if (!deps.playUrl(showId)) throw new AppError("whep_unavailable");
      pending++;
      try {
        let program = programs.get(showId);
        if (!program) {
          program = new WhepProgram(showId, deps, (p) => programs.get(showId) === p && programs.delete(showId));
          programs.set(showId, program);
        }
        // The encoder starts with the first viewer; the answer does not wait for its first frame.
        const starting = program.start().catch((err: unknown) => {
          deps.log.error({ err, showId }, "WHEP program failed to start");
          void program!.end("start failed");
        });
        const session = await program.addViewer(offer);
        void starting;
        return session;
      } finally {
        pending--;
      }
    },
    async deleteSession(showId, sessionId) {
      return (await programs.get(showId)?.removeViewer(sessionId)) ?? false;
    },
    endShow(showId) {
      void programs.get(showId)?.end("the show went off air");
    },
    offered(showId, live = true) {
      if (stopped || deps.maxViewers === 0 || total() + pending >= deps.maxViewers) return false;
      return !live || deps.playUrl(showId) !== null;
    },
    places() {
      return stopped ? 0 : Math.max(0, deps.maxViewers - total() - pending);
    },
    viewers() {
      const shows: Record<string, number> = {};
      for (const [id, p] of programs) shows[id] = p.viewers.size;
      return { total: total(), shows };
    },
    encoderPid: (showId) => programs.get(showId)?.pid(),
    async stop() {
      stopped = true;
      await Promise.all([...programs.values()].map((p) => p.end("server stopping")));
    },
  };
}

/** Binds port p (RTP) and p + 1 (ffmpeg's RTCP, read and dropped) on loopback; ours, so ffmpeg has somewhere to send. */
async function bindRtpPair(): Promise<{ port: number; sockets: dgram.Socket[] }> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const rtp = await bindUdp(0);
    const port = (rtp.address() as AddressInfo).port;
    const rtcp = port < 65535 ? await bindUdp(port + 1).catch(() => null) : null;
    if (rtcp) {
      rtcp.on("message", () => undefined);
      return { port, sockets: [rtp, rtcp] };
    }
    rtp.close();
  }
  throw new Error("no free UDP port pair on loopback");
}

function bindUdp(port: number): Promise<dgram.Socket> {
  return new Promise((resolve, reject) => {
    const s = dgram.createSocket("udp4");
    s.once("error", reject);
    s.bind(port, "127.0.0.1", () => {
      s.removeListener("error", reject);
      s.on("error", () => undefined);
      resolve(s);
    });
  });
}
