import type { FastifyBaseLogger } from "fastify";
import type { StudioStats } from "../../protocol/api.js";
import type { Snapshot } from "../../protocol/realtime.js";
import type { Bus } from "../platform/bus.js";
import type { RealtimeMetrics } from "./metrics.js";
import { Room, type RoomSocket } from "./room.js";

export interface HubDeps {
  bus: Bus;
  metrics?: RealtimeMetrics;
  log: FastifyBaseLogger;
  tickMs: number;
  snapshot(showId: string): Promise<Omit<Snapshot, "epoch" | "seq" | "viewers">>;
  offerView(offerId: string): Promise<unknown>;
  studioStats(showId: string, viewers: number): Promise<StudioStats>;
}

const studioRoomId = (showId: string) => `studio:${showId}`;

/**
 * All rooms of this node: one per show (viewers) and one per show studio (hosts: revenue and commission stay out
 * of the public room). Bus events become room events; a timer flushes every room once per tick.
 */
export class RealtimeHub {
  readonly rooms = new Map<string, Room>();
  #timer: NodeJS.Timeout | null = null;
  #unsubscribe: (() => void)[] = [];
  #viewersSent = new Map<string, number>();
  #statsDirty = new Set<string>();
  #staff = new Map<string, Set<RoomSocket>>();
  // Reactions of the current tick per show, summed here and published once per tick (to every node via the bus).
  #reactions = new Map<string, Record<string, number>>();

  constructor(private readonly deps: HubDeps) {
    const { bus } = deps;
    this.#unsubscribe = [
      bus.subscribe("chat.posted", ({ showId, ...msg }) => this.toShow(showId, "chat.posted", msg)),
      bus.subscribe("offer.updated", ({ showId, offerId, remaining }) => this.toShow(showId, "offer.updated", { offerId, remaining })),
      bus.subscribe("offer.ended", ({ showId, offerId, reason }) => this.toShow(showId, "offer.ended", { offerId, reason })),
      bus.subscribe("offer.unpinned", ({ showId, offerId }) => this.toShow(showId, "offer.unpinned", { offerId })),
      bus.subscribe("offer.pinned", ({ showId, offerId }) => {
        void this.deps.offerView(offerId).then(
          (offer) => this.toShow(showId, "offer.pinned", { offer }),
          (err) => this.deps.log.warn({ err, offerId }, "offer.pinned: offer not readable"),
        );
      }),
      bus.subscribe("reactions.counted", ({ showId, counts }) => this.toShow(showId, "reactions.counted", { counts })),
      bus.subscribe("show.status", ({ showId, status }) => this.toShow(showId, "show.status", { status })),
      bus.subscribe("waitlist.offered", ({ showId, offerId, entryKey }) => this.toShow(showId, "waitlist.offered", { offerId, entryKey })),
      bus.subscribe("order.paid", ({ showId }) => this.#statsDirty.add(showId)),
      bus.subscribe("auction.started", ({ showId, ...d }) => this.toShow(showId, "auction.started", d)),
      bus.subscribe("auction.bid", ({ showId, ...d }) => this.toShow(showId, "auction.bid", d)),
      bus.subscribe("auction.extended", ({ showId, ...d }) => this.toShow(showId, "auction.extended", d)),
      bus.subscribe("auction.closed", ({ showId, ...d }) => this.toShow(showId, "auction.closed", d)),
      bus.subscribe("auction.offered_next", ({ showId, ...d }) => this.toShow(showId, "auction.offered_next", d)),
    ];
  }

  start(): void {
    this.#timer = setInterval(() => this.tick(), this.deps.tickMs);
    this.#timer.unref();
  }

  room(id: string): Room {
    let r = this.rooms.get(id);
    if (!r) {
      r = new Room(id);
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

  /** An event for a show goes to its public room and mirrors into its studio room. */
  toShow(showId: string, t: string, d: unknown): void {
    this.room(showId).push(t, d);
    const studio = this.rooms.get(studioRoomId(showId));
    if (studio) studio.push(t, d);
  }

  /** Sockets in the show's room, less the show's own staff (a host's studio chat is not an audience). */
  viewers(showId: string): number {
    const room = this.rooms.get(showId);
    return room ? room.sockets.size - (this.#staff.get(showId)?.size ?? 0) : 0;
  }

  async snapshot(room: Room, showId: string): Promise<Snapshot> {
    const base = await this.deps.snapshot(showId);
    return { ...base, epoch: room.epoch, seq: room.seq, viewers: this.viewers(showId) };
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
    for (const [showId, counts] of this.#reactions) {
      void this.deps.bus.publish("reactions.counted", { showId, counts }).catch((err) => this.deps.log.warn({ err }, "reactions publish failed"));
    }
    this.#reactions.clear();
    for (const id of this.rooms.keys()) {
      if (id.startsWith("studio:")) continue;
      const viewers = this.viewers(id);
      if (this.#viewersSent.get(id) !== viewers) {
        this.#viewersSent.set(id, viewers);
        this.toShow(id, "viewers.counted", { viewers });
        this.#statsDirty.add(id);
      }
    }
    for (const showId of this.#statsDirty) {
      const studio = this.rooms.get(studioRoomId(showId));
      if (!studio || studio.sockets.size === 0) continue;
      void this.deps.studioStats(showId, this.viewers(showId)).then(
        (stats) => studio.push("stats.updated", stats),
        (err) => this.deps.log.warn({ err, showId }, "studio stats failed"),
      );
    }
    this.#statsDirty.clear();
    const m = this.deps.metrics;
    for (const room of this.rooms.values()) {
      const s = room.flush();
      if (!m || s.events === 0) continue;
      m.batchSize.observe(s.events);
      m.eventsOut.inc(s.delivered);
      m.framesOut.inc(s.frames);
      if (s.dropped) m.dropped.inc(s.dropped);
      if (s.closed) m.slowClosed.inc(s.closed);
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

  add(room: Room, socket: RoomSocket, opts: { staff?: boolean } = {}): void {
    room.sockets.add(socket);
    if (opts.staff) {
      const staff = this.#staff.get(room.id) ?? new Set<RoomSocket>();
      this.#staff.set(room.id, staff);
      staff.add(socket);
    }
  }

  remove(room: Room, socket: RoomSocket): void {
    room.sockets.delete(socket);
    this.#staff.get(room.id)?.delete(socket);
  }

  /**
   * Draining: tell every client to reconnect (to another node, or to this one when it is back) after a random delay
   * of up to `spreadMs`, so they do not all come back at once; then close with 1012 (service restart).
   */
  close(spreadMs = 2000): void {
    if (this.#timer) clearInterval(this.#timer);
    for (const u of this.#unsubscribe) u();
    for (const room of this.rooms.values()) {
      room.flush();
      for (const s of room.sockets) {
        s.send(JSON.stringify({ t: "reconnect", d: { afterMs: Math.floor(Math.random() * spreadMs) } }));
        s.close(1012, "server restarting");
      }
      room.sockets.clear();
    }
  }
}
