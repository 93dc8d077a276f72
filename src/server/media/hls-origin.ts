import { open, readFile } from "node:fs/promises";
import path from "node:path";
import type { FastifyPluginAsync } from "fastify";
import { AppError } from "../platform/errors.js";

const SHOW_ID = /^[A-Za-z0-9_-]{1,64}$/;
const PLAYLIST = "index.m3u8";
const SEGMENT = /^[A-Za-z0-9_-]{1,64}\.(ts|m4s|mp4)$/;

const SEGMENT_TYPES: Record<string, string> = {
  ts: "video/mp2t",
  m4s: "video/iso.segment",
  mp4: "video/mp4",
};

const PLAYLIST_READ_ATTEMPTS = 5;
const PLAYLIST_RETRY_MS = 15;

// ffmpeg 4.1's HLS muxer rewrites the playlist in place (open O_TRUNC, then write; its rename path is broken),
// so a read can land between the two and see an empty file. A complete playlist starts with #EXTM3U and ends
// with a newline; anything else is read again shortly after.
async function readPlaylist(file: string): Promise<Buffer> {
  for (let attempt = 1; ; attempt++) {
    const body = await readFile(file).catch(() => null);
    if (!body) throw new AppError("not_found");
    if (body.subarray(0, 7).toString() === "#EXTM3U" && body[body.length - 1] === 0x0a) return body;
    if (attempt === PLAYLIST_READ_ATTEMPTS) throw new AppError("unavailable");
    await new Promise((resolve) => setTimeout(resolve, PLAYLIST_RETRY_MS));
  }
}

export function liveDir(mediaDir: string, showId: string): string {
  return path.join(mediaDir, "live", showId);
}

/** GET /live/:showId/index.m3u8 and /live/:showId/<segment>, straight from the transcoder's output directory. */
export function hlsOriginRoutes(mediaDir: string): FastifyPluginAsync {
  return async (app) => {
    app.get<{ Params: { showId: string; file: string } }>("/live/:showId/:file", async (request, reply) => {
      const { showId, file } = request.params;
      // The player embeds on merchants' sites, so media is readable cross-origin (errors included).
      reply.header("access-control-allow-origin", "*");
      if (!SHOW_ID.test(showId)) throw new AppError("not_found");
      const dir = liveDir(mediaDir, showId);

      if (file === PLAYLIST) {
        const body = await readPlaylist(path.join(dir, PLAYLIST));
        return reply
          .header("content-type", "application/vnd.apple.mpegurl")
          .header("cache-control", "no-cache")
          .send(body);
      }

      const match = SEGMENT.exec(file);
      if (!match) throw new AppError("not_found");
      // Open first, then stat the handle: a segment deleted after open (delete_segments) still reads in full.
      const handle = await open(path.join(dir, file), "r").catch(() => null);
      if (!handle) throw new AppError("not_found");
      try {
        const stat = await handle.stat();
        if (!stat.isFile()) throw new AppError("not_found");
        reply
          .header("content-type", SEGMENT_TYPES[match[1]])
          .header("content-length", String(stat.size))
          // Segment names are never reused (one name prefix per transcoder run), so they can be cached forever.
          .header("cache-control", "public, max-age=31536000, immutable");
      } catch (err) {
        await handle.close();
        throw err;
      }
      return reply.send(handle.createReadStream());
    });
  };
}
