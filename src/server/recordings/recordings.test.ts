import { existsSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backends, openTestDb } from "../../../test/support/db.js";
import { orderBody } from "../../../test/support/fixtures.js";
import { startTestServer, type TestServer } from "../../../test/support/server.js";
import { defaultFfmpegPath } from "../config.js";
import { startSyntheticSource, type SyntheticSource } from "../media/index.js";
import { finalisePlaylist, summarisePlaylist } from "./playlist.js";
import { untilRecorded } from "../../../test/support/recording.js";
import { until } from "../../../test/support/until.js";

// One real live session (synthetic ffmpeg source → our RTMP ingest → recorder) shared by the tests below. The source
// is stopped once the recording reaches past the pin; streamedSeconds is how long it was live from the recording's start.

describe("recordings", () => {
  let server: TestServer;
  let source: SyntheticSource;
  let pinnedFrom = 0;
  let pinnedTo = 0;
  let pinnedOfferId = "";
  let unpinnedOfferId = "";
  let streamedSeconds = 0;

  beforeAll(async () => {
    // 2 s recording segments: the playlist shows the recording's progress sooner (the source is stopped on it below); a
    // 3 s preview clip, as short as allowed: the test looks at its container, not its length. One rung (240p) in the
    // live ladder instead of three: nothing here watches the live HLS.
    server = await startTestServer({
      demo: true,
      synthetic: false,
      env: { RECONNECT_GRACE_SECONDS: "1", RECORDING_SEGMENT_SECONDS: "2", PREVIEW_SECONDS: "3", HLS_LADDER: "240" },
    });
    const { shows, offers, catalog, recordings } = server.services;
    const show = await shows.show(server.demo.showId);
    const products = await catalog.productsOf(show.merchantId);
    source = startSyntheticSource({
      ffmpegPath: process.env.FFMPEG_PATH ?? defaultFfmpegPath(),
      rtmpUrl: `${server.rtmpUrl}/${server.demo.streamKey}`,
      // A cap only: the source is stopped once the recording has gone past the pin.
      durationSeconds: 60,
      restartDelayMs: 600_000,
    });
    await until("recording", () => recordings.isRecording(show.id));
    const rec = await until("recording row", async () => (await recordings.recordings(show.id))[0]);
    // Pinned well after the recording's start, so its marker cannot pass for the at-start one (0 s).
    await new Promise((r) => setTimeout(r, 2000));
    // The pin happens somewhere inside the create call (which took 1.8 s once on a loaded machine): bracket it.
    pinnedFrom = (Date.now() - Date.parse(rec.startedAt)) / 1000;
    const pinned = await offers.create(show.id, products[1], { showPrice: 999, quantity: 5, durationSeconds: 3600, pin: true });
    pinnedOfferId = pinned.id;
    pinnedTo = (Date.now() - Date.parse(rec.startedAt)) / 1000;
    // Created, never pinned: sold only once the show is over.
    unpinnedOfferId = (await offers.create(show.id, products[2], { showPrice: 500, quantity: 3, durationSeconds: 3600 })).id;
    // The pin inside the recording with time to spare: finished segments reaching a second past it.
    await untilRecorded(server, show.id, pinnedTo + 1);
    await source.stop();
    streamedSeconds = (Date.now() - Date.parse(rec.startedAt)) / 1000;
    await until("offline", async () => (await shows.show(show.id)).status === "offline", 60_000);
    await until("recording finalised", async () => (await recordings.recordings(show.id))[0]?.status === "ready");
    await recordings.idle();
  }, 120_000);

  afterAll(async () => {
    await source?.stop();
    await server?.close();
  });

  it("records the live session as a finished VOD playlist with a poster and a preview clip", async () => {
    const [rec] = await server.services.recordings.recordings(server.demo.showId);
    expect(rec.status).toBe("ready");
    expect(rec.durationSeconds).toBeGreaterThan(streamedSeconds - 3);
    expect(rec.durationSeconds).toBeLessThan(streamedSeconds + 3);
    const res = await fetch(`${server.url}${rec.playbackUrl}`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/vnd.apple.mpegurl");
    const text = await res.text();
    expect(text).toMatch(/#EXT-X-PLAYLIST-TYPE:VOD/);
    expect(text).toMatch(/#EXT-X-ENDLIST/);
    const segment = /^seg_\d+\.ts$/m.exec(text)?.[0];
    const seg = await fetch(`${server.url}${rec.playbackUrl.replace("index.m3u8", segment!)}`);
    expect(seg.headers.get("content-type")).toBe("video/mp2t");
    expect(seg.headers.get("cache-control")).toMatch(/immutable/);
    expect((await seg.arrayBuffer()).byteLength).toBeGreaterThan(1000);

    expect(rec.posterUrl).toMatch(/poster\.jpg$/);
    const poster = await fetch(`${server.url}${rec.posterUrl}`);
    expect(poster.headers.get("content-type")).toBe("image/jpeg");
    expect(Buffer.from(await poster.arrayBuffer()).subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
    expect(rec.previewUrl).toMatch(/preview\.mp4$/);
    const part = await fetch(`${server.url}${rec.previewUrl}`, { headers: { range: "bytes=0-15" } });
    expect(part.status).toBe(206);
    expect(part.headers.get("content-type")).toBe("video/mp4");
    expect(
      Buffer.from(await part.arrayBuffer())
        .subarray(4, 8)
        .toString(),
    ).toBe("ftyp");
  });

  it("makes a poster and preview at start for a recording a shutdown left without them, and only once", async () => {
    const { recordings } = server.services;
    const [rec] = await recordings.recordings(server.demo.showId);
    const dir = path.join(server.mediaDir, "recordings", server.demo.showId, rec.id);
    // As a server stopped while cutting them leaves it: no files, no flags, no attempt recorded.
    rmSync(path.join(dir, "poster.jpg"), { force: true });
    rmSync(path.join(dir, "preview.mp4"), { force: true });
    await server.db.db.updateTable("recordings").set({ has_poster: false, has_preview: false, derivatives_at: null }).where("id", "=", rec.id).execute();
    expect((await recordings.recordings(server.demo.showId))[0]).toMatchObject({ posterUrl: null, previewUrl: null });
    expect(await recordings.makeMissingDerivatives()).toBe(1);
    const again = (await recordings.recordings(server.demo.showId))[0]!;
    expect(again.posterUrl).toMatch(/poster\.jpg$/);
    expect(again.previewUrl).toMatch(/preview\.mp4$/);
    expect(existsSync(path.join(dir, "poster.jpg")) && existsSync(path.join(dir, "preview.mp4"))).toBe(true);
    expect(await recordings.makeMissingDerivatives()).toBe(0);
  });

  it("gives the show a replay with a marker where the offer was pinned", async () => {
    const res = await fetch(`${server.url}/api/shows/${server.demo.slug}`);
    const { show } = (await res.json()) as {
      show: {
        status: string;
        replay: { playbackUrl: string; durationSeconds: number; posterUrl: string; markers: { offerId: string; atSeconds: number; title: string }[] };
      };
    };
    expect(show.status).toBe("offline");
    expect(show.replay.playbackUrl).toMatch(/^\/vod\/shw_[^/]+\/rec_[^/]+\/index\.m3u8$/);
    expect(show.replay.posterUrl).toMatch(/poster\.jpg$/);
    const marker = show.replay.markers.find((m) => m.offerId === pinnedOfferId);
    expect(marker).toBeDefined();
    expect(marker!.atSeconds).toBeGreaterThan(pinnedFrom - 1);
    expect(marker!.atSeconds).toBeLessThan(pinnedTo + 1);
    // The demo offer was pinned before the show went live: it is on screen from the first second.
    expect(show.replay.markers[0].atSeconds).toBe(0);
  });

  it("sells an open offer from the replay even when it is not pinned", async () => {
    const { order } = await server.services.orders.placeOrder(orderBody(unpinnedOfferId), "key-replay-unpinned-1");
    expect(order.status).toBe("paid");
  });

  it("refuses paths outside the recordings with 404 not_found", async () => {
    const [rec] = await server.services.recordings.recordings(server.demo.showId);
    const base = rec.playbackUrl.replace("/index.m3u8", "");
    for (const p of [
      `${base}/..%2F..%2Fpglite`,
      `${base}/seg_1.ts`,
      `${base}/other.m3u8`,
      `/vod/${server.demo.showId}/notarec/index.m3u8`,
      `/vod/..%2F/rec_x/index.m3u8`,
      `${base}/seg_99999.ts`,
    ]) {
      const res = await fetch(`${server.url}${p}`);
      expect(res.status, p).toBe(404);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe("not_found");
    }
    const bad = await fetch(`${server.url}${rec.previewUrl}`, { headers: { range: "bytes=999999999-" } });
    expect(bad.status).toBe(416);
  });
});

describe("recording playlists", () => {
  it("finalises a killed recorder's EVENT playlist as VOD with an ENDLIST", async () => {
    const dir = path.join(process.env.TMPDIR ?? "/tmp", `showcart-pl-${process.pid}`);
    const { mkdirSync, writeFileSync, rmSync } = await import("node:fs");
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, "index.m3u8");
    writeFileSync(
      file,
      "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:4\n#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-PLAYLIST-TYPE:EVENT\n#EXTINF:4.000000,\nseg_00000.ts\n#EXTINF:2.500000,\nseg_00001.ts\n",
    );
    expect(await finalisePlaylist(file)).toEqual({ segments: 2, durationMs: 6500, ended: true });
    const text = readFileSync(file, "utf8");
    expect(summarisePlaylist(text)).toEqual({ segments: 2, durationMs: 6500, ended: true });
    expect(text).toMatch(/PLAYLIST-TYPE:VOD\n/);
    expect(existsSync(`${file}.tmp`)).toBe(false);
    rmSync(dir, { recursive: true, force: true });
  });
});

describe.each(backends)("pin timeline and recovery on %s (no ffmpeg)", (backend) => {
  it("turns pins into replay markers and finalises a recording a dead process left behind", async () => {
    const { commerceFixture } = await import("../../../test/support/fixtures.js");
    const { RecordingService } = await import("./service.js");
    const { mkdtempSync, mkdirSync, writeFileSync, rmSync } = await import("node:fs");
    const os = await import("node:os");
    const handle = await openTestDb(backend);
    const mediaDir = mkdtempSync(path.join(os.tmpdir(), "showcart-rec-"));
    try {
      const f = await commerceFixture(handle);
      const a = await f.offers.create(f.show.id, f.product, { showPrice: 100, quantity: 5, durationSeconds: 600, pin: true });
      f.clock.advance(10_000);
      // A recording row from a process that died 10 s after go-live, with two segments on disk.
      const rel = `recordings/${f.show.id}/rec_dead1`;
      mkdirSync(path.join(mediaDir, rel), { recursive: true });
      writeFileSync(path.join(mediaDir, rel, "index.m3u8"), "#EXTM3U\n#EXT-X-PLAYLIST-TYPE:EVENT\n#EXTINF:4.0,\nseg_00000.ts\n#EXTINF:4.0,\nseg_00001.ts\n");
      await f.db
        .insertInto("recordings")
        .values({
          id: "rec_dead1",
          show_id: f.show.id,
          status: "recording",
          started_at: f.clock.now(),
          ended_at: null,
          duration_ms: null,
          path: rel,
          has_poster: false,
          has_preview: false,
        })
        .execute();
      f.clock.advance(3000);
      const b = await f.offers.create(f.show.id, f.product, { showPrice: 200, quantity: 5, durationSeconds: 600, pin: true });
      f.clock.advance(2000);
      await f.offers.end(b.id);

      const recordings = new RecordingService({
        db: f.db,
        clock: f.clock,
        offers: f.offers,
        ffmpegPath: "/nonexistent",
        mediaDir,
        log: silentLog(),
        playUrl: () => null,
      });
      expect(await recordings.recoverInterrupted()).toBe(1);
      const [rec] = await recordings.recordings(f.show.id);
      expect(rec).toMatchObject({ status: "ready", durationSeconds: 8 });
      expect(readFileSync(path.join(mediaDir, rel, "index.m3u8"), "utf8")).toMatch(/#EXT-X-ENDLIST\n$/);
      // Its poster and preview are attempted once after the recovery; without an ffmpeg to cut them there are none,
      // and a recording whose attempt ran to the end is not tried again.
      expect(await recordings.makeMissingDerivatives()).toBe(1);
      expect((await recordings.recordings(f.show.id))[0]).toMatchObject({ posterUrl: null, previewUrl: null });
      expect(await recordings.makeMissingDerivatives()).toBe(0);

      expect(await recordings.replay({ id: f.show.id, status: "live" })).toBeNull();
      const replay = await recordings.replay({ id: f.show.id, status: "offline" });
      // a: pinned before the recording began → 0; b: pinned 3 s in (which unpinned a), then ended.
      expect(replay!.markers.map((m) => [m.offerId, m.atSeconds])).toEqual([
        [a.id, 0],
        [b.id, 3],
      ]);
      expect(replay!.markers[1].offer.status).toBe("ended");
      const events = await f.offers.pinEvents(f.show.id, f.clock.now());
      expect(events.map((e) => [e.offerId, e.pinned])).toEqual(
        expect.arrayContaining([
          [a.id, true],
          [a.id, false],
          [b.id, true],
          [b.id, false],
        ]),
      );
    } finally {
      await handle.close();
      rmSync(mediaDir, { recursive: true, force: true });
    }
  });
});

function silentLog() {
  const noop = () => undefined;
  const log: Record<string, unknown> = { info: noop, warn: noop, error: noop, debug: noop, trace: noop, fatal: noop, level: "silent" };
  log.child = () => log;
  return log as never;
}
