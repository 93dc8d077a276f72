import type { FastifyBaseLogger } from "fastify";
import type { StudioStats } from "../../protocol/api.js";
import type { Envelope, PersonalFrame, Snapshot } from "../../protocol/realtime.js";
import type { Bus, BusEvents } from "../platform/bus.js";
import type { RealtimeMetrics } from "./metrics.js";
import { DEFAULT_ROOM_LIMITS, type DeflatedWriter, type FlushStats, Room, type RoomLimits, TEXT, type RoomSocket } from "./room.js";
import { LocalRoomStream, type RoomStream } from "./stream.js";

export interface HubDeps {
  bus: Bus;
  metrics?: RealtimeMetrics;
  log: FastifyBaseLogger;
  tickMs: number;
  snapshot(showId: string): Promise<Omit<Snapshot, "epoch" | "seq" | "viewers">>;
  offerView(offerId: string): Promise<unknown>;
  studioStats(showId: string, viewers: number): Promise<StudioStats>;
  /** Where room events are numbered and fanned out: in process by default, Redis for several nodes. */
  stream?: RoomStream;
  /** Server time in ms (batch frames carry it as `at`). */
  now?: () => number;
  /**
   * How often a room's viewer count may go out (default 1 s): a change waits for the next slot, so 10,000 viewers
   * joining do not send the whole room a new count every tick. With a shared stream this node also re-reports its
   * counts (merged over nodes in Redis) this often.
   */
  presenceMs?: number;
  /** Chat per frame and sockets per slice (DEFAULT_ROOM_LIMITS). */
  roomLimits?: Partial<RoomLimits>;
  /** Reactions counted on this node in a tick, per show (analytics). */
  reacted?(showId: string, n: number): void;
}

/** Bus topics about one show (the ones a room can carry). */
type ShowTopic = { [K in keyof BusEvents]: BusEvents[K] extends { showId: string } ? K : never }[keyof BusEvents];

/**
 * How a bus event reaches the rooms. `show`: the public show room on every node (mirrored into the studio rooms there),
 * numbered by the stream; taken from the origin node's bus only, so each event enters its room once. `studio`: the
 * show's studio room only (earnings stay out of the public room); every node pushes to the studio sockets it holds.
 * `stats`: no message, the studio's stats are refreshed on the next tick (every node's sales). The room gets `fields`
 * of the event (default: all but showId); `offer: true` sends the pinned offer's view instead.
 */
type Forward<K extends ShowTopic> = { to: "show" | "studio"; fields?: readonly Exclude<keyof BusEvents[K], "showId">[]; offer?: true } | { to: "stats" };

const SHOW = { to: "show" } as const;

/** Every event the rooms carry: a new one is a line here (and its types in bus.ts and protocol/realtime.ts). */
const FORWARDED: { readonly [K in ShowTopic]?: Forward<K> } = {
  "chat.posted": SHOW,
  "chat.deleted": { to: "show", fields: ["ids"] },
  "chat.pinned": SHOW,
  "chat.unpinned": { to: "show", fields: ["id"] },
  // Stock figures reach the stream in relay order; the stream drops one older than the room's (isStaleStock).
  "offer.updated": { to: "show", fields: ["offerId", "remaining", "version"] },
  "offer.ended": { to: "show", fields: ["offerId", "reason"] },
  "offer.unpinned": { to: "show", fields: ["offerId"] },
  "offer.pinned": { to: "show", offer: true },
  "offer.opened": { to: "show", offer: true },
  "lineup.changed": { to: "show", fields: ["offerIds"] },
  "show.status": { to: "show", fields: ["status"] },
  "waitlist.offered": { to: "show", fields: ["offerId", "entryKey"] },
  "order.paid": { to: "stats" },
  "earnings.updated": { to: "studio" },
  "chat.reported": { to: "studio", fields: [] },
  "auction.started": SHOW,
  "auction.bid": SHOW,
  "auction.extended": SHOW,
  "auction.closed": SHOW,
  "auction.offered_next": SHOW,
  "coupon.dropped": SHOW,
  "coupon.claimed": SHOW,
  "coupon.ended": SHOW,
  "mystery.opened": SHOW,
  "mystery.odds": SHOW,
  "mystery.closed": SHOW,
  "giveaway.opened": SHOW,
  "giveaway.entries": SHOW,
  "giveaway.closed": SHOW,
  "giveaway.drawn": SHOW,
  "poll.opened": SHOW,
  "poll.counted": SHOW,
  "poll.closed": SHOW,
};

/** What a room gets of a bus event: the declared fields, in their order, or everything but the show id. */
function roomData(e: { showId: string }, fields: readonly PropertyKey[] | undefined): unknown {
  if (!fields) {
    const { showId: _, ...d } = e;
    return d;
  }
  const d: Record<PropertyKey, unknown> = {};
  for (const k of fields) d[k] = (e as Record<PropertyKey, unknown>)[k];
  return d;
}

const studioRoomId = (showId: string) => `studio:${showId}`;
const isStudioRoom = (id: string) => id.startsWith("studio:");

/**
 * All rooms of this node: one per show (viewers) and one per show studio (hosts: revenue and commission stay out
 * of the public room). Bus events become room events; a timer flushes every room once per tick.
 */
export class RealtimeHub {
  readonly rooms = new Map<string, Room>();
  #timer: NodeJS.Timeout | null = null;
  #unsubscribe: (() => void)[] = [];
  #viewersSent = new Map<string, number>();
  #viewersSentAt = new Map<string, number>();
  #statsDirty = new Set<string>();
  #staff = new Map<string, Set<RoomSocket>>();
  // Signed-in sockets per room and account: where personal frames go (a host's request to come on stage).
  #accounts = new Map<string, Map<string, Set<RoomSocket>>>();
  // Which account a signed-in socket is, so leaving finds its set at once (not a scan of the room's accounts).
  #accountOf = new WeakMap<RoomSocket, string>();
  // Reactions of the current tick per show, summed here and published once per tick (to every node via the bus).
  #reactions = new Map<string, Record<string, number>>();
  readonly stream: RoomStream;
  readonly #now: () => number;
  // Viewer counts summed over nodes, as last announced in each show room.
  #merged = new Map<string, number>();
  #lastPresence = 0;
  #draining = false;

  constructor(private readonly deps: HubDeps) {
    this.#now = deps.now ?? Date.now;
    this.stream = deps.stream ?? new LocalRoomStream();
    this.stream.onEvent((roomId, epoch, env) => this.#receive(roomId, epoch, env));
    for (const topic of Object.keys(FORWARDED) as ShowTopic[]) this.#unsubscribe.push(this.#forward(topic, FORWARDED[topic] as Forward<ShowTopic>));
    // Every node's events (subscribe, not subscribeLocal): the account's sockets may be on any node.
    this.#unsubscribe.push(
      deps.bus.subscribe("stage.invited", (e) =>
        this.toAccount(e.showId, e.accountId, { t: "stage.invited", d: { hostName: e.hostName, expiresAt: e.expiresAt } }),
      ),
      deps.bus.subscribe("stage.withdrawn", (e) => this.toAccount(e.showId, e.accountId, { t: "stage.withdrawn", d: {} })),
    );
  }

  /** A personal frame to one account's sockets in a show's room on this node (not numbered, not in the history). */
  toAccount(showId: string, accountId: string, frame: PersonalFrame): number {
    const sockets = this.#accounts.get(showId)?.get(accountId);
    if (!sockets) return 0;
    const data = JSON.stringify(frame);
    for (const s of sockets) s.send(data, TEXT);
    return sockets.size;
  }

  #forward(topic: ShowTopic, f: Forward<ShowTopic>): () => void {
    const bus = this.deps.bus;
    if (f.to === "stats") return bus.subscribe(topic, ({ showId }) => this.#statsDirty.add(showId));
    const fields = f.fields as readonly PropertyKey[] | undefined;
    if (f.to === "studio") return bus.subscribe(topic, (e) => this.rooms.get(studioRoomId(e.showId))?.push(topic, roomData(e, fields), this.#now()));
    // Only events published on this node: each one enters its room once, from its origin node, and the stream numbers
    // it and fans it out to every node. (Every node's events here would put each one into the room once per node.)
    if (f.offer) {
      return bus.subscribeLocal(topic, (e) => {
        const { showId, offerId } = e as BusEvents["offer.pinned" | "offer.opened"];
        void this.deps.offerView(offerId).then(
          (offer) => this.toShow(showId, topic, { offer }),
          (err) => this.deps.log.warn({ err, offerId }, `${topic}: offer not readable`),
        );
      });
    }
    return bus.subscribeLocal(topic, (e) => this.toShow(e.showId, topic, roomData(e, fields)));
  }

  start(): void {
    this.#timer = setInterval(() => this.tick(), this.deps.tickMs);
    this.#timer.unref();
  }

  room(id: string): Room {
    let r = this.rooms.get(id);
    if (!r) {
      r = new Room(id, 1000, { ...DEFAULT_ROOM_LIMITS, ...this.deps.roomLimits });
      this.rooms.set(id, r);
    }
    return r;
  }

  showRoom(showId: string): Room {
    return this.room(showId);
  }

  studioRoom(showId: string): Room {
    return this.room(studioRoomId(showId));
  }

  /**
   * An event for a show: numbered by the stream and delivered to the show room on every node (and mirrored into the
   * studio rooms there). Call it once per event cluster-wide, from the node where the event happened.
   */
  toShow(showId: string, t: string, d: unknown): void {
    this.stream.publish(showId, t, d);
  }

  #receive(roomId: string, epoch: string, env: Envelope): void {
    const room = this.room(roomId);
    const now = this.#now();
    const result = room.accept(epoch, env, now);
    if (result === "duplicate") return;
    // This node lost part of the stream (a new epoch, or messages missed while Redis was away): its clients may have
    // missed a stock change, so they come back and get a snapshot (or resume from history that has no hole).
    if (result === "reset") this.#sendAway(room, 1000);
    if (env.t === "viewers.counted") {
      this.#merged.set(roomId, (env.d as { viewers: number }).viewers);
      this.#statsDirty.add(roomId);
    }
    const studio = this.rooms.get(studioRoomId(roomId));
    if (studio) studio.push(env.t, env.d, now);
  }

  /** Sockets in the show's room on this node, less the show's own staff (a host's studio chat is not an audience). */
  localViewers(showId: string): number {
    const room = this.rooms.get(showId);
    return room ? room.sockets.size - (this.#staff.get(showId)?.size ?? 0) : 0;
  }

  /** Viewers of a show: exact on one node; over several nodes the sum they last reported (at most ~presenceMs old). */
  viewers(showId: string): number {
    if (!this.stream.shared) return this.localViewers(showId);
    return this.#merged.get(showId) ?? this.localViewers(showId);
  }

  /** Shows with a room on this node (analytics samples each one's local viewers). */
  showRoomIds(): string[] {
    return [...this.rooms.keys()].filter((id) => !isStudioRoom(id));
  }

  /** Shows whose studio has a socket on this node. */
  openStudios(): string[] {
    const out: string[] = [];
    for (const [id, room] of this.rooms) if (isStudioRoom(id) && room.sockets.size > 0) out.push(id.slice("studio:".length));
    return out;
  }

  /** An event for a show's studio sockets on this node only (each node pushes to the studio sockets it holds). */
  toStudio(showId: string, t: string, d: unknown): void {
    this.rooms.get(studioRoomId(showId))?.push(t, d, this.#now());
  }

  get draining(): boolean {
    return this.#draining;
  }

  /** Make sure the room knows its epoch and seq before a client is told them (a shared room asks the stream). */
  async ready(room: Room): Promise<void> {
    if (room.positioned) return;
    if (isStudioRoom(room.id)) return room.position(room.epoch, 0);
    const head = await this.stream.head(room.id);
    room.position(head.epoch, head.seq);
  }

  /**
   * State for a joining client. The seq is taken before the database is read, so every event that may be missing
   * from the snapshot has a higher seq and still reaches the client (applying one twice is harmless).
   */
  async snapshot(room: Room, showId: string): Promise<Snapshot> {
    await this.ready(room);
    const { epoch, seq } = room;
    const base = await this.deps.snapshot(showId);
    return { ...base, epoch, seq, viewers: this.viewers(showId) };
  }

  markStatsDirty(showId: string): void {
    this.#statsDirty.add(showId);
  }

  addReaction(showId: string, emoji: string): void {
    const counts = this.#reactions.get(showId) ?? {};
    counts[emoji] = (counts[emoji] ?? 0) + 1;
    this.#reactions.set(showId, counts);
  }

  tick(): void {
    const warn = (msg: string) => (err: unknown) => this.deps.log.warn({ err }, msg);
    // Reactions are summed per node and tick, then numbered like any event (one event per node per tick).
    for (const [showId, counts] of this.#reactions) {
      this.toShow(showId, "reactions.counted", { counts });
      this.deps.reacted?.(
        showId,
        Object.values(counts).reduce((a, b) => a + b, 0),
      );
    }
    this.#reactions.clear();
    const now = this.#now();
    const presenceMs = this.deps.presenceMs ?? 1000;
    const heartbeat = this.stream.shared && now - this.#lastPresence >= presenceMs;
    if (heartbeat) this.#lastPresence = now;
    for (const id of this.rooms.keys()) {
      if (isStudioRoom(id)) continue;
      const viewers = this.localViewers(id);
      const sent = this.#viewersSent.get(id);
      // A change goes out at most once per presenceMs per room (the first one at once); over Redis each node also
      // re-reports every presenceMs (its entry has a TTL).
      const due = sent !== viewers && now - (this.#viewersSentAt.get(id) ?? -Infinity) >= presenceMs;
      if (due || (heartbeat && (viewers > 0 || sent !== 0))) {
        this.#viewersSent.set(id, viewers);
        this.#viewersSentAt.set(id, now);
        this.stream.reportViewers(id, viewers).catch(warn("viewer count report failed"));
      }
    }
    for (const showId of this.#statsDirty) {
      const studio = this.rooms.get(studioRoomId(showId));
      if (!studio || studio.sockets.size === 0) continue;
      void this.deps.studioStats(showId, this.viewers(showId)).then(
        (stats) => studio.push("stats.updated", stats, this.#now()),
        (err) => this.deps.log.warn({ err, showId }, "studio stats failed"),
      );
    }
    this.#statsDirty.clear();
    const m = this.deps.metrics;
    for (const room of this.rooms.values()) {
      const started = performance.now();
      room.flush(
        (s: FlushStats) => {
          if (!m || s.events === 0) return;
          m.batchSize.observe(s.events);
          m.eventsOut.inc(s.delivered);
          m.framesOut.inc(s.frames);
          if (s.frames) m.flushSeconds.observe((performance.now() - started) / 1000);
          if (s.deflated) m.framesDeflated.inc(s.deflated);
          if (s.dropped) m.dropped.inc(s.dropped);
          if (s.closed) m.slowClosed.inc(s.closed);
          if (s.trimmed) m.chatTrimmed.inc(s.trimmed);
        },
        undefined,
        now,
      );
    }
  }

  /** Socket and room gauges, refreshed when /metrics is scraped. */
  updateGauges(): void {
    const m = this.deps.metrics;
    if (!m) return;
    const sizes = [...this.rooms.entries()].map(([id, r]) => [id, r.sockets.size] as const).filter(([, n]) => n > 0);
    m.sockets.set(sizes.reduce((s, [, n]) => s + n, 0));
    m.rooms.set(sizes.length);
    m.roomSockets.reset();
    for (const [id, n] of sizes.sort((a, b) => b[1] - a[1]).slice(0, 20)) m.roomSockets.set({ room: id }, n);
  }

  /** `deflate`: the socket's writer of shared compressed frames, when it negotiated them; `accountId`: signed in as. */
  add(room: Room, socket: RoomSocket, opts: { staff?: boolean; deflate?: DeflatedWriter | null; accountId?: string | null } = {}): void {
    room.sockets.add(socket);
    if (opts.accountId) {
      const byAccount = this.#accounts.get(room.id) ?? new Map<string, Set<RoomSocket>>();
      this.#accounts.set(room.id, byAccount);
      const sockets = byAccount.get(opts.accountId) ?? new Set<RoomSocket>();
      byAccount.set(opts.accountId, sockets);
      sockets.add(socket);
      this.#accountOf.set(socket, opts.accountId);
    }
    if (opts.deflate) room.deflaters.set(socket, opts.deflate);
    if (opts.staff) {
      const staff = this.#staff.get(room.id) ?? new Set<RoomSocket>();
      this.#staff.set(room.id, staff);
      staff.add(socket);
    }
  }

  remove(room: Room, socket: RoomSocket): void {
    room.forget(socket);
    this.#staff.get(room.id)?.delete(socket);
    const accountId = this.#accountOf.get(socket);
    const byAccount = this.#accounts.get(room.id);
    if (accountId === undefined || !byAccount) return;
    this.#accountOf.delete(socket);
    const sockets = byAccount.get(accountId);
    sockets?.delete(socket);
    if (sockets?.size === 0) byAccount.delete(accountId);
    if (byAccount.size === 0) this.#accounts.delete(room.id);
  }

  /** Tell a room's clients to reconnect after a random delay of up to `spreadMs`, then close with 1012 (restart). */
  #sendAway(room: Room, spreadMs: number): void {
    for (const s of room.sockets) {
      s.send(JSON.stringify({ t: "reconnect", d: { afterMs: Math.floor(Math.random() * spreadMs) } }), TEXT);
      s.close(1012, "server restarting");
    }
    room.sockets.clear();
    room.deflaters.clear();
    this.#staff.delete(room.id);
    this.#accounts.delete(room.id);
  }

  /**
   * Draining: from now on joins are turned away (`draining`); pending events go out, then every client is told to
   * reconnect (to another node, or to this one when it is back) after a random delay of up to `spreadMs`, so they do
   * not all come back at once. Our viewer counts leave the merged count at once.
   */
  async close(spreadMs = 2000): Promise<void> {
    this.#draining = true;
    if (this.#timer) clearInterval(this.#timer);
    for (const u of this.#unsubscribe) u();
    for (const room of this.rooms.values()) {
      while (room.writing) await new Promise((r) => setImmediate(r));
      // Everything at once (a flush still writing in slices finishes first: its rest goes out before the goodbye).
      room.flush(undefined, Number.POSITIVE_INFINITY);
      this.#sendAway(room, spreadMs);
    }
    if (this.stream.shared) {
      const shows = [...this.#viewersSent].filter(([id, n]) => n > 0 && !isStudioRoom(id)).map(([id]) => id);
      await Promise.allSettled(shows.map((id) => this.stream.reportViewers(id, 0)));
    }
    await this.stream.close();
  }
}
