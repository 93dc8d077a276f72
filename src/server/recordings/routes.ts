import path from "node:path";
import type { Readable } from "node:stream";
import type { FastifyInstance } from "fastify";
import { AppError } from "../platform/errors.js";
import type { ShowService } from "../shows/index.js";
import { sessionPlaylist } from "./playlist.js";
import { PREVIEW, POSTER, SESSION_PLAYLIST, type RecordingService } from "./service.js";
import { LocalRecordingStorage, type RecordingStorage, type StoredFile } from "./storage.js";

const SHOW_ID = /^[A-Za-z0-9_-]{1,64}$/;
const RECORDING_ID = /^rec_[A-Za-z0-9_-]{1,64}$/;
const PLAYLIST = "index.m3u8";
const SEGMENT = /^seg_\d{5,9}\.ts$/;

const STATIC_TYPES: Record<string, string> = { [POSTER]: "image/jpeg", [PREVIEW]: "video/mp4" };
const IMMUTABLE = "public, max-age=31536000, immutable";

async function readAll(file: StoredFile): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of (await file.read()) as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

type FindFile = (key: string, name: string) => Promise<StoredFile | null>;

// While recording, ffmpeg rewrites the playlist in place (truncate, then write): retry a read that caught it empty.
async function readPlaylist(find: FindFile, key: string): Promise<Buffer> {
  for (let attempt = 1; ; attempt++) {
    const file = await find(key, PLAYLIST);
    const body = file ? await readAll(file).catch(() => null) : null;
    if (!body) throw new AppError("not_found");
    if (body.subarray(0, 7).toString() === "#EXTM3U" && body[body.length - 1] === 0x0a) return body;
    if (attempt === 5) throw new AppError("unavailable");
    await new Promise((resolve) => setTimeout(resolve, 15));
  }
}

function parseRange(header: string | undefined, size: number): { start: number; end: number } | "invalid" | null {
  if (!header) return null;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === "" && m[2] === "")) return "invalid";
  let start: number;
  let end: number;
  if (m[1] === "") {
    start = Math.max(0, size - Number(m[2]));
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === "" ? size - 1 : Math.min(Number(m[2]), size - 1);
  }
  return start <= end && start < size ? { start, end } : "invalid";
}

/** GET /vod/:showId/:recordingId/<index.m3u8|seg_NNNNN.ts|poster.jpg|preview.mp4> and the recordings list. */
export function registerRecordingRoutes(
  app: FastifyInstance,
  deps: { recordings: RecordingService; shows: ShowService; mediaDir: string; storage?: RecordingStorage },
) {
  // This node's disk first (a recording still being written, or one whose upload failed), then the shared storage.
  const local = new LocalRecordingStorage(deps.mediaDir);
  const shared = deps.storage && deps.storage.kind !== "local" ? deps.storage : null;
  const find: FindFile = async (key, name) => (await local.file(key, name)) ?? (shared ? await shared.file(key, name) : null);
  const keyOf = (showId: string, recordingId: string) => path.posix.join("recordings", showId, recordingId);

  app.get<{ Params: { showId: string; recordingId: string; file: string } }>("/vod/:showId/:recordingId/:file", async (req, reply) => {
    const { showId, recordingId, file } = req.params;
    reply.header("access-control-allow-origin", "*");
    // Every part is matched against a strict pattern before it touches a path: no dots, no slashes, no escapes.
    if (!SHOW_ID.test(showId) || !RECORDING_ID.test(recordingId)) throw new AppError("not_found");
    const key = keyOf(showId, recordingId);

    if (file === SESSION_PLAYLIST) {
      const parts = await deps.recordings.latestSession(showId, recordingId);
      if (parts.length === 0) throw new AppError("not_found");
      const texts = await Promise.all(parts.map(async (p) => ({ id: p.id, text: (await readPlaylist(find, keyOf(showId, p.id))).toString("utf8") })));
      return reply.header("content-type", "application/vnd.apple.mpegurl").header("cache-control", "public, max-age=3600").send(sessionPlaylist(texts));
    }

    if (file === PLAYLIST) {
      const body = await readPlaylist(find, key);
      // A finished recording's playlist changes no more; one still recording grows.
      const finished = body.includes("#EXT-X-ENDLIST");
      return reply
        .header("content-type", "application/vnd.apple.mpegurl")
        .header("cache-control", finished ? "public, max-age=3600" : "no-cache")
        .send(body);
    }

    const type = SEGMENT.test(file) ? "video/mp2t" : STATIC_TYPES[file];
    if (!type) throw new AppError("not_found");
    const stored = await find(key, file);
    if (!stored) throw new AppError("not_found");
    // Names are never reused (a new recording gets a new id), so every file here can be cached forever.
    reply.header("content-type", type).header("cache-control", IMMUTABLE).header("accept-ranges", "bytes");
    const range = parseRange(req.headers.range, stored.size);
    if (range === "invalid") return reply.status(416).header("content-range", `bytes */${stored.size}`).send();
    let body: Readable;
    if (range) {
      body = await stored.read(range);
      reply
        .status(206)
        .header("content-range", `bytes ${range.start}-${range.end}/${stored.size}`)
        .header("content-length", String(range.end - range.start + 1));
    } else {
      body = await stored.read();
      reply.header("content-length", String(stored.size));
    }
    return reply.send(body);
  });

  app.get<{ Params: { idOrSlug: string } }>("/api/shows/:idOrSlug/recordings", async (req) => {
    const show = await deps.shows.show(req.params.idOrSlug);
    const list = await deps.recordings.recordings(show.id);
    return { recordings: list.filter((r) => r.status === "ready") };
  });
}
