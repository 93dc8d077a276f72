import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { openTestDb } from "../../../test/support/db.js";
import { commerceFixture, silentLog } from "../../../test/support/fixtures.js";
import { sessionPlaylist } from "./playlist.js";
import { RecordingService, replayOffset } from "./service.js";

const t = (s: number) => new Date(Date.UTC(2026, 5, 1, 18, 0, s));

describe("a show session split by a reconnect", () => {
  it("maps wall-clock moments onto back-to-back recordings; moments in the gap land where the picture came back", () => {
    const parts = [
      { startedAt: t(0), durationMs: 10_000 },
      { startedAt: t(25), durationMs: 20_000 }, // the encoder was away from 10 s to 25 s
    ];
    expect(replayOffset(parts, t(-5))).toBeNull();
    expect(replayOffset(parts, t(4))).toBe(4);
    expect(replayOffset(parts, t(12))).toBe(10);
    expect(replayOffset(parts, t(30))).toBe(15);
    expect(replayOffset(parts, t(99))).toBe(30);
  });

  it("joins the recordings' playlists with a discontinuity and URIs into each recording", () => {
    const text = sessionPlaylist([
      { id: "rec_a", text: "#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXT-X-PLAYLIST-TYPE:VOD\n#EXTINF:4.0,\nseg_00000.ts\n#EXT-X-ENDLIST\n" },
      { id: "rec_b", text: "#EXTM3U\n#EXT-X-TARGETDURATION:5\n#EXTINF:5.0,\nseg_00000.ts\n#EXTINF:2.0,\nseg_00001.ts\n#EXT-X-ENDLIST\n" },
    ]);
    expect(text).toBe(
      "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:5\n#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-PLAYLIST-TYPE:VOD\n" +
        "#EXTINF:4.0,\n../rec_a/seg_00000.ts\n#EXT-X-DISCONTINUITY\n#EXTINF:5.0,\n../rec_b/seg_00000.ts\n#EXTINF:2.0,\n../rec_b/seg_00001.ts\n#EXT-X-ENDLIST\n",
    );
  });

  it("replays both recordings of one session, with markers on the joined timeline", async () => {
    const handle = await openTestDb("pglite");
    const mediaDir = mkdtempSync(path.join(os.tmpdir(), "showcart-session-"));
    try {
      const f = await commerceFixture(handle);
      const start = f.clock.now();
      const rec = async (id: string, startedAt: Date, seconds: number) => {
        const rel = `recordings/${f.show.id}/${id}`;
        mkdirSync(path.join(mediaDir, rel), { recursive: true });
        writeFileSync(path.join(mediaDir, rel, "index.m3u8"), `#EXTM3U\n#EXT-X-PLAYLIST-TYPE:VOD\n#EXTINF:${seconds}.0,\nseg_00000.ts\n#EXT-X-ENDLIST\n`);
        await f.db
          .insertInto("recordings")
          .values({
            id,
            show_id: f.show.id,
            status: "ready",
            started_at: startedAt,
            ended_at: new Date(startedAt.getTime() + seconds * 1000),
            duration_ms: seconds * 1000,
            path: rel,
            has_poster: true,
            has_preview: false,
          })
          .execute();
      };
      const at = (s: number) => new Date(start.getTime() + s * 1000);
      await rec("rec_old", at(-3600), 60); // an earlier show, an hour before: not part of this session
      await rec("rec_one", at(0), 10);
      await rec("rec_two", at(20), 30); // back 10 s after the drop, within a 30 s grace
      f.clock.set(at(25));
      const offer = await f.offers.create(f.show.id, f.product, { showPrice: 100, quantity: 5, durationSeconds: 600, pin: true });
      f.clock.set(at(60));

      const recordings = new RecordingService({
        db: f.db,
        clock: f.clock,
        offers: f.offers,
        ffmpegPath: "/nonexistent",
        mediaDir,
        log: silentLog,
        playUrl: () => null,
        sessionGapSeconds: 30,
      });
      expect((await recordings.latestSession(f.show.id)).map((r) => r.id)).toEqual(["rec_one", "rec_two"]);
      const replay = (await recordings.replay({ id: f.show.id, status: "offline" }))!;
      expect(replay.durationSeconds).toBe(40);
      expect(replay.playbackUrl).toBe(`/vod/${f.show.id}/rec_two/session.m3u8`);
      expect(replay.posterUrl).toContain("/rec_one/");
      expect(replay.markers.map((m) => [m.offerId, m.atSeconds])).toEqual([[offer.id, 15]]);
      // Without the grace period the two are separate sessions: the replay is the latest recording alone.
      const strict = new RecordingService({
        db: f.db,
        clock: f.clock,
        offers: f.offers,
        ffmpegPath: "/nonexistent",
        mediaDir,
        log: silentLog,
        playUrl: () => null,
        sessionGapSeconds: 0,
      });
      expect((await strict.replay({ id: f.show.id, status: "offline" }))!.playbackUrl).toBe(`/vod/${f.show.id}/rec_two/index.m3u8`);
    } finally {
      await handle.close();
      rmSync(mediaDir, { recursive: true, force: true });
    }
  });
});
