import { randomBytes } from "node:crypto";
import type { FastifyBaseLogger } from "fastify";
import type { Clock } from "../platform/clock.js";
import { answerWhipOffer, type WhipPeer, type WhipPeerOptions } from "./whip-peer.js";

// Every WHIP publish on this node, whoever it is for: the host's program feed (whip-ingest.ts) and the stage's
// guests. A session is a peer (werift) plus what consumes its RTP (a sink: ffmpeg, a compositor input); the registry
// ends both together, whichever side goes first, and says why.

/** Why a session ended. */
export type WhipEndReason =
  /** The publisher sent DELETE (or the studio's Stop). */
  | "deleted"
  /** ICE failed (consent expired) or the peer connection closed. */
  | "peer_closed"
  /** No video arrived within `connectTimeoutMs` of the answer: ICE or DTLS never completed. */
  | "connect_timeout"
  /** Video stopped for `idleTimeoutMs`: the publisher is gone (sooner than ICE consent's 30 s). */
  | "media_timeout"
  /** The sink stopped by itself (ffmpeg exited: the RTMP ingest refused it, a rotated key, a crash). */
  | "sink_exited"
  /** The offer could not be answered or the sink could not start: the caller got the error. */
  | "open_failed"
  | "shutdown";

/** What consumes a session's RTP. `exited` settles when it stops by itself. */
export interface WhipSink {
  stop(): Promise<void>;
  exited: Promise<unknown>;
}

export interface WhipSession {
  readonly id: string;
  readonly showId: string;
  /** Who publishes: "host" (the program feed) or a role another module names (a stage guest). */
  readonly role: string;
  /** This publish is (or makes) the show's program: one such session per show, whichever module opened it. */
  readonly program: boolean;
  readonly peer: WhipPeer;
  /** A strong entity-tag of the session's ICE session (RFC 9725: returned in the 201's ETag). */
  readonly etag: string;
  readonly startedAt: number;
  /** Set once the first video packet arrived. */
  readonly mediaAt: number | null;
  readonly ended: boolean;
  /** Ends the session (idempotent): the sink first, then the peer. Resolves when both are gone. */
  end(reason: WhipEndReason): Promise<void>;
}

export interface WhipSessionsDeps {
  peerOptions: WhipPeerOptions;
  log: FastifyBaseLogger;
  clock: Clock;
  connectTimeoutMs?: number;
  idleTimeoutMs?: number;
}

export interface OpenWhipSession {
  showId: string;
  role: string;
  /** The show's program comes from this publish (the host's WHIP, the stage host's publish that starts the compositor). */
  program?: boolean;
  offer: string;
  /** Starts the consumer once the answer exists; a throw ends the session before it is returned. */
  attach(peer: WhipPeer, session: WhipSession): Promise<WhipSink>;
  /** Called once when the session ends, with the reason (after sink and peer are stopped). */
  onEnded?(reason: WhipEndReason): void;
}

// A browser sends its first video within a second of the answer on a LAN; 20 s covers a slow TURN allocation.
const CONNECT_TIMEOUT_MS = 20_000;
// Browsers keep sending frames while the camera is off (black) or the tab is hidden (a lower rate): 10 s of nothing
// means the publisher is gone.
const IDLE_TIMEOUT_MS = 10_000;
const WATCH_EVERY_MS = 1_000;

export class WhipSessions {
  readonly #sessions = new Map<string, WhipSession>();
  #stopped = false;

  constructor(private readonly deps: WhipSessionsDeps) {}

  /** The show's sessions (optionally of one role), including those still connecting. */
  of(showId: string, role?: string): WhipSession[] {
    return [...this.#sessions.values()].filter((s) => s.showId === showId && (role === undefined || s.role === role));
  }

  /**
   * The show's program publishes (connecting included). The one-publisher rule: check this and open with no await in
   * between, so two offers at once, by whichever route, cannot both pass.
   */
  programOf(showId: string): WhipSession[] {
    return this.of(showId).filter((s) => s.program);
  }

  /** Every session on this node (optionally of one role). */
  all(role?: string): WhipSession[] {
    return [...this.#sessions.values()].filter((s) => role === undefined || s.role === role);
  }

  get(id: string): WhipSession | undefined {
    return this.#sessions.get(id);
  }

  get size(): number {
    return this.#sessions.size;
  }

  /**
   * Answers the offer and attaches the sink. The session is registered synchronously, before the first await, so a
   * caller that checks `of(showId, role)` and then opens cannot race a second request past its check. Throws
   * `invalid_sdp` (AppError) for an offer werift cannot answer; the session is then gone again.
   */
  async open(req: OpenWhipSession): Promise<{ session: WhipSession; answer: string }> {
    if (this.#stopped) throw new Error("WHIP sessions are shut down");
    const { log, clock } = this.deps;
    const id = `whs_${randomBytes(18).toString("base64url")}`;
    let peer: WhipPeer | null = null;
    let sink: WhipSink | null = null;
    let ending: Promise<void> | null = null;
    let mediaAt: number | null = null;
    let lastMediaAt = 0;
    let watch: NodeJS.Timeout | null = null;
    const now = () => clock.now().getTime();
    const session: WhipSession = {
      id,
      showId: req.showId,
      role: req.role,
      program: req.program ?? false,
      get peer() {
        if (!peer) throw new Error("the session has no peer yet");
        return peer;
      },
      etag: `"${randomBytes(12).toString("hex")}"`,
      startedAt: now(),
      get mediaAt() {
        return mediaAt;
      },
      get ended() {
        return ending !== null;
      },
      end: (reason) => {
        ending ??= (async () => {
          if (watch) clearInterval(watch);
          await sink?.stop().catch((err: unknown) => log.warn({ err, sessionId: id }, "WHIP sink stop failed"));
          await peer?.close().catch(() => undefined);
          this.#sessions.delete(id);
          // Ends nobody asked for are worth a warning: they are what an operator (or a flaky test) needs to see.
          const asked = reason === "deleted" || reason === "shutdown" || reason === "open_failed";
          log[asked ? "info" : "warn"]({ showId: req.showId, sessionId: id, role: req.role, reason, packets: peer?.stats() }, "WHIP session ended");
          req.onEnded?.(reason);
        })();
        return ending;
      },
    };
    this.#sessions.set(id, session);
    try {
      peer = await answerWhipOffer(req.offer, this.deps.peerOptions);
      if (ending) throw new Error("ended while answering");
      peer.onRtp((kind) => {
        if (kind !== "video") return;
        lastMediaAt = now();
        mediaAt ??= lastMediaAt;
      });
      peer.onClosed(() => void session.end("peer_closed"));
      const connectTimeout = this.deps.connectTimeoutMs ?? CONNECT_TIMEOUT_MS;
      const idleTimeout = this.deps.idleTimeoutMs ?? IDLE_TIMEOUT_MS;
      watch = setInterval(() => {
        const t = now();
        if (mediaAt === null && t - session.startedAt > connectTimeout) void session.end("connect_timeout");
        else if (mediaAt !== null && t - lastMediaAt > idleTimeout) void session.end("media_timeout");
      }, WATCH_EVERY_MS);
      sink = await req.attach(peer, session);
      if (ending) await sink.stop();
      else void sink.exited.then(() => void session.end("sink_exited"));
    } catch (err) {
      await session.end("open_failed");
      throw err;
    }
    log.info({ showId: req.showId, sessionId: id, role: req.role, video: peer.video.mimeType, audio: !!peer.audio }, "WHIP session answered");
    return { session, answer: peer.answer };
  }

  /** Ends every session (shutdown); later `open` calls throw. */
  async stop(): Promise<void> {
    this.#stopped = true;
    await Promise.all([...this.#sessions.values()].map((s) => s.end("shutdown")));
  }
}
