import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import type { IngestServerFrame } from "../../protocol/api.js";
import { login } from "../../../test/support/http.js";
import { startTestServer, type TestServer } from "../../../test/support/server.js";
import { defaultFfmpegPath } from "../config.js";
import { browserIngestArgs, loopbackRtmpUrl } from "./browser-ingest.js";
import { until as waitUntil } from "../../../test/support/until.js";

const execFileAsync = promisify(execFile);

/** An ingest socket that records server frames and its close code. */
class IngestClient {
  frames: IngestServerFrame[] = [];
  closed: { code: number; reason: string } | null = null;
  readonly closedP: Promise<{ code: number; reason: string }>;
  constructor(readonly ws: WebSocket) {
    ws.on("message", (raw, binary) => {
      if (!binary) this.frames.push(JSON.parse(raw.toString()) as IngestServerFrame);
    });
    this.closedP = new Promise((resolve) =>
      ws.on("close", (code, reason) => {
        this.closed = { code, reason: reason.toString() };
        resolve(this.closed);
      }),
    );
  }
  static async open(url: string, cookie?: string): Promise<IngestClient> {
    const ws = new WebSocket(url, { headers: cookie ? { cookie } : {} });
    const c = new IngestClient(ws);
    await new Promise((resolve, reject) => {
      ws.once("open", resolve);
      ws.once("error", reject);
    });
    return c;
  }
  async waitFor(pred: (f: IngestServerFrame) => boolean, ms: number): Promise<IngestServerFrame> {
    const deadline = Date.now() + ms;
    for (;;) {
      const f = this.frames.find(pred);
      if (f) return f;
      if (Date.now() > deadline || this.closed) throw new Error(`no such frame; got ${JSON.stringify(this.frames)} closed ${JSON.stringify(this.closed)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

describe("browser go-live over /ws/ingest", () => {
  let server: TestServer;
  let ws: string;
  let hostCookie: string;
  let webm: Buffer;
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "showcart-ingest-"));
    const file = path.join(dir, "camera.webm");
    // What a browser without H.264 recording sends: VP8 + Opus in WebM (the server transcodes the video to H.264).
    const gen = execFileAsync(defaultFfmpegPath(), [
      "-hide_banner",
      "-loglevel",
      "error",
      "-y",
      "-f",
      "lavfi",
      "-i",
      "testsrc=size=640x360:rate=25",
      "-f",
      "lavfi",
      "-i",
      "sine=frequency=440:sample_rate=48000",
      "-t",
      "20",
      "-c:v",
      "libvpx",
      "-deadline",
      "realtime",
      "-cpu-used",
      "8",
      "-b:v",
      "300k",
      "-g",
      "50",
      "-c:a",
      "libopus",
      "-b:a",
      "48k",
      "-f",
      "webm",
      file,
    ]);
    // The default 30 s reconnect grace: a deliberate Stop must still turn the show offline at once.
    [server] = await Promise.all([startTestServer({ synthetic: false, env: { RECONNECT_GRACE_SECONDS: "30" } }), gen]);
    webm = await readFile(file);
    ws = server.url.replace("http", "ws");
    hostCookie = await login(server.url, server.demo.hostEmail, server.demo.hostPassword);
  }, 180_000);

  afterAll(async () => {
    await server?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("builds ffmpeg arguments that copy H.264 and transcode anything else", () => {
    const url = `${loopbackRtmpUrl("0.0.0.0", 1935)}/sk_secret`;
    expect(url).toBe("rtmp://127.0.0.1:1935/live/sk_secret");
    const copy = browserIngestArgs("video/webm;codecs=h264,opus", url);
    expect(copy.join(" ")).toContain("-c:v copy");
    const vp8 = browserIngestArgs("video/webm;codecs=vp8,opus", url);
    expect(vp8.join(" ")).toContain("-c:v libx264");
    expect(vp8.at(-1)).toBe(url);
  });

  it("refuses a socket without a session, and one from an account that does not manage the show", async () => {
    const anon = await IngestClient.open(`${ws}/ws/ingest/${server.demo.showId}`);
    anon.ws.send(JSON.stringify({ t: "ingest.start", d: { mimeType: "video/webm;codecs=vp8,opus" } }));
    expect((await anon.closedP).code).toBe(4401);
    expect(anon.frames[0]).toMatchObject({ t: "error", d: { code: "unauthenticated" } });

    const merchant = await server.services.catalog.createMerchant("Other Shop");
    await server.services.accounts.createAccount({
      email: "other-host@example.com",
      password: "other-password-1",
      displayName: "Other",
      role: "host",
      merchantId: merchant.id,
    });
    const otherCookie = await login(server.url, "other-host@example.com", "other-password-1");
    const other = await IngestClient.open(`${ws}/ws/ingest/${server.demo.showId}`, otherCookie);
    expect((await other.closedP).code).toBe(4403);
    expect(other.frames[0]).toMatchObject({ t: "error", d: { code: "forbidden" } });
    expect(server.services.media.status().live).toEqual([]);
  });

  it("refuses an unknown container and a flood of data with an error frame and a policy close", async () => {
    const bad = await IngestClient.open(`${ws}/ws/ingest/${server.demo.showId}`, hostCookie);
    bad.ws.send(JSON.stringify({ t: "ingest.start", d: { mimeType: "audio/ogg" } }));
    expect((await bad.closedP).code).toBe(1008);
    expect(bad.frames[0]).toMatchObject({ t: "error", d: { code: "invalid_body" } });

    const flood = await IngestClient.open(`${ws}/ws/ingest/${server.demo.showId}`, hostCookie);
    const frame = Buffer.alloc(16_000);
    for (let i = 0; i < 400 && flood.ws.readyState === WebSocket.OPEN; i++) flood.ws.send(frame);
    expect((await flood.closedP).code).toBe(1008);
    expect(flood.frames.find((f) => f.t === "error")).toMatchObject({ d: { code: "rate_limited" } });
    expect(server.services.media.status().live).toEqual([]);
  });

  it("takes the host's WebM over a real WebSocket live: the show turns live and HLS appears; stop ends it", async () => {
    const { showId } = server.demo;
    const c = await IngestClient.open(`${ws}/ws/ingest/${showId}`, hostCookie);
    c.ws.send(JSON.stringify({ t: "ingest.start", d: { mimeType: "video/webm;codecs=vp8,opus" } }));
    await c.waitFor((f) => f.t === "ingest.accepted", 10_000);

    // Paced at the file's own bitrate in frames under the 16 KiB WebSocket limit, like a recorder's timeslices.
    const chunk = 8 * 1024;
    const perChunkMs = (chunk / webm.length) * 20_000;
    let offset = 0;
    let sending = true;
    const pump = (async () => {
      while (sending && offset < webm.length && c.ws.readyState === WebSocket.OPEN) {
        c.ws.send(webm.subarray(offset, offset + chunk));
        offset += chunk;
        await new Promise((r) => setTimeout(r, perChunkMs));
      }
    })();

    await c.waitFor((f) => f.t === "ingest.live", 30_000);
    await waitUntil("show status live", async () => (await server.services.shows.show(showId)).status === "live", 10_000);
    // The playback URL is a master playlist (renditions) or a media playlist; either way media must be listed.
    const playlist = await waitUntil(
      "HLS playlist with media",
      async () => {
        const url = new URL(`/live/${showId}/index.m3u8`, server.url);
        let text = await fetch(url).then((r) => (r.status === 200 ? r.text() : ""));
        const rendition = /#EXT-X-STREAM-INF[^\n]*\n([^\n#]+)/.exec(text)?.[1];
        if (rendition) text = await fetch(new URL(rendition.trim(), url)).then((r) => (r.status === 200 ? r.text() : ""));
        return /#EXTINF|#EXT-X-PART:/.test(text) ? text : undefined;
      },
      40_000,
    );
    expect(playlist).toContain("#EXTM3U");
    await c.waitFor((f) => f.t === "ingest.stats" && f.d.receivedBytesPerSecond > 0, 5_000);

    // A second publisher for the same show is refused while this one is live.
    const second = await IngestClient.open(`${ws}/ws/ingest/${showId}`, hostCookie);
    second.ws.send(JSON.stringify({ t: "ingest.start", d: { mimeType: "video/webm;codecs=vp8,opus" } }));
    expect((await second.closedP).code).toBe(4409);
    expect(second.frames[0]).toMatchObject({ t: "error", d: { code: "already_publishing" } });

    sending = false;
    await pump;
    c.ws.send(JSON.stringify({ t: "ingest.stop" }));
    expect((await c.closedP).code).toBe(1000);
    await waitUntil("show offline", async () => (await server.services.shows.show(showId)).status === "offline", 15_000);
    expect(server.services.media.status().live).toEqual([]);
  }, 180_000);
});
