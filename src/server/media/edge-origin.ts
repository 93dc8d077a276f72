import { createHmac, timingSafeEqual } from "node:crypto";
import type { FastifyBaseLogger } from "fastify";
import { Counter, Gauge, type Registry } from "prom-client";
import type { LiveEntry } from "./live-directory.js";

// The edge half of "video on every node": a node that does not hold a show's live renditions serves /live/<show>/…
// from the node that does (found in the LiveDirectory). Parts, segments and init sections are immutable (names are
// never reused), so each is fetched once per node and kept in memory (bounded, least recently used out first);
// concurrent requests for one resource share one upstream request (a preload-hinted part blocks upstream until it
// exists, and every viewer waiting for it here waits on that one request). Blocking playlist reloads pass through with
// their _HLS_msn/_HLS_part, coalesced the same way, and an answer is reused for the same directive for a few seconds
// (RFC 8216bis: such a URL asks for one specific update, so any playlist that satisfies it is a right answer).

/** Header that marks a request from another node; its value is the node token (never in a URL, never logged). */
export const NODE_TOKEN_HEADER = "x-showcart-node";

/** The node token: every node derives the same one from the shared SECRETS_KEY. */
export function nodeToken(secretsKey: Buffer): string {
  return createHmac("sha256", secretsKey).update("showcart media node-to-node v1").digest("base64url");
}

export function sameToken(given: string, token: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

export type MediaKind = "master" | "playlist" | "part" | "segment" | "init";

export interface Upstream {
  status: number;
  contentType: string | undefined;
  cacheControl: string | undefined;
  retryAfter: string | undefined;
  body: Buffer;
}

export interface EdgeOptions {
  lookup(showId: string): Promise<LiveEntry | null>;
  /** This node's bus id: a directory entry naming it is stale (we would ask ourselves). */
  self: string;
  token: string;
  /** Memory for immutable media (bytes). */
  cacheBytes: number;
  metrics?: Registry;
  log: FastifyBaseLogger;
}

// Blocking reloads hold up to three target durations at the ingest (6 s with 2 s segments); the master playlist up
// to 10 s while the first renditions appear.
const UPSTREAM_TIMEOUT_MS = 20_000;
const LOOKUP_TTL_MS = 1000;
const LOOKUP_MISS_TTL_MS = 300;
// How long an answered blocking reload (one directive) or the master playlist is reused for later askers.
const DIRECTIVE_TTL_MS = 3000;
const MASTER_TTL_MS = 1000;
const MAX_SHORT_ENTRIES = 2000;

export class EdgeOrigin {
  readonly #o: EdgeOptions;
  // Node's fetch (its built-in undici, keep-alive); aborted all at once when the server closes.
  readonly #abort = new AbortController();
  readonly #lookups = new Map<string, { at: number; value: Promise<LiveEntry | null> }>();
  readonly #inflight = new Map<string, Promise<Upstream>>();
  // Immutable media, least recently used first (Map keeps insertion order; a hit moves the entry to the end).
  readonly #media = new Map<string, Upstream>();
  #mediaBytes = 0;
  // Blocking playlists and master playlists, each with its expiry.
  readonly #short = new Map<string, { until: number; value: Upstream }>();
  readonly #counter: Counter<"kind" | "result"> | undefined;
  #closed = false;

  constructor(options: EdgeOptions) {
    this.#o = options;
    if (options.metrics) {
      this.#counter = new Counter({
        name: "showcart_hls_edge_requests_total",
        help: "Live HLS requests this node answered for a show ingested elsewhere, by kind and how (hit: from memory; coalesced: joined a request already on its way upstream; upstream: asked the ingest node).",
        labelNames: ["kind", "result"],
        registers: [options.metrics],
      });
      const edge = this;
      new Gauge({
        name: "showcart_hls_edge_cache_bytes",
        help: "Immutable live media (parts, segments, init sections) held in this node's edge cache.",
        registers: [options.metrics],
        collect() {
          this.set(edge.#mediaBytes);
        },
      });
    }
  }

  /**
   * The resource `path` (below /live/<showId>/) of a show live on another node, or null when no node has it.
   * `directive` is a blocking reload's query, passed on as it came.
   */
  async fetch(showId: string, path: string, kind: MediaKind, directive?: { msn: number; part?: number }): Promise<Upstream | null> {
    const entry = await this.#lookup(showId);
    if (!entry) return null;
    const query = directive ? `?_HLS_msn=${directive.msn}${directive.part !== undefined ? `&_HLS_part=${directive.part}` : ""}` : "";
    const url = `${entry.url}/live/${showId}/${path}${query}`;
    const immutable = kind === "part" || kind === "segment" || kind === "init";
    // Names of media are unique per ingest session; playlists are not, so theirs are keyed by the ingest too.
    const key = immutable ? `${showId}/${path}` : url;

    if (immutable) {
      const hit = this.#media.get(key);
      if (hit) {
        this.#media.delete(key);
        this.#media.set(key, hit);
        this.#count(kind, "hit");
        return hit;
      }
    } else {
      const hit = this.#short.get(key);
      if (hit && hit.until > Date.now()) {
        this.#count(kind, "hit");
        return hit.value;
      }
    }
    const pending = this.#inflight.get(key);
    if (pending) {
      this.#count(kind, "coalesced");
      return pending;
    }
    this.#count(kind, "upstream");
    const load = this.#get(url, showId).then((res) => {
      if (res.status === 200) {
        if (immutable) this.#keep(key, res);
        else if (directive || kind === "master") this.#remember(key, res, directive ? DIRECTIVE_TTL_MS : MASTER_TTL_MS);
      }
      return res;
    });
    this.#inflight.set(key, load);
    try {
      return await load;
    } finally {
      this.#inflight.delete(key);
    }
  }

  async #get(url: string, showId: string): Promise<Upstream> {
    if (this.#closed) return unavailable();
    try {
      const res = await fetch(url, {
        headers: { [NODE_TOKEN_HEADER]: this.#o.token },
        signal: AbortSignal.any([this.#abort.signal, AbortSignal.timeout(UPSTREAM_TIMEOUT_MS)]),
      });
      const body = Buffer.from(await res.arrayBuffer());
      // The ingest no longer has it (the show ended, a new ingest elsewhere): look again next time.
      if (res.status === 404) this.#lookups.delete(showId);
      const header = (name: string) => res.headers.get(name) ?? undefined;
      return {
        status: res.status,
        contentType: header("content-type"),
        cacheControl: header("cache-control"),
        retryAfter: header("retry-after"),
        body,
      };
    } catch (err) {
      // The ingest node is gone or unreachable: the directory entry expires within seconds; until then, retry later.
      this.#lookups.delete(showId);
      if (!this.#closed) this.#o.log.warn({ showId, err: (err as Error).message }, "edge: ingest node did not answer");
      return unavailable();
    }
  }

  #lookup(showId: string): Promise<LiveEntry | null> {
    const now = Date.now();
    const hit = this.#lookups.get(showId);
    if (hit && now - hit.at < LOOKUP_TTL_MS) return hit.value;
    const value = this.#o.lookup(showId).then(
      (entry) => {
        if (!entry || entry.node === this.#o.self) {
          // A miss is cached briefly too, so a player polling a show that is not live costs Redis little.
          const cached = this.#lookups.get(showId);
          if (cached?.value === value) cached.at = Date.now() - (LOOKUP_TTL_MS - LOOKUP_MISS_TTL_MS);
          return null;
        }
        return entry;
      },
      (err: unknown) => {
        this.#lookups.delete(showId);
        this.#o.log.warn({ showId, err: (err as Error).message }, "edge: live directory lookup failed");
        return null;
      },
    );
    if (this.#lookups.size >= MAX_SHORT_ENTRIES) this.#lookups.clear();
    this.#lookups.set(showId, { at: now, value });
    return value;
  }

  #keep(key: string, res: Upstream): void {
    if (res.body.length > this.#o.cacheBytes) return;
    this.#media.set(key, res);
    this.#mediaBytes += res.body.length;
    for (const [k, v] of this.#media) {
      if (this.#mediaBytes <= this.#o.cacheBytes) break;
      this.#media.delete(k);
      this.#mediaBytes -= v.body.length;
    }
  }

  #remember(key: string, res: Upstream, ttlMs: number): void {
    const now = Date.now();
    if (this.#short.size >= MAX_SHORT_ENTRIES) {
      for (const [k, v] of this.#short) if (v.until <= now) this.#short.delete(k);
      if (this.#short.size >= MAX_SHORT_ENTRIES) this.#short.clear();
    }
    this.#short.set(key, { until: now + ttlMs, value: res });
  }

  #count(kind: MediaKind, result: "hit" | "coalesced" | "upstream"): void {
    this.#counter?.inc({ kind, result });
  }

  /** Immutable media held now (bytes); for tests and the bench. */
  cachedBytes(): number {
    return this.#mediaBytes;
  }

  /** Ends requests held upstream (the HTTP server is closing): their viewers get 503 and retry elsewhere. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#abort.abort();
  }
}

function unavailable(): Upstream {
  return {
    status: 503,
    contentType: "application/json; charset=utf-8",
    cacheControl: "no-store",
    retryAfter: "1",
    body: Buffer.from(JSON.stringify({ error: { code: "unavailable", message: "Temporarily unavailable." } })),
  };
}
