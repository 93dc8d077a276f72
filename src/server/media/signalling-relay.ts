import type { FastifyBaseLogger, FastifyReply, FastifyRequest } from "fastify";
import { ownOrigin } from "../http/origin.js";
import { AppError } from "../platform/errors.js";
import { NODE_TOKEN_HEADER, sameToken } from "./edge-origin.js";
import type { LiveDirectory, LiveEntry } from "./live-directory.js";

// WebRTC on every node: a WHEP, WHIP or stage request for a show whose media is on another node is passed to that node
// with the node token, and its answer (status, SDP, Location, error JSON) goes back to the browser unchanged. Only the
// signalling travels between nodes; the browser's ICE then reaches the media node directly, on that node's own
// WEBRTC_PUBLIC_ADDRESSES and ports. A show's media node is its live ingest (the LiveDirectory) or, before it is live,
// the node that claimed it for a WebRTC publish (a WHIP or stage publish connecting), so a show has one publisher
// across nodes. docs/operations.md, "WebRTC on every node".

/**
 * The origin the browser used, as the forwarding node saw it (behind its trusted proxy): the media node builds
 * absolute URLs (WHIP's Location) on it. Honoured only beside a valid node token.
 */
export const NODE_ORIGIN_HEADER = "x-showcart-node-origin";

// Request headers the media node needs to decide as the first node would: the caller's credentials (cookie, Bearer),
// the CSRF marker, what the body is. `Origin` is not passed: the first node has already applied the cross-site rule to
// this very request, and the media node would judge it against its own internal host name.
const REQUEST_HEADERS = ["content-type", "authorization", "cookie", "x-showcart-csrf", "if-match", "accept", "accept-language", "user-agent"];
const ANSWER_HEADERS = ["content-type", "location", "etag", "link", "accept-patch", "accept-post", "cache-control", "retry-after"];
// The media node answers within its ICE gathering limit (3 s) and the publish's ffmpeg start; this bounds a hung node.
const FORWARD_TIMEOUT_MS = 30_000;
// How long a node reuses another node's WHEP places for its show views (the media node refreshes them every 2 s).
const PLACES_TTL_MS = 1000;
/** A claim lives this long unless renewed (renewed with the live directory's entries, every 2 s at most). */
export const CLAIM_TTL_MS = 6000;

export interface SignallingRelayOptions {
  directory: LiveDirectory;
  /** This node's bus id and its base URL for other nodes (null until the HTTP server listens). */
  self: { node: string; url(): string | null };
  token: string;
  log: FastifyBaseLogger;
}

export class SignallingRelay {
  readonly #o: SignallingRelayOptions;
  readonly #abort = new AbortController();
  // Sources of "shows whose WebRTC media is on this node" (the host's WHIP sessions, the stage's publishes, shows on air).
  readonly #holders: (() => Iterable<string>)[] = [];
  readonly #claimed = new Set<string>();
  readonly #places = new Map<string, { at: number; value: Promise<boolean> }>();

  constructor(options: SignallingRelayOptions) {
    this.#o = options;
  }

  /** Adds a source of shows whose media this node holds (it keeps their claims and answers their signalling here). */
  holdWhile(shows: () => Iterable<string>): void {
    this.#holders.push(shows);
  }

  #holds(showId: string): boolean {
    for (const shows of this.#holders) for (const id of shows()) if (id === showId) return true;
    return false;
  }

  /**
   * True for a request another node forwarded (a valid node token): it is answered here, never forwarded again. A
   * wrong token, or a node-only header without one, is refused (a misconfigured node, or a caller posing as one).
   */
  fromNode(req: FastifyRequest): boolean {
    const given = req.headers[NODE_TOKEN_HEADER];
    if (given === undefined) {
      if (req.headers[NODE_ORIGIN_HEADER] !== undefined) throw new AppError("forbidden", "Node headers need the node token.");
      return false;
    }
    if (typeof given !== "string" || !sameToken(given, this.#o.token)) throw new AppError("forbidden", "Unknown node token.");
    return true;
  }

  /** The origin the browser used: the forwarding node's view for a forwarded request, else this request's own. */
  origin(req: FastifyRequest): string | null {
    const forwarded = req.headers[NODE_ORIGIN_HEADER];
    if (typeof forwarded === "string" && this.fromNode(req)) return forwarded;
    return ownOrigin(req);
  }

  /**
   * Passes the request to the show's media node when that is another node, and sends its answer: true when it did
   * (the reply is sent). `claim`: a request that starts a publish takes the show for this node when no node has it.
   * `elsewhere`: the request names a session this node does not have (a DELETE or PATCH of a WHIP or WHEP session), so
   * it goes to the node the directory names even while this node still counts the show as its own: right after a
   * publish here ended and the next one started on another node, this node is still on air for a moment.
   */
  async forward(req: FastifyRequest, reply: FastifyReply, showId: string, opts: { claim?: boolean; elsewhere?: boolean } = {}): Promise<boolean> {
    if (this.fromNode(req) || (!opts.elsewhere && this.#holds(showId))) return false;
    let target = await this.#locate(showId);
    const url = this.#o.self.url();
    if (!target && opts.claim && url) {
      target = await this.#o.directory.claim(showId, { url, node: this.#o.self.node }, CLAIM_TTL_MS);
      if (target.node === this.#o.self.node) this.#claimed.add(showId);
    }
    if (!target || target.node === this.#o.self.node) return false;
    await this.#pass(req, reply, target, showId);
    return true;
  }

  /**
   * Whether the show's media node (another node) had a WHEP place left at its last refresh: the show view's
   * `webrtc.available` on a node that does not hold the show (its offer would be passed there).
   */
  whepOffered(showId: string): Promise<boolean> {
    const now = Date.now();
    const hit = this.#places.get(showId);
    if (hit && now - hit.at < PLACES_TTL_MS) return hit.value;
    const value = this.#o.directory.locate(showId).then(
      (entry) => !!entry && entry.node !== this.#o.self.node && (entry.whepPlaces ?? 0) > 0,
      () => false,
    );
    if (this.#places.size > 1000) this.#places.clear();
    this.#places.set(showId, { at: now, value });
    return value;
  }

  async #locate(showId: string): Promise<LiveEntry | null> {
    try {
      return await this.#o.directory.locate(showId);
    } catch (err) {
      this.#o.log.warn({ showId, err: (err as Error).message }, "signalling: live directory lookup failed");
      throw new AppError("unavailable", "The show's media node could not be looked up; try again.");
    }
  }

  async #pass(req: FastifyRequest, reply: FastifyReply, target: LiveEntry, showId: string): Promise<void> {
    const headers: Record<string, string> = { [NODE_TOKEN_HEADER]: this.#o.token };
    for (const name of REQUEST_HEADERS) {
      const v = req.headers[name];
      if (typeof v === "string") headers[name] = v;
    }
    const origin = ownOrigin(req);
    if (origin) headers[NODE_ORIGIN_HEADER] = origin;
    let body: string | undefined;
    if (typeof req.body === "string") body = req.body;
    else if (req.body !== undefined && req.body !== null) body = JSON.stringify(req.body);
    if (body === undefined) delete headers["content-type"];
    let res: Response;
    let bytes: Buffer;
    try {
      res = await fetch(`${target.url}${req.url}`, {
        method: req.method,
        headers,
        body,
        redirect: "manual",
        signal: AbortSignal.any([this.#abort.signal, AbortSignal.timeout(FORWARD_TIMEOUT_MS)]),
      });
      bytes = Buffer.from(await res.arrayBuffer());
    } catch (err) {
      // The media node is gone or unreachable: its directory entry (or claim) lapses within seconds.
      this.#o.log.warn({ showId, node: target.node, err: (err as Error).message }, "signalling: the show's media node did not answer");
      reply.header("retry-after", "1");
      throw new AppError("unavailable", "The show's media node did not answer; try again.");
    }
    reply.status(res.status);
    for (const name of ANSWER_HEADERS) {
      const v = res.headers.get(name);
      if (v !== null) reply.header(name, v);
    }
    const cookies = res.headers.getSetCookie();
    if (cookies.length > 0) reply.header("set-cookie", cookies);
    reply.send(bytes);
  }

  /** Renews this node's claims on shows it still holds and drops the others (with the live directory's entries). */
  async refresh(): Promise<void> {
    const url = this.#o.self.url();
    if (!url) return;
    const held = new Set<string>();
    for (const shows of this.#holders) for (const id of shows()) held.add(id);
    const node = this.#o.self.node;
    const work: Promise<unknown>[] = [];
    for (const showId of held) {
      work.push(
        this.#o.directory.claim(showId, { url, node }, CLAIM_TTL_MS).then((holder) => {
          if (holder.node === node) this.#claimed.add(showId);
        }),
      );
    }
    for (const showId of this.#claimed) {
      if (held.has(showId)) continue;
      this.#claimed.delete(showId);
      work.push(this.#o.directory.release(showId, node));
    }
    const failed = (await Promise.allSettled(work)).find((r) => r.status === "rejected");
    if (failed) this.#o.log.warn({ err: String((failed as PromiseRejectedResult).reason) }, "signalling: claim refresh failed");
  }

  /** Drops this node's claims (shutdown) and ends forwards in flight. */
  async close(): Promise<void> {
    this.#abort.abort();
    await Promise.allSettled([...this.#claimed].map((showId) => this.#o.directory.release(showId, this.#o.self.node)));
    this.#claimed.clear();
  }
}
