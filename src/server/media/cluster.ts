import type { FastifyBaseLogger } from "fastify";
import type { Bus } from "../platform/bus.js";
import type { LiveDirectory } from "./live-directory.js";

// This node's part in "video on every node": it registers the shows it ingests (refreshed while on air, withdrawn when
// they end), and, with every other node, watches for an ingest node that died: its registration expires while the
// show was never withdrawn. One node (a lease per show) then ends that show as an encoder drop ends it: reconnecting
// for the grace period, offline unless a new ingest (on any node) took it meanwhile.

// A registration lives this long unless refreshed (LIVE_DIRECTORY_TTL_MS); refreshed every third of it (three chances
// before it lapses), and every node sweeps for lapsed ones as often.
export const ENTRY_TTL_MS = 6000;

export interface MediaClusterDeps {
  directory: LiveDirectory;
  bus: Bus;
  log: FastifyBaseLogger;
  /** Shows on air on this node (live or inside their grace period). */
  onAir(): string[];
  reconnectGraceMs: number;
  setStatus(showId: string, status: "reconnecting" | "offline"): Promise<void>;
  /**
   * Whether this deployment's database has the show. Another deployment sharing the Redis (or a test's second cluster)
   * lists its shows in the same directory: their orphans are left to that deployment's nodes.
   */
  hasShow(showId: string): Promise<boolean>;
  now(): number;
  /** WHEP places this node has left, written with each registration. */
  whepPlaces?(): number;
  /** The show's discontinuity sequence number here, written with each registration (see priorDiscontinuity). */
  discontinuityOf?(showId: string): number | undefined;
  /** How long a registration lives unless refreshed (default ENTRY_TTL_MS). */
  entryTtlMs?: number;
}

export class MediaCluster {
  readonly #d: MediaClusterDeps;
  #url: string | null = null;
  readonly #pending = new Set<Promise<unknown>>();
  readonly #ttlMs: number;
  /** How often this node refreshes its registrations, and sweeps for other nodes' lapsed ones. */
  readonly everyMs: number;

  constructor(deps: MediaClusterDeps) {
    this.#d = deps;
    this.#ttlMs = deps.entryTtlMs ?? ENTRY_TTL_MS;
    this.everyMs = Math.round(this.#ttlMs / 3);
  }

  /** This node's base URL for other nodes, known once the HTTP server listens. */
  listening(url: string): void {
    this.#url = url.replace(/\/$/, "");
  }

  url(): string | null {
    return this.#url;
  }

  /** Registers a show this node just took on air (before its status says live, so no node finds it orphaned). */
  announce(showId: string): Promise<void> {
    if (!this.#url) return Promise.resolve();
    return this.#track(
      this.#d.directory
        .announce(showId, { url: this.#url, node: this.#d.bus.nodeId, whepPlaces: this.#d.whepPlaces?.() }, this.#ttlMs, this.#d.discontinuityOf?.(showId))
        .catch((err: unknown) => this.#d.log.warn({ err, showId }, "live directory: announce failed")),
    );
  }

  /**
   * Where a new ingest of the show on this node starts its discontinuity sequence: past the number the show's last
   * ingest node registered, with one to spare for a reconnect there since its last refresh; 0 when none is known.
   * Asked before this node's own registration replaces that record (the same connection keeps the order).
   */
  async priorDiscontinuity(showId: string): Promise<number> {
    const record = await this.#d.directory.onAirRecord(showId);
    return record?.discontinuity !== undefined ? record.discontinuity + 2 : 0;
  }

  refresh(): void {
    for (const showId of this.#d.onAir()) void this.announce(showId);
  }

  withdraw(showId: string): void {
    void this.#track(
      this.#d.directory.withdraw(showId, this.#d.bus.nodeId).catch((err: unknown) => this.#d.log.warn({ err, showId }, "live directory: withdraw failed")),
    );
  }

  /** Shows whose ingest node is gone: reconnecting now, offline once the grace period passed without a new ingest. */
  async sweepOrphans(): Promise<void> {
    const mine = new Set(this.#d.onAir());
    for (const [showId, record] of await this.#d.directory.orphans()) {
      if (mine.has(showId)) continue;
      if (!(await this.#d.hasShow(showId))) continue;
      if ((await this.#d.bus.lease(`media-orphan:${showId}`, this.everyMs * 5)) !== this.#d.bus.nodeId) continue;
      const now = this.#d.now();
      if (record.graceUntil === undefined) {
        if (!(await this.#d.directory.markGrace(showId, { ...record, graceUntil: now + this.#d.reconnectGraceMs }))) continue;
        this.#d.log.warn({ showId }, "the show's ingest node is gone; waiting for the encoder to reconnect to any node");
        await this.#d.setStatus(showId, this.#d.reconnectGraceMs > 0 ? "reconnecting" : "offline");
        if (this.#d.reconnectGraceMs <= 0) await this.#d.directory.forgetOrphan(showId);
      } else if (record.graceUntil <= now && (await this.#d.directory.forgetOrphan(showId))) {
        this.#d.log.info({ showId }, "no encoder came back within the grace period after its ingest node went away");
        await this.#d.setStatus(showId, "offline");
      }
    }
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.#pending]);
    await this.#d.directory.close();
  }

  #track<T>(p: Promise<T>): Promise<T> {
    this.#pending.add(p);
    void p.finally(() => this.#pending.delete(p));
    return p;
  }
}
