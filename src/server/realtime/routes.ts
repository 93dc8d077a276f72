import type { FastifyInstance } from "fastify";
import type { WebSocket } from "ws";
import { z } from "zod";
import { type TrafficSource, chatSendSchema, trafficSourceSchema } from "../../protocol/api.js";
import { type PersonalFrame, PROTOCOL_VERSION, REACTIONS, type ServerFrame } from "../../protocol/realtime.js";
import { chatErrorFrame, chatReportCommand, chatSocket, type ChatService } from "../chat/index.js";
import type { Clock } from "../platform/clock.js";
import { AppError } from "../platform/errors.js";
import { randomId } from "../platform/ids.js";
import { TtlCache } from "../platform/ttl-cache.js";
import { canManage, type Show, type ShowService } from "../shows/index.js";
import { sharedDeflateWriter } from "../platform/deflate.js";
import type { RealtimeHub } from "./hub.js";
import type { RealtimeMetrics } from "./metrics.js";
import type { Room } from "./room.js";

const connectQuery = z.object({
  since: z.coerce.number().int().min(0).optional(),
  epoch: z.string().max(32).optional(),
  name: z.string().max(200).optional(),
  /** Random id the browser keeps (localStorage) so a guest can be banned or timed out by device. */
  device: z.string().max(100).optional(),
  /** Where the viewer came from (analytics): the viewer page says live, replay, share (a ?ref= link) or embed. */
  src: trafficSourceSchema.optional(),
});

const command = z.discriminatedUnion("t", [
  z.object({ t: z.literal("chat.send"), d: chatSendSchema.loose() }),
  chatReportCommand,
  z.object({ t: z.literal("reaction.send"), d: z.object({ emoji: z.enum(REACTIONS) }) }),
  z.object({ t: z.literal("ping"), d: z.unknown().optional() }),
]);

const MAX_FRAME_BYTES = 4096;

function sendFrame(socket: WebSocket, frame: ServerFrame) {
  if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(frame));
}

export interface RealtimeRouteDeps {
  hub: RealtimeHub;
  shows: ShowService;
  chat: ChatService;
  clock: Clock;
  metrics?: RealtimeMetrics;
  /** WebSocket ping interval; a socket that missed the previous ping's pong is terminated (dead-connection reaping). */
  heartbeatMs?: number;
  /**
   * Personal frames still pending for a signed-in viewer who (re)joined a show's room (a host's request to come on
   * stage): sent after the snapshot or resume.
   */
  pendingFor?(show: Show, accountId: string): Promise<PersonalFrame[]>;
  /** A viewer (not the show's staff) joined a show's room (analytics: unique viewers and where they came from). */
  viewerJoined?(showId: string, who: { accountId: string | null; device: string | null }, source: TrafficSource): void;
}

export function registerRealtimeRoutes(app: FastifyInstance, deps: RealtimeRouteDeps) {
  const { hub, shows, chat, clock, metrics } = deps;

  // Heartbeat: protocol-level pings (browsers answer them without any script). Phones that lost their network never
  // send a close frame; without this their sockets would count as viewers and buffer events until TCP gives up.
  const alive = new Map<WebSocket, boolean>();
  const watch = (socket: WebSocket) => {
    alive.set(socket, true);
    socket.on("pong", () => alive.set(socket, true));
    socket.on("close", () => alive.delete(socket));
  };
  const heartbeat = setInterval(() => {
    for (const [socket, ok] of alive) {
      if (!ok) {
        alive.delete(socket);
        metrics?.reaped.inc();
        socket.terminate();
        continue;
      }
      alive.set(socket, false);
      socket.ping();
    }
  }, deps.heartbeatMs ?? 20_000);
  heartbeat.unref();
  app.addHook("onClose", async () => clearInterval(heartbeat));

  // A show's row for joins, read at most once a second per show: 10,000 viewers joining in a burst need one read, not
  // 10,000 (what a join uses of it — id, merchant, host — does not change while it is live).
  const joinCache = new TtlCache<Show>(clock, 1000);
  const showOf = (idOrSlug: string) => joinCache.get(idOrSlug, () => shows.show(idOrSlug));

  async function join(socket: WebSocket, room: Room, showId: string, q: z.infer<typeof connectQuery>, staff = false, accountId: string | null = null) {
    // Draining: this node takes no one new; the client goes to another node (or back here once restarted).
    if (hub.draining) {
      sendFrame(socket, { t: "reconnect", d: { afterMs: Math.floor(Math.random() * 1000) } });
      return socket.close(1012, "server restarting");
    }
    await hub.ready(room);
    if (socket.readyState !== socket.OPEN) return;
    // With several nodes the client may come from one a few events ahead of this one: nothing to replay then.
    const missed = room.since(q.epoch, q.since, hub.stream.shared);
    if (missed) {
      hub.add(room, socket, { staff, deflate: sharedDeflateWriter(socket), accountId });
      sendFrame(socket, { t: "hello", d: { v: PROTOCOL_VERSION, epoch: room.epoch, seq: room.seq, resumed: true } });
      // Shaped like a live frame (counters at their latest, chat trimmed): a client back from a slow close or a long
      // drop gets up to the whole history at once.
      if (missed.length) sendFrame(socket, { t: "batch", d: room.frame(missed) });
      return;
    }
    const snap = await hub.snapshot(room, showId);
    if (socket.readyState !== socket.OPEN) return;
    hub.add(room, socket, { staff, deflate: sharedDeflateWriter(socket), accountId });
    sendFrame(socket, { t: "hello", d: { v: PROTOCOL_VERSION, epoch: snap.epoch, seq: snap.seq, resumed: false } });
    sendFrame(socket, { t: "snapshot", d: snap });
    // Events flushed while the database was read went out before this socket was in the room: send them now (the
    // snapshot may already reflect some; applying a stock figure twice is harmless).
    const during = room.since(snap.epoch, snap.seq, true);
    if (during === null) {
      // The room started a new epoch meanwhile: start over.
      sendFrame(socket, { t: "reconnect", d: { afterMs: 0 } });
      socket.close(1012, "server restarting");
    } else if (during.length) sendFrame(socket, { t: "batch", d: room.frame(during) });
  }

  app.get<{ Params: { showId: string }; Querystring: Record<string, string> }>("/ws/shows/:showId", { websocket: true }, (socket, req) => {
    const pending: Buffer[] = [];
    let handle: ((raw: Buffer, isBinary: boolean) => void) | null = null;
    socket.on("message", (raw: Buffer, isBinary: boolean) => (handle ? handle(raw, isBinary) : pending.push(raw)));
    let room: Room | null = null;
    watch(socket);
    socket.on("close", () => room && hub.remove(room, socket));

    void (async () => {
      const q = connectQuery.safeParse(req.query);
      if (!q.success) throw new AppError("invalid_query");
      const show = await showOf(req.params.showId);
      const isHost = req.account !== null && canManage(req.account, show);
      const chatter = chatSocket(chat, { showId: show.id, account: req.account, isHost, name: q.data.name, device: q.data.device, ip: req.ip });
      // Reactions are cheap (counted, never stored) but still bounded per socket (chat's REACTION_LIMIT).
      const reactionKey = randomId("sock");
      room = hub.showRoom(show.id);
      if (socket.readyState !== socket.OPEN) return;
      await join(socket, room, show.id, q.data, isHost, req.account?.id ?? null);
      if (!isHost && req.account && deps.pendingFor && socket.readyState === socket.OPEN) {
        // Registered first, read second: a request made in between arrives twice at worst (the page shows it once).
        const account = req.account;
        void deps.pendingFor(show, account.id).then(
          (frames) => {
            for (const f of frames) sendFrame(socket, f);
          },
          (err: unknown) => req.log.warn({ err, showId: show.id }, "pending personal frames failed"),
        );
      }
      if (!isHost && socket.readyState === socket.OPEN) {
        const source = q.data.src ?? (show.status === "ended" || show.status === "offline" ? "replay" : "live");
        deps.viewerJoined?.(show.id, { accountId: req.account?.id ?? null, device: q.data.device ?? null }, source);
      }

      handle = (raw, isBinary) => {
        if (isBinary || raw.length > MAX_FRAME_BYTES)
          return sendFrame(socket, { t: "error", d: { code: "invalid_body", message: "Send JSON text frames up to 4 KB." } });
        let msg: unknown;
        try {
          msg = JSON.parse(raw.toString("utf8"));
        } catch {
          return sendFrame(socket, { t: "error", d: { code: "invalid_json", message: "Frames are JSON." } });
        }
        alive.set(socket, true);
        const cmd = command.safeParse(msg);
        metrics?.commandsIn.inc({ type: cmd.success ? cmd.data.t : "invalid" });
        if (!cmd.success) {
          const issue = cmd.error.issues[0];
          return sendFrame(socket, { t: "error", d: { code: "invalid_body", message: `${issue?.path.join(".") || "frame"}: ${issue?.message ?? "invalid"}` } });
        }
        if (cmd.data.t === "ping") return sendFrame(socket, { t: "pong", d: { at: clock.now().getTime() } });
        if (cmd.data.t === "reaction.send") {
          // Over the limit: silently not counted (a storm of taps needs no error frame back).
          const emoji = cmd.data.d.emoji;
          void chat.reactions.hit(reactionKey).then((wait) => wait === 0 && hub.addReaction(show.id, emoji));
          return;
        }
        // Chat limits (per user and per address, shared across nodes), bans and word rules live in the chat module.
        chatter.run(cmd.data).catch((err: unknown) => {
          if (err instanceof AppError) sendFrame(socket, { t: "error", d: chatErrorFrame(err) });
          else req.log.error({ err }, "chat post failed");
        });
      };
      for (const raw of pending.splice(0)) handle(raw, false);
    })().catch((err: unknown) => {
      const e = err instanceof AppError ? err : null;
      if (!e) req.log.error({ err }, "websocket join failed");
      sendFrame(socket, { t: "error", d: { code: e?.code ?? "internal", message: e?.message ?? "join failed" } });
      socket.close(e?.status === 404 ? 4404 : 1011, e?.code ?? "internal");
    });
  });

  app.get<{ Params: { showId: string }; Querystring: Record<string, string> }>("/ws/studio/:showId", { websocket: true }, (socket, req) => {
    let room: Room | null = null;
    watch(socket);
    socket.on("close", () => room && hub.remove(room, socket));
    socket.on("message", () => sendFrame(socket, { t: "error", d: { code: "invalid_body", message: "The studio stream is read-only; chat on /ws/shows." } }));
    void (async () => {
      if (!req.account) throw new AppError("unauthenticated");
      const show = await shows.requireManager(req.account, req.params.showId);
      const q = connectQuery.safeParse(req.query);
      room = hub.studioRoom(show.id);
      if (socket.readyState !== socket.OPEN) return;
      await join(socket, room, show.id, q.success ? q.data : {});
      hub.markStatsDirty(show.id);
    })().catch((err: unknown) => {
      const e = err instanceof AppError ? err : null;
      if (!e) req.log.error({ err }, "studio join failed");
      sendFrame(socket, { t: "error", d: { code: e?.code ?? "internal", message: e?.message ?? "join failed" } });
      socket.close(e?.status === 401 ? 4401 : e?.status === 403 ? 4403 : 4404, e?.code ?? "internal");
    });
  });
}
