import path from "node:path";
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import { Counter, type Registry } from "prom-client";
import { AppError } from "../platform/errors.js";
import { type EdgeOrigin, type MediaKind, NODE_TOKEN_HEADER, sameToken } from "./edge-origin.js";
import type { LlHlsPackager } from "./ll-hls/packager.js";

const SHOW_ID = /^[A-Za-z0-9_-]{1,64}$/;
// A rung is named by its short side: 2 digits for a tiny source that the ladder does not scale up.
const RENDITION = /^\d{2,4}p$/;
const PLAYLIST = "index.m3u8";
const MEDIA_FILE = /^[a-z0-9]+-[psi]\d{1,12}\.(m4s|mp4)$/;

// The master playlist needs every rendition's codecs and size: held until each has media, at most this long.
const MASTER_WAIT_MS = 10_000;

export interface OriginRendition {
  name: string;
  packager: LlHlsPackager;
  /** Peak bits/s for BANDWIDTH (configured video + audio bitrate). */
  bandwidth: number;
}

/** What the origin serves: the renditions of a show that is live (or reconnecting), highest first. */
export interface OriginShows {
  renditions(showId: string): OriginRendition[] | undefined;
  /** Resolves when every rendition of the show has media (or the show is gone). */
  whenReady(showId: string, timeoutMs: number): Promise<void>;
  /** Every show's renditions, to release held requests when the HTTP server closes. */
  all(): OriginRendition[];
}

/** Serving shows live on other nodes (several nodes on Redis); absent on a single node. */
export interface OriginEdge {
  edge: EdgeOrigin;
  /** Requests carrying this token come from another node: answered from this node's renditions only, never forwarded. */
  token: string;
}

export function liveDir(mediaDir: string, showId: string): string {
  return path.join(mediaDir, "live", showId);
}

/** The master playlist: one EXT-X-STREAM-INF per rendition that has media. */
export function masterPlaylist(renditions: OriginRendition[]): string {
  // No EXT-X-INDEPENDENT-SEGMENTS here: a passed-through rendition may not start every segment on a keyframe; each
  // media playlist says so itself when it holds.
  const lines = ["#EXTM3U", "#EXT-X-VERSION:6"];
  for (const r of renditions) {
    const tracks = r.packager.tracks();
    if (tracks.length === 0) continue;
    const video = tracks.find((t) => t.handler === "vide");
    const codecs = tracks
      .map((t) => t.codec)
      .filter(Boolean)
      .join(",");
    const attrs = [`BANDWIDTH=${r.bandwidth}`];
    if (video && video.width > 0) attrs.push(`RESOLUTION=${video.width}x${video.height}`);
    if (codecs) attrs.push(`CODECS="${codecs}"`);
    attrs.push(`NAME="${r.name}"`);
    lines.push(`#EXT-X-STREAM-INF:${attrs.join(",")}`, `${r.name}/${PLAYLIST}`);
  }
  return lines.join("\n") + "\n";
}

function parseDirective(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "string" || !/^\d{1,12}$/.test(value)) throw new AppError("invalid_query");
  return Number(value);
}

const M3U8 = "application/vnd.apple.mpegurl";

// A held request that ran out of time is routine in LL-HLS (an encoder reconnecting, a viewer asking ahead), not a
// server fault: answered like AppError("unavailable") but without the error-level log line the error handler writes.
function heldTooLong(reply: FastifyReply) {
  const e = new AppError("unavailable");
  return reply
    .status(e.status)
    .header("retry-after", "1")
    .send({ error: { code: e.code, message: e.message } });
}
const IMMUTABLE = "public, max-age=31536000, immutable";

function kindOf(file: string): MediaKind {
  const letter = /-([psi])\d/.exec(file)?.[1];
  return letter === "p" ? "part" : letter === "s" ? "segment" : "init";
}

/**
 * LL-HLS origin, all from memory:
 *   GET /live/:showId/index.m3u8                       master playlist
 *   GET /live/:showId/:rendition/index.m3u8            media playlist; `_HLS_msn`/`_HLS_part` block (RFC 8216bis)
 *   GET /live/:showId/:rendition/<tag>-{i,p,s}<n>.*    init section, part, segment; the hinted next part blocks
 */
export function hlsOriginRoutes(shows: OriginShows, opts: { remote?: OriginEdge; metrics?: Registry } = {}): FastifyPluginAsync {
  const remote = opts.remote;
  const served = opts.metrics
    ? new Counter({
        name: "showcart_hls_requests_total",
        help: "Live HLS requests answered by this node: role origin (a viewer, from this node's renditions), edge (a viewer, for a show ingested on another node), node (another node's edge fetch).",
        labelNames: ["role", "kind", "rendition"],
        registers: [opts.metrics],
      })
    : undefined;
  // Another node's request (valid token): local only. A wrong token is a misconfigured node (SECRETS_KEY differs).
  const fromNode = (request: FastifyRequest): boolean => {
    const given = request.headers[NODE_TOKEN_HEADER];
    if (given === undefined || !remote) return false;
    if (typeof given !== "string" || !sameToken(given, remote.token)) throw new AppError("forbidden", "Unknown node token.");
    return true;
  };
  // The show is not on air here: another node may have it.
  const viaEdge = async (reply: FastifyReply, showId: string, path: string, kind: MediaKind, rendition: string, directive?: { msn: number; part?: number }) => {
    const res = await remote!.edge.fetch(showId, path, kind, directive);
    if (!res) throw new AppError("not_found");
    served?.inc({ role: "edge", kind, rendition });
    reply.status(res.status);
    if (res.contentType) reply.header("content-type", res.contentType);
    if (res.cacheControl) reply.header("cache-control", res.cacheControl);
    if (res.retryAfter) reply.header("retry-after", res.retryAfter);
    return reply.send(res.body);
  };
  const renditionOf = async (showId: string, name: string, holdMs: number): Promise<OriginRendition> => {
    if (!SHOW_ID.test(showId) || !RENDITION.test(name)) throw new AppError("not_found");
    // Between go-live and the probe of the source (which decides the rungs) an on-air show has none yet: a player
    // that kept a rendition's URL waits for them rather than getting a 404.
    if (shows.renditions(showId)?.length === 0) await shows.whenReady(showId, holdMs);
    const r = shows.renditions(showId)?.find((x) => x.name === name);
    if (!r) throw new AppError("not_found");
    return r;
  };
  const cors = (reply: FastifyReply) => reply.header("access-control-allow-origin", "*");

  return async (app) => {
    // Held requests would keep the HTTP server from closing for up to 3 target durations: answer them now.
    let closing = false;
    app.addHook("preClose", async () => {
      closing = true;
      for (const r of shows.all()) r.packager.releaseHeld();
    });
    const hold = (ms: number) => (closing ? 0 : ms);
    // A 404 while a show is going live, a 503 while held too long: neither may be cached by a CDN in front.
    app.addHook("onSend", async (_request, reply, payload) => {
      if (reply.statusCode >= 400) reply.header("cache-control", "no-store");
      return payload;
    });
    if (remote) app.addHook("preClose", async () => remote.edge.close());

    app.get<{ Params: { showId: string } }>(`/live/:showId/${PLAYLIST}`, async (request, reply) => {
      // The player embeds on merchants' sites, so media is readable cross-origin (errors included).
      cors(reply);
      const { showId } = request.params;
      if (!SHOW_ID.test(showId)) throw new AppError("not_found");
      const node = fromNode(request);
      if (!shows.renditions(showId)) {
        if (remote && !node) return viaEdge(reply, showId, PLAYLIST, "master", "");
        throw new AppError("not_found");
      }
      served?.inc({ role: node ? "node" : "origin", kind: "master", rendition: "" });
      await shows.whenReady(showId, hold(MASTER_WAIT_MS));
      const renditions = shows.renditions(showId);
      if (!renditions) throw new AppError("not_found");
      const body = masterPlaylist(renditions);
      if (!body.includes("#EXT-X-STREAM-INF")) throw new AppError("unavailable");
      return reply.header("content-type", M3U8).header("cache-control", "no-cache").send(body);
    });

    app.get<{ Params: { showId: string; rendition: string }; Querystring: Record<string, unknown> }>(
      `/live/:showId/:rendition/${PLAYLIST}`,
      async (request, reply) => {
        cors(reply);
        const { showId, rendition } = request.params;
        const msn = parseDirective(request.query._HLS_msn);
        const part = parseDirective(request.query._HLS_part);
        if (part !== undefined && msn === undefined) throw new AppError("invalid_query");
        const node = fromNode(request);
        if (remote && !node && SHOW_ID.test(showId) && RENDITION.test(rendition) && !shows.renditions(showId)) {
          return viaEdge(reply, showId, `${rendition}/${PLAYLIST}`, "playlist", rendition, msn === undefined ? undefined : { msn, part });
        }
        const { packager } = await renditionOf(showId, rendition, hold(MASTER_WAIT_MS));
        served?.inc({ role: node ? "node" : "origin", kind: "playlist", rendition });
        const holdMs = hold(packager.targetDuration * 3 * 1000);
        if (msn !== undefined) {
          if (packager.checkBlocking(msn, part) === "bad_request") throw new AppError("invalid_query");
          // RFC 8216bis §6.2.5.2: hold until the playlist has it; beyond three target durations → 503.
          if (!(await packager.waitForPlaylist(msn, part, holdMs))) return heldTooLong(reply);
        } else if (!packager.hasMedia()) {
          // Between go-live and the first part (a second or so): wait briefly rather than 404 the player.
          await packager.waitForPlaylist(0, 0, holdMs);
          if (!packager.hasMedia()) return heldTooLong(reply);
        }
        return (
          reply
            .header("content-type", M3U8)
            // A blocking response is for one delivery directive (a unique URL), so it may be cached briefly.
            .header("cache-control", msn !== undefined ? `public, max-age=${packager.targetDuration}` : "no-cache")
            .send(
              packager.playlist(
                (shows.renditions(request.params.showId) ?? [])
                  .filter((r) => r.name !== request.params.rendition)
                  .map((r) => ({ uri: `../${r.name}/${PLAYLIST}`, packager: r.packager })),
              ),
            )
        );
      },
    );

    app.get<{ Params: { showId: string; rendition: string; file: string } }>("/live/:showId/:rendition/:file", async (request, reply) => {
      cors(reply);
      const { file } = request.params;
      const match = MEDIA_FILE.exec(file);
      if (!match) throw new AppError("not_found");
      const { showId, rendition } = request.params;
      const node = fromNode(request);
      if (remote && !node && SHOW_ID.test(showId) && RENDITION.test(rendition) && !shows.renditions(showId)) {
        return viaEdge(reply, showId, `${rendition}/${file}`, kindOf(file), rendition);
      }
      const { packager } = await renditionOf(showId, rendition, hold(MASTER_WAIT_MS));
      served?.inc({ role: node ? "node" : "origin", kind: kindOf(file), rendition });
      const found = packager.resource(file);
      let bytes: Buffer | undefined;
      if (found === "pending") {
        // A preload hint: answer as soon as the part exists.
        bytes = await packager.waitForPart(file, hold(packager.targetDuration * 3 * 1000));
        if (!bytes) return heldTooLong(reply);
      } else if (found) {
        bytes = found.bytes;
      }
      if (!bytes) throw new AppError("not_found");
      return (
        reply
          .header("content-type", match[1] === "mp4" ? "video/mp4" : "video/iso.segment")
          // Names are never reused (a random tag per live session, numbers only grow), so they cache forever.
          .header("cache-control", IMMUTABLE)
          .send(bytes)
      );
    });
  };
}
