import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFile, spawn } from "node:child_process";
import { mkdtemp, mkdir, rm, writeFile } from "node:fs/promises";
import { readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { connect } from "node:net";
import fastify, { type FastifyInstance } from "fastify";
import { defaultFfmpegPath, defaultFfprobePath } from "../config.js";
import { AppError } from "../platform/errors.js";
import { createMedia, startSyntheticSource, type Media, type SyntheticSource } from "./index.js";
import { isAlive } from "./ffmpeg-process.js";

const execFileAsync = promisify(execFile);
const ffmpegPath = defaultFfmpegPath();
const ffprobePath = defaultFfprobePath();

const GOOD_KEY = "sk_live_good_4c7f0f1e9b2a";
const REVOKED_KEY = "sk_live_revoked_77aa01";

async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function segmentsOf(playlist: string): string[] {
  return playlist.split("\n").filter((l) => l.endsWith(".ts"));
}

async function probeStreams(file: string): Promise<Array<{ codec_type: string; codec_name: string; height?: number }>> {
  // The npm ffprobe (static, glibc) segfaults converting MPEG-TS service names through iconv: its static gconv
  // dlopen crashes. With no gconv modules to find, iconv_open fails cleanly and probing works.
  const { stdout } = await execFileAsync(
    ffprobePath,
    ["-v", "error", "-show_entries", "stream=codec_type,codec_name,height", "-of", "json", file],
    { env: { ...process.env, GCONV_PATH: "/nonexistent" } },
  );
  return JSON.parse(stdout).streams;
}

// kill(pid, 0) succeeds on a zombie; an orphan's zombie waits for whoever reaps it, so read the state.
function running(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) [ZX]/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}

it("an exiting process takes its ffmpeg children with it", async () => {
  const fixture = path.join(import.meta.dirname, "exit-hook.fixture.ts");
  const { stdout } = await execFileAsync(process.execPath, ["--import", "tsx", fixture, ffmpegPath]);
  const pid = Number(stdout.trim());
  expect(pid).toBeGreaterThan(0);
  await waitFor("the orphaned ffmpeg to die", () => !running(pid) || undefined, 3_000);
}, 15_000);

describe("media pipeline (real ffmpeg, real sockets)", () => {
  let dir: string;
  let app: FastifyInstance;
  let media: Media;
  let base: string;
  let source: SyntheticSource | null = null;
  const logLines: string[] = [];
  const keys = new Map<string, string>([[GOOD_KEY, "shw_good"]]);
  const events: string[] = [];
  const transcoderPids = new Set<number>();

  const playlist = async (showId: string) => {
    const res = await fetch(`${base}/live/${showId}/index.m3u8`);
    return res.ok ? res.text() : undefined;
  };

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "showcart-media-"));
    app = fastify({ logger: { level: "debug", stream: { write: (line: string) => void logLines.push(line) } } });
    app.setErrorHandler((err, _request, reply) => {
      if (err instanceof AppError) return reply.status(err.status).send({ error: { code: err.code, message: err.message } });
      return reply.status(500).send({ error: { code: "internal", message: "internal" } });
    });
    media = createMedia({
      ffmpegPath,
      mediaDir: path.join(dir, "media"),
      rtmpPort: 0,
      rtmpHost: "127.0.0.1",
      segmentSeconds: 2,
      listSize: 6,
      log: app.log,
      resolveStreamKey: async (key) => {
        const showId = keys.get(key);
        return showId ? { showId } : null;
      },
      onLive: (showId) => void events.push(`live:${showId}`),
      onOffline: (showId) => void events.push(`offline:${showId}`),
    });
    await app.register(media.routes);
    await media.start();
    await app.listen({ port: 0, host: "127.0.0.1" });
    const address = app.server.address();
    base = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
  });

  afterAll(async () => {
    await source?.stop();
    await media?.stop();
    await app?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("turns an RTMP publish into a 720p HLS playlist whose segments decode as H.264 + AAC", async () => {
    expect(media.rtmpPort()).toBeGreaterThan(0);
    source = startSyntheticSource({ ffmpegPath, rtmpUrl: `rtmp://127.0.0.1:${media.rtmpPort()}/live/${GOOD_KEY}`, log: app.log });
    await waitFor("onLive", () => events.includes("live:shw_good"), 10_000);
    expect(media.status().live).toEqual(["shw_good"]);

    const text = await waitFor("two segments", async () => {
      const t = await playlist("shw_good");
      return t && segmentsOf(t).length >= 2 ? t : undefined;
    }, 25_000);
    transcoderPids.add(media.transcoderPid("shw_good")!);
    expect(media.status().transcoders).toBe(1);

    const res = await fetch(`${base}/live/shw_good/index.m3u8`);
    expect(res.headers.get("content-type")).toBe("application/vnd.apple.mpegurl");
    expect(res.headers.get("cache-control")).toBe("no-cache");
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    expect(text).toMatch(/#EXT-X-TARGETDURATION:[23]\b/);

    const segment = segmentsOf(text)[0];
    const seg = await fetch(`${base}/live/shw_good/${segment}`);
    expect(seg.status).toBe(200);
    expect(seg.headers.get("content-type")).toBe("video/mp2t");
    expect(seg.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    expect(seg.headers.get("access-control-allow-origin")).toBe("*");
    const file = path.join(dir, segment);
    await writeFile(file, Buffer.from(await seg.arrayBuffer()));
    const streams = await probeStreams(file);
    expect(streams.find((s) => s.codec_type === "video")).toMatchObject({ codec_name: "h264", height: 720 });
    expect(streams.find((s) => s.codec_type === "audio")).toMatchObject({ codec_name: "aac" });
  }, 45_000);

  it("restarts a transcoder killed mid-stream and keeps the playlist growing", async () => {
    const before = await playlist("shw_good");
    const oldSegments = new Set(segmentsOf(before!));
    const pid = media.transcoderPid("shw_good")!;
    process.kill(pid, "SIGKILL");

    const newPid = await waitFor("a new transcoder", () => {
      const p = media.transcoderPid("shw_good");
      return p !== undefined && p !== pid ? p : undefined;
    }, 10_000);
    transcoderPids.add(newPid);
    const fresh = await waitFor("a segment from the new transcoder", async () => {
      const t = await playlist("shw_good");
      return t ? segmentsOf(t).find((s) => !oldSegments.has(s) && s.split("_")[0] !== [...oldSegments][0].split("_")[0]) : undefined;
    }, 20_000);
    const after = (await playlist("shw_good"))!;
    const sequence = (t: string) => Number(/#EXT-X-MEDIA-SEQUENCE:(\d+)/.exec(t)?.[1]);
    expect(sequence(after)).toBeGreaterThanOrEqual(sequence(before!));
    expect(after).toContain("#EXT-X-DISCONTINUITY");
    const file = path.join(dir, "after-restart.ts");
    await writeFile(file, Buffer.from(await (await fetch(`${base}/live/shw_good/${fresh}`)).arrayBuffer()));
    expect((await probeStreams(file)).map((s) => s.codec_name).sort()).toEqual(["aac", "h264"]);
    expect(events).toEqual(["live:shw_good"]);
  }, 40_000);

  it("disconnects a show's publisher on demand, and the same key can publish again", async () => {
    media.disconnectShow("shw_good");
    await waitFor("onOffline", () => events.includes("offline:shw_good"), 5_000);
    // The synthetic source republishes by itself after its ffmpeg dies.
    await waitFor("second onLive", () => events.filter((e) => e === "live:shw_good").length === 2, 10_000);
    expect(events).toEqual(["live:shw_good", "offline:shw_good", "live:shw_good"]);
    expect(source!.starts()).toBeGreaterThanOrEqual(2);
    transcoderPids.add(await waitFor("transcoder", () => media.transcoderPid("shw_good"), 5_000));
  }, 20_000);

  it("refuses an unknown or revoked key and a foreign app, without logging the key", async () => {
    const publish = (url: string) =>
      new Promise<number | null>((resolve) => {
        const child = spawn(ffmpegPath, [
          "-hide_banner", "-nostdin", "-loglevel", "error", "-re", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=15",
          "-t", "5", "-c:v", "libx264", "-preset", "ultrafast", "-f", "flv", url,
        ], { stdio: "ignore" });
        child.on("exit", (code) => resolve(code));
      });
    const port = media.rtmpPort();
    const started = Date.now();
    const [revoked, foreignApp] = await Promise.all([
      publish(`rtmp://127.0.0.1:${port}/live/${REVOKED_KEY}`),
      publish(`rtmp://127.0.0.1:${port}/other/${GOOD_KEY}`),
    ]);
    expect(revoked).not.toBe(0);
    expect(foreignApp).not.toBe(0);
    // Refused at publish, not after streaming the whole 5 s.
    expect(Date.now() - started).toBeLessThan(4_000);
    expect(events.filter((e) => e.includes("revoked"))).toEqual([]);
    expect((await fetch(`${base}/live/shw_revoked/index.m3u8`)).status).toBe(404);

    // Garbage instead of an RTMP handshake costs that connection only.
    await new Promise<void>((resolve) => {
      const sock = connect(port, "127.0.0.1", () => sock.write(Buffer.alloc(8192, 0x03)));
      sock.on("error", () => {});
      sock.on("close", () => resolve());
      setTimeout(() => sock.destroy(), 1000);
    });
    expect(media.status().rtmp).toBe(true);

    const logs = logLines.join("");
    expect(logs).toContain("publish refused: unknown stream key");
    expect(logs).not.toContain(REVOKED_KEY);
    expect(logs).not.toContain(GOOD_KEY);
  }, 20_000);

  it("serves only well-formed media paths", async () => {
    const showDir = path.join(dir, "media", "live", "shw_static");
    await mkdir(showDir, { recursive: true });
    await writeFile(path.join(showDir, "index.m3u8"), "#EXTM3U\n");
    await writeFile(path.join(showDir, "part_00001.m4s"), "x");
    await writeFile(path.join(showDir, "init.mp4"), "x");
    await writeFile(path.join(dir, "media", "secret.ts"), "TOP-SECRET-BYTES");
    const emptyDir = path.join(dir, "media", "live", "shw_truncated");
    await mkdir(emptyDir, { recursive: true });
    await writeFile(path.join(emptyDir, "index.m3u8"), "");

    const get = (p: string) => fetch(`${base}${p}`);
    expect((await get("/live/shw_static/index.m3u8")).status).toBe(200);
    // ffmpeg 4.1 truncates then rewrites the playlist: an empty read is retried, then answered 503, never served.
    expect((await get("/live/shw_truncated/index.m3u8")).status).toBe(503);
    expect((await get("/live/shw_static/part_00001.m4s")).headers.get("content-type")).toBe("video/iso.segment");
    expect((await get("/live/shw_static/init.mp4")).headers.get("content-type")).toBe("video/mp4");
    for (const bad of [
      "/live/shw_static/..%2F..%2Fsecret.ts",
      "/live/..%2Fshw_static/index.m3u8",
      "/live/shw_static/../../secret.ts",
      "/live/shw_static/index.m3u8.tmp",
      "/live/shw_static/other.m3u8",
      "/live/shw_static/nope_00001.ts",
      "/live/shw_static/a.exe",
      "/live/shw%20static/index.m3u8",
      "/live/nobody/index.m3u8",
    ]) {
      const res = await get(bad);
      expect(res.status, bad).toBe(404);
      expect(await res.text(), bad).not.toContain("TOP-SECRET-BYTES");
    }
  });

  it("stop() ends every ffmpeg it started and closes the ingest", async () => {
    const current = media.transcoderPid("shw_good");
    expect(current).toBeDefined();
    transcoderPids.add(current!);
    await media.stop();
    for (const pid of transcoderPids) expect(isAlive(pid), `transcoder ${pid}`).toBe(false);
    expect(media.status()).toEqual({ rtmp: false, live: [], transcoders: 0 });
    const sourcePid = source!.pid();
    await source!.stop();
    if (sourcePid) expect(isAlive(sourcePid)).toBe(false);
  }, 15_000);
});
