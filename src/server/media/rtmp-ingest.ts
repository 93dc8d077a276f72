import net from "node:net";
import { createRequire } from "node:module";
import { timingSafeEqual } from "node:crypto";
import { parse as parseQuery } from "node:querystring";
import type { FastifyBaseLogger } from "fastify";
import { redact, secretToken } from "../platform/ids.js";

// node-media-server v4 is embedded at the session level: its NodeMediaServer class also starts an HTTP/express
// server, a JSON store under ./data and a console logger, and its RtmpServer calls process.exit() on a listen
// error. We keep our own net.Server and use only RtmpSession (handshake, chunking, AMF, broadcast fan-out),
// overriding the connect/publish/play hooks on each session's protocol object to authorise asynchronously.
const require = createRequire(import.meta.url);
const RtmpSession = require("node-media-server/src/session/rtmp_session.js") as new (socket: net.Socket) => NmsRtmpSession;
const nmsLogger = require("node-media-server/src/core/logger.js") as { log: (message: string, level?: string) => void };

interface NmsInvoke {
  cmd: string;
  cmdObj?: { app?: unknown; tcUrl?: unknown } | null;
  streamName?: unknown;
}

interface NmsRtmpProtocol {
  streamApp: string;
  streamName: string;
  streamHost: string;
  streamQuery: Record<string, unknown>;
  streamId: number;
  parserPacket: { header: { stream_id: number } };
  onConnect(invoke: NmsInvoke): void;
  onPublish(invoke: NmsInvoke): void;
  onPlay(invoke: NmsInvoke): void;
  respondPublish(): void;
  onConnectCallback: (req: { app: string; name: string; host: string; query: Record<string, unknown> }) => void;
  onPushCallback: () => void;
}

interface NmsRtmpSession {
  id: string;
  isPublisher: boolean;
  rtmp: NmsRtmpProtocol;
  broadcast: { publishGraceMs: number };
  onData: (data: Buffer) => void;
  run(): void;
}

// NMS logs through one module-level console logger; route it into the most recently started ingest's logger.
// Stream paths it prints are /live/<showId> (the key never reaches NMS), so they are safe to log.
let nmsLog: FastifyBaseLogger | null = null;
nmsLogger.log = (message: string, level = "info") => {
  if (!nmsLog) return;
  if (level === "error" || level === "warn") nmsLog.warn({ component: "nms" }, message);
  else nmsLog.debug({ component: "nms" }, message);
};

const SHOW_ID = /^[A-Za-z0-9_-]{1,64}$/;
const MAX_KEY_LENGTH = 256;
const KEY_LOOKUP_TIMEOUT_MS = 5000;
// A connection that neither sends nor receives for this long is dead (or never meant to publish).
const IDLE_TIMEOUT_MS = 30_000;

export interface IngestOptions {
  log: FastifyBaseLogger;
  resolveStreamKey(key: string): Promise<{ showId: string } | null>;
  onPublish(showId: string): void;
  onUnpublish(showId: string): void;
}

interface Publisher {
  socket: net.Socket;
  // Internal pull credential for our transcoder; the stream key is never used after the publish is authorised.
  playToken: string;
}

// How long a player told to end may take to read what it was already sent before its connection is cut.
const PLAYER_DRAIN_MS = 2000;

/** RTMP ingest: rtmp://host:port/live/<streamKey>; only the `live` app, only known keys, one publisher per show. */
export class RtmpIngest {
  readonly #o: IngestOptions;
  readonly #server: net.Server;
  readonly #sockets = new Set<net.Socket>();
  readonly #publishers = new Map<string, Publisher>();
  // Connections playing each show (transcoder, recorder, simulcast relays). NMS keeps a player attached when its
  // publisher leaves, for a next publisher (a reconnect within the grace period reaches it); endPlayers() ends them.
  readonly #players = new Map<string, Set<net.Socket>>();
  #port = 0;
  #listening = false;

  constructor(options: IngestOptions) {
    this.#o = options;
    this.#server = net.createServer((socket) => this.#accept(socket));
  }

  async listen(host: string, port: number): Promise<number> {
    nmsLog = this.#o.log;
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error) => reject(err);
      this.#server.once("error", onError);
      this.#server.listen(port, host, () => {
        this.#server.off("error", onError);
        resolve();
      });
    });
    this.#server.on("error", (err) => this.#o.log.error({ err }, "rtmp server error"));
    this.#port = (this.#server.address() as net.AddressInfo).port;
    this.#listening = true;
    this.#o.log.info({ host, port: this.#port }, "rtmp ingest listening");
    return this.#port;
  }

  port(): number {
    return this.#port;
  }

  listening(): boolean {
    return this.#listening;
  }

  liveShows(): string[] {
    return [...this.#publishers.keys()];
  }

  /** The transcoder's loopback pull URL: the show id plus a per-publish token, never the stream key. */
  playUrl(showId: string, host = "127.0.0.1"): string | null {
    const publisher = this.#publishers.get(showId);
    if (!publisher) return null;
    const h = host.includes(":") ? `[${host}]` : host;
    return `rtmp://${h}:${this.#port}/live/${showId}?token=${publisher.playToken}`;
  }

  /**
   * The show is off air (no publisher now): end the connections still playing it (FIN after what they were sent), so
   * their ffmpeg sees the end of its input and finishes its output now instead of blocking in a read until its own
   * timeout.
   */
  endPlayers(showId: string): void {
    if (this.#publishers.has(showId)) return;
    const players = this.#players.get(showId);
    this.#players.delete(showId);
    for (const player of players ?? []) {
      player.end();
      setTimeout(() => player.destroy(), PLAYER_DRAIN_MS).unref();
    }
  }

  kick(showId: string): void {
    const publisher = this.#publishers.get(showId);
    if (!publisher) return;
    this.#o.log.info({ showId }, "rtmp publisher disconnected by server");
    publisher.socket.destroy();
  }

  async close(): Promise<void> {
    if (!this.#listening) return;
    this.#listening = false;
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    // Wait for each socket's own 'close' too: publishers report offline from there.
    const sockets = [...this.#sockets].map(
      (s) =>
        new Promise<void>((resolve) => {
          if (s.closed) return resolve();
          s.once("close", () => resolve());
          s.destroy();
        }),
    );
    await Promise.all([closed, ...sockets]);
  }

  #accept(socket: net.Socket): void {
    this.#sockets.add(socket);
    socket.on("close", () => this.#sockets.delete(socket));
    socket.setNoDelay(true);
    socket.setTimeout(IDLE_TIMEOUT_MS, () => refuse("connection idle, closing"));
    const ip = socket.remoteAddress;
    const session = new RtmpSession(socket);
    const rtmp = session.rtmp;
    const log = this.#o.log;
    const refuse = (reason: string, extra: Record<string, unknown> = {}) => {
      log.warn({ ip, ...extra }, `rtmp ${reason}`);
      socket.destroy();
    };

    // Malformed input must cost the connection, never the process (NMS parses without try/catch).
    const onData = session.onData;
    session.onData = (data) => {
      try {
        onData(data);
      } catch (err) {
        refuse("protocol error", { err: (err as Error).message });
      }
    };

    const connect = rtmp.onConnect.bind(rtmp);
    rtmp.onConnect = (invoke) => {
      const app = typeof invoke.cmdObj?.app === "string" ? invoke.cmdObj.app.replace(/\/+$/, "") : "";
      if (app !== "live") return refuse("connect refused: unknown app", { app: app.slice(0, 64) });
      connect(invoke);
      rtmp.streamApp = "live";
    };

    let publishState: "none" | "authorising" | "publishing" = "none";
    rtmp.onPublish = (invoke) => {
      if (publishState !== "none") return refuse("publish refused: second publish on one connection");
      publishState = "authorising";
      // Captured now: the parser reuses parserPacket for the next chunk while we await the key lookup.
      const streamId = rtmp.parserPacket.header.stream_id;
      const key = String(invoke.streamName ?? "").split("?")[0];
      // Well-behaved encoders (ffmpeg, OBS) send no media before NetStream.Publish.Start, which we send only
      // after the key is accepted; pausing keeps anything else queued in the socket meanwhile.
      socket.pause();
      void this.#authorise(key).then(
        (show) => {
          if (socket.destroyed) return;
          if (!show) return refuse("publish refused: unknown stream key", { key: redact(key) });
          const { showId } = show;
          if (this.#publishers.has(showId)) {
            return refuse("publish refused: show already has a publisher", { showId, key: redact(key) });
          }
          rtmp.streamName = showId;
          rtmp.streamQuery = {};
          rtmp.streamId = streamId;
          rtmp.respondPublish();
          rtmp.onConnectCallback({ app: "live", name: showId, host: rtmp.streamHost, query: {} });
          rtmp.onPushCallback();
          if (!session.isPublisher) return refuse("publish refused by media server", { showId });
          // NMS keeps a finished publish "resumable" for 30 s; we report offline at once, so end it at once.
          session.broadcast.publishGraceMs = 0;
          publishState = "publishing";
          const publisher: Publisher = { socket, playToken: secretToken(16) };
          this.#publishers.set(showId, publisher);
          socket.once("close", () => {
            if (this.#publishers.get(showId) !== publisher) return;
            this.#publishers.delete(showId);
            log.info({ showId, ip }, "rtmp publish ended");
            this.#o.onUnpublish(showId);
          });
          log.info({ showId, ip, key: redact(key) }, "rtmp publish started");
          socket.resume();
          this.#o.onPublish(showId);
        },
        (err: unknown) => refuse("publish refused: stream key lookup failed", { key: redact(key), err: String(err) }),
      );
    };

    const play = rtmp.onPlay.bind(rtmp);
    rtmp.onPlay = (invoke) => {
      // Playback over RTMP is internal only (our transcoder); viewers get HLS.
      const [name = "", query = ""] = String(invoke.streamName ?? "").split("?");
      const token = parseQuery(query).token;
      const publisher = this.#publishers.get(name);
      if (!publisher || typeof token !== "string" || !sameSecret(token, publisher.playToken)) {
        return refuse("play refused", { showId: SHOW_ID.test(name) ? name : undefined });
      }
      const players = this.#players.get(name) ?? new Set<net.Socket>();
      this.#players.set(name, players.add(socket));
      socket.once("close", () => players.delete(socket));
      play(invoke);
    };

    session.run();
  }

  async #authorise(key: string): Promise<{ showId: string } | null> {
    if (key === "" || key.length > MAX_KEY_LENGTH) return null;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error("stream key lookup timed out")), KEY_LOOKUP_TIMEOUT_MS);
    });
    const show = await Promise.race([this.#o.resolveStreamKey(key), timeout]).finally(() => clearTimeout(timer));
    if (!show) return null;
    // The show id becomes a directory and an RTMP stream name: anything odd is a bug upstream, not a stream.
    if (!SHOW_ID.test(show.showId)) {
      this.#o.log.error({ key: redact(key) }, "stream key resolved to a malformed show id");
      return null;
    }
    return { showId: show.showId };
  }
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
