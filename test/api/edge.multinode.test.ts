import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { counter, metricsOf, startCluster, type Cluster } from "../../bench/edge-cluster.js";
import { defaultFfmpegPath } from "../../src/server/config.js";
import { startSyntheticSource, type SyntheticSource } from "../../src/server/media/synthetic-source.js";
import { dropSchema, uniqueSchema } from "../support/db.js";
import { until } from "../support/until.js";

// Video on every node, without a proxy: a show ingested on node A is served by B and C from A (one upstream request
// per part per node, whatever the viewers), and a dead ingest node ends the show the way an encoder drop does.

const databaseUrl = process.env.TEST_DATABASE_URL;
const redisUrl = process.env.TEST_REDIS_URL;
const missing = !databaseUrl || !redisUrl;
const title = `live video on every node${missing ? " (skipped: TEST_DATABASE_URL and TEST_REDIS_URL are not both set)" : ""}`;

// Long enough for the new ingest to publish inside it (well under a second here), short enough not to wait for long.
const GRACE_SECONDS = 6;
// A dead ingest is found within about 4 s (registrations live 3 s, refreshed and swept every second) instead of
// production's 8 (6 s, every 2 s): still three refreshes before one lapses.
const DIRECTORY_TTL_MS = 3000;

const sequence = (playlist: string) => Number(/#EXT-X-MEDIA-SEQUENCE:(\d+)/.exec(playlist)?.[1]);
const discontinuity = (playlist: string) => Number(/#EXT-X-DISCONTINUITY-SEQUENCE:(\d+)/.exec(playlist)?.[1] ?? 0);
/** The session tag that prefixes a playlist's segment names (`<tag>-s<msn>.m4s`). */
const segmentTag = (playlist: string) => /^([0-9a-f]+)-s\d+\.m4s$/m.exec(playlist)?.[1] ?? null;

async function get(url: string, headers: Record<string, string> = {}) {
  const res = await fetch(url, { headers });
  return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
}

describe.skipIf(missing)(title, () => {
  const schema = uniqueSchema();
  let cluster: Cluster;
  let source: SyntheticSource | null = null;
  const live = (i: number) => `${cluster.nodes[i]!.url}/live/${cluster.showId}`;
  const status = async (i: number) =>
    ((await (await fetch(`${cluster.nodes[i]!.url}/api/shows/${cluster.showId}`)).json()) as { show: { status: string } }).show.status;
  const publish = (i: number) => {
    // 426x240 with a 240p ladder: the one rendition is passed through, so no node spends a core on encoding.
    source = startSyntheticSource({
      ffmpegPath: defaultFfmpegPath(),
      rtmpUrl: `rtmp://127.0.0.1:${cluster.nodes[i]!.rtmpPort}/live/${cluster.streamKey}`,
      size: "426x240",
      fontFile: null,
    });
  };

  // A playlist listing parts and hinting the next one (a burst from a loaded machine can make parts too long to list
  // for a moment: the open segment is then hidden, with no hint).
  const withParts = (i: number) =>
    until(
      `node ${i} lists parts`,
      async () => {
        const text = (await get(`${live(i)}/240p/index.m3u8`)).body.toString();
        return /#EXT-X-PART:[\s\S]*#EXT-X-PRELOAD-HINT/.test(text) ? text : null;
      },
      30_000,
      200,
    );

  beforeAll(async () => {
    cluster = await startCluster(3, {
      DATABASE_URL: databaseUrl!,
      DATABASE_SCHEMA: schema,
      REDIS_URL: redisUrl!,
      HLS_LADDER: "240",
      RECONNECT_GRACE_SECONDS: String(GRACE_SECONDS),
      LIVE_DIRECTORY_TTL_MS: String(DIRECTORY_TTL_MS),
    });
    publish(0);
    await until("node A is live", async () => (await status(0)) === "live", 60_000, 300);
    // Past the first segment (the ingest's cached GOP arrives as one burst, too long to list as parts).
    await until(
      "A lists parts and hints the next",
      async () => /#EXT-X-PART:[\s\S]*#EXT-X-PRELOAD-HINT/.test((await get(`${live(0)}/240p/index.m3u8`)).body.toString()),
      60_000,
      300,
    );
  }, 240_000);

  afterAll(async () => {
    await source?.stop();
    await cluster?.stop();
    await dropSchema(schema);
  }, 120_000);

  it("serves the master and media playlists of a show ingested on A from B and C", async () => {
    for (const i of [1, 2]) {
      const master = await get(`${live(i)}/index.m3u8`);
      expect(master.status).toBe(200);
      expect(master.body.toString()).toContain("240p/index.m3u8");
      const media = await get(`${live(i)}/240p/index.m3u8`);
      expect(media.status).toBe(200);
      expect(media.headers.get("content-type")).toBe("application/vnd.apple.mpegurl");
      expect(await withParts(i)).toMatch(/#EXT-X-PART:DURATION=[\d.]+,URI="[a-z0-9]+-p\d+\.m4s"/);
    }
  });

  it("fetches a hinted part from A once per node however many viewers wait for it, and serves it immutable", async () => {
    const playlist = await withParts(1);
    const hint = /#EXT-X-PRELOAD-HINT:TYPE=PART,URI="([^"]+)"/.exec(playlist)![1]!;
    const [a, b] = [await metricsOf(cluster.nodes[0]!), await metricsOf(cluster.nodes[1]!)];
    const fromNodes = counter(a, "showcart_hls_requests_total", { role: "node", kind: "part" });
    const upstream = counter(b, "showcart_hls_edge_requests_total", { kind: "part", result: "upstream" });
    const shared =
      counter(b, "showcart_hls_edge_requests_total", { kind: "part", result: "coalesced" }) +
      counter(b, "showcart_hls_edge_requests_total", { kind: "part", result: "hit" });
    // 30 viewers on B ask for the part before it exists (the preload hint): one request from B to A.
    const answers = await Promise.all(Array.from({ length: 30 }, () => get(`${live(1)}/240p/${hint}`)));
    expect(answers.map((r) => r.status)).toEqual(answers.map(() => 200));
    expect(new Set(answers.map((r) => r.body.toString("base64"))).size).toBe(1);
    expect(answers[0]!.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    // Later viewers get it from B's memory.
    expect((await get(`${live(1)}/240p/${hint}`)).status).toBe(200);
    const [a2, b2] = [await metricsOf(cluster.nodes[0]!), await metricsOf(cluster.nodes[1]!)];
    expect(counter(b2, "showcart_hls_edge_requests_total", { kind: "part", result: "upstream" }) - upstream).toBe(1);
    // The other 30 joined that request or (once it was answered) read B's memory; how many of each depends on timing.
    const shared2 =
      counter(b2, "showcart_hls_edge_requests_total", { kind: "part", result: "coalesced" }) +
      counter(b2, "showcart_hls_edge_requests_total", { kind: "part", result: "hit" });
    expect(shared2 - shared).toBe(30);
    expect(counter(a2, "showcart_hls_requests_total", { role: "node", kind: "part" }) - fromNodes).toBe(1);
    // The same bytes as the ingest node's own.
    expect((await get(`${live(0)}/240p/${hint}`)).body.toString("base64")).toBe(answers[0]!.body.toString("base64"));
  });

  it("passes a blocking reload through with its directive, cacheable briefly, and never caches an error", async () => {
    const playlist = await withParts(2);
    const parts = [...playlist.matchAll(/#EXT-X-PART:[^\n]*\n/g)].length;
    expect(parts).toBeGreaterThan(0);
    const msn = Number(/#EXT-X-MEDIA-SEQUENCE:(\d+)/.exec(playlist)![1]) + (playlist.match(/#EXTINF/g) ?? []).length;
    const blocking = await get(`${live(2)}/240p/index.m3u8?_HLS_msn=${msn}&_HLS_part=2`);
    expect(blocking.status).toBe(200);
    expect(blocking.headers.get("cache-control")).toMatch(/^public, max-age=\d+$/);
    const text = blocking.body.toString();
    // The answer holds part 2 of segment msn (RFC 8216bis §6.2.5.2): at least three parts past the last EXTINF.
    expect(text.split("#EXTINF").length - 1 + Number(/#EXT-X-MEDIA-SEQUENCE:(\d+)/.exec(text)![1])).toBeGreaterThanOrEqual(msn);
    const tooFar = await get(`${live(2)}/240p/index.m3u8?_HLS_msn=${msn + 50}`);
    expect(tooFar.status).toBe(400);
    expect(tooFar.headers.get("cache-control")).toBe("no-store");
    const unknown = await get(`${cluster.nodes[2]!.url}/live/shw_nosuchshow/index.m3u8`);
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get("cache-control")).toBe("no-store");
  });

  it("refuses a wrong node token and never puts the token in what viewers get", async () => {
    const res = await get(`${live(0)}/240p/index.m3u8`, { "x-showcart-node": "not-the-token" });
    expect(res.status).toBe(403);
    expect(JSON.parse(res.body.toString())).toMatchObject({ error: { code: "forbidden" } });
    const playlist = (await get(`${live(1)}/240p/index.m3u8`)).body.toString();
    expect(playlist).not.toMatch(/token|x-showcart-node/i);
  });

  it("ends the show as an encoder drop when the ingest node dies, and a new ingest on another node resumes it", async () => {
    // The last segment number a viewer had from A: B's numbers must go on past it (a player waits for new numbers).
    const before = (await get(`${live(2)}/240p/index.m3u8`)).body.toString();
    const lastFromA = sequence(before) + (before.match(/#EXTINF/g) ?? []).length - 1;
    // And its discontinuity numbers: under A's, hls.js would place B's timestamps (which start again near 0) as A's.
    const lastDiscontinuityFromA = discontinuity(before) + (before.match(/#EXT-X-DISCONTINUITY\n/g) ?? []).length;
    await cluster.nodes[0]!.kill();
    await source!.stop();
    source = null;
    // The registration lapses (3 s here) and a sweep (every second) finds the show orphaned: reconnecting, not offline.
    // What B said, in order: if the show went straight to offline, the orphan was found only after the grace.
    const seen: string[] = [];
    await until(
      "B sees the show reconnecting",
      async () => {
        const now = await status(1);
        if (seen.at(-1) !== now) seen.push(now);
        return now === "reconnecting";
      },
      60_000,
      250,
    ).catch((err: Error) => {
      throw new Error(`${err.message}; B said ${seen.join(" → ")}`);
    });
    expect(await status(2)).toBe("reconnecting");
    publish(1);
    await until("B is the new ingest: live", async () => (await status(2)) === "live", 60_000, 300);
    await until("C serves the resumed show from B", async () => (await get(`${live(2)}/240p/index.m3u8`)).status === 200, 60_000, 300);
    // B's own playlist (its segments carry a new session tag), not one C still had from A.
    let resumed = "";
    await until(
      "C serves B's segments",
      async () => {
        resumed = (await get(`${live(2)}/240p/index.m3u8`)).body.toString();
        return segmentTag(resumed) !== null && segmentTag(resumed) !== segmentTag(before);
      },
      60_000,
      300,
    );
    expect(sequence(resumed)).toBeGreaterThan(lastFromA);
    expect(discontinuity(resumed)).toBeGreaterThan(lastDiscontinuityFromA);
    // B dies too and no encoder comes back: offline once the grace period has passed.
    await cluster.nodes[1]!.kill();
    await source!.stop();
    source = null;
    await until("C sees the show reconnecting", async () => (await status(2)) === "reconnecting", 30_000, 250);
    const since = Date.now();
    await until("C sees the show offline", async () => (await status(2)) === "offline", 60_000, 250);
    expect(Date.now() - since).toBeGreaterThan((GRACE_SECONDS - 3) * 1000);
    expect((await get(`${live(2)}/index.m3u8`)).status).toBe(404);
  }, 180_000);
});
