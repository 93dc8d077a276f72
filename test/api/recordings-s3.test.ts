import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { GetObjectCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import S3rver from "s3rver";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultFfmpegPath } from "../../src/server/config.js";
import { startSyntheticSource, type SyntheticSource } from "../../src/server/media/index.js";
import { backends } from "../support/db.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { untilRecorded } from "../support/recording.js";
import { until } from "../support/until.js";

const BUCKET = "showcart-recordings";

// Recordings to S3-compatible storage: a real S3-protocol server (s3rver, from npm) on a loopback port, the official
// AWS SDK client in the server. The recording node uploads a finished recording and drops its own copy; a second node
// that never saw the stream serves the same replay from the bucket.
describe.each(backends)("recordings in S3-compatible storage (%s)", (backend) => {
  let s3dir = "";
  let dataDir = "";
  let s3server: S3rver;
  let s3: S3Client;
  let env: Record<string, string>;
  let recorder: TestServer;
  let other: TestServer;
  let source: SyntheticSource;
  let playbackUrl = "";
  let key = "";

  beforeAll(async () => {
    s3dir = fs.mkdtempSync(path.join(os.tmpdir(), "showcart-s3-"));
    s3server = new S3rver({ address: "127.0.0.1", port: 0, silent: true, directory: s3dir, configureBuckets: [{ name: BUCKET }] });
    const { port } = await s3server.run();
    const endpoint = `http://127.0.0.1:${port}`;
    // s3rver accepts its fixed test credentials and checks the requests' signatures with them.
    env = {
      RECORDINGS_STORAGE: "s3",
      S3_BUCKET: BUCKET,
      S3_ENDPOINT: endpoint,
      S3_ACCESS_KEY_ID: "S3RVER",
      S3_SECRET_ACCESS_KEY: "S3RVER",
      S3_PREFIX: "test/",
    };
    s3 = new S3Client({ region: "us-east-1", endpoint, forcePathStyle: true, credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" } });

    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "showcart-s3-node-"));
    // Short recording segments and preview clip: the assertions need one finished segment and a preview, not seconds.
    // DATA_DIR is named only to look into its media folder: the database stays in memory (on disk, unpacking PGlite's
    // template there took 12 s more on a loaded machine), as nothing here restarts the node. One rung (240p) in the live
    // ladder instead of three: nothing here watches the live HLS.
    recorder = await startTestServer({
      demo: true,
      synthetic: false,
      backend,
      pgliteInMemory: true,
      env: { ...env, DATA_DIR: dataDir, RECONNECT_GRACE_SECONDS: "1", RECORDING_SEGMENT_SECONDS: "2", PREVIEW_SECONDS: "3", HLS_LADDER: "240" },
    });
    other = await startTestServer({ demo: false, env });
    const { shows, recordings } = recorder.services;
    source = startSyntheticSource({
      ffmpegPath: defaultFfmpegPath(),
      rtmpUrl: `${recorder.rtmpUrl}/${recorder.demo.streamKey}`,
      // A cap only: the source is stopped as soon as the recording has a finished segment.
      durationSeconds: 60,
      restartDelayMs: 600_000,
    });
    await until("recording", () => recordings.isRecording(recorder.demo.showId));
    await untilRecorded(recorder, recorder.demo.showId, 1);
    await source.stop();
    await until("offline", async () => (await shows.show(recorder.demo.showId)).status === "offline", 60_000);
    await until("recording finalised", async () => (await recordings.recordings(recorder.demo.showId))[0]?.status === "ready");
    await recordings.idle();
    const [rec] = await recordings.recordings(recorder.demo.showId);
    playbackUrl = rec!.playbackUrl;
    key = `recordings/${rec!.showId}/${rec!.id}`;
  }, 180_000);

  afterAll(async () => {
    await source?.stop();
    await recorder?.close();
    await other?.close();
    s3?.destroy();
    await s3server?.close();
    for (const dir of [s3dir, dataDir]) if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("uploads the finished recording (playlist, segments, poster, preview) and keeps no copy on the recording node", async () => {
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: `test/${key}/` }));
    const names = (listed.Contents ?? []).map((o) => o.Key!.slice(`test/${key}/`.length)).sort();
    expect(names).toContain("index.m3u8");
    expect(names).toContain("poster.jpg");
    expect(names).toContain("preview.mp4");
    expect(names.filter((n) => /^seg_\d+\.ts$/.test(n)).length).toBeGreaterThanOrEqual(1);
    expect(fs.existsSync(path.join(dataDir, "media", key))).toBe(false);
  });

  it("serves the replay from the bucket through the recording node and through a node that never had it", async () => {
    const object = async (name: string) =>
      Buffer.from(await (await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: `test/${key}/${name}` }))).Body!.transformToByteArray());
    for (const node of [recorder, other]) {
      const playlist = await fetch(node.url + playbackUrl);
      expect(playlist.status).toBe(200);
      expect(playlist.headers.get("content-type")).toBe("application/vnd.apple.mpegurl");
      const text = await playlist.text();
      expect(text).toMatch(/#EXT-X-ENDLIST/);
      const segment = /^seg_\d+\.ts$/m.exec(text)![0];
      const seg = await fetch(node.url + playbackUrl.replace("index.m3u8", segment));
      expect(seg.status).toBe(200);
      expect(seg.headers.get("content-type")).toBe("video/mp2t");
      expect(Buffer.from(await seg.arrayBuffer()).equals(await object(segment))).toBe(true);

      const part = await fetch(node.url + playbackUrl.replace("index.m3u8", "preview.mp4"), { headers: { range: "bytes=4-7" } });
      expect(part.status).toBe(206);
      expect(part.headers.get("content-range")).toMatch(/^bytes 4-7\/\d+$/);
      expect(Buffer.from(await part.arrayBuffer()).toString()).toBe("ftyp");
      const missing = await fetch(node.url + playbackUrl.replace("index.m3u8", "seg_99999.ts"));
      expect(missing.status).toBe(404);
    }
  });

  it("refuses RECORDINGS_STORAGE=s3 without a bucket, and half a key pair", async () => {
    const { loadConfig } = await import("../../src/server/config.js");
    expect(() => loadConfig({ RECORDINGS_STORAGE: "s3" })).toThrow("RECORDINGS_STORAGE=s3 needs S3_BUCKET");
    expect(() => loadConfig({ RECORDINGS_STORAGE: "s3", S3_BUCKET: BUCKET, S3_ACCESS_KEY_ID: "x" })).toThrow(/go together/);
  });
});
