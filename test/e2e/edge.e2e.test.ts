import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { type Cluster, type Nginx, counter, metricsOf, nginxInstalled, NGINX_PATH, startCluster, startNginx } from "../../bench/edge-cluster.js";
import { defaultFfmpegPath } from "../../src/server/config.js";
import { startSyntheticSource, type SyntheticSource } from "../../src/server/media/synthetic-source.js";
import { dropSchema, uniqueSchema } from "../support/db.js";
import { until } from "../support/until.js";
import { launchChromium, newVisitor, waitForPlayback } from "./browser.js";

// Three nodes on PostgreSQL + Redis behind a real nginx started from deploy/nginx.conf (load balancer + LL-HLS
// cache). The encoder publishes to node A; a viewer's Chromium plays the show page through nginx, which spreads the
// player's requests over the nodes (B or C, or both, fetch A's video as edges). Killing an edge that served the
// player costs the viewer at most a few seconds; killing A ends the show as an encoder drop (reconnecting), and the
// encoder publishing to the node still up resumes it.

const databaseUrl = process.env.TEST_DATABASE_URL;
const redisUrl = process.env.TEST_REDIS_URL;
const why =
  !databaseUrl || !redisUrl
    ? "TEST_DATABASE_URL and TEST_REDIS_URL are not both set"
    : !nginxInstalled()
      ? `nginx is not installed (${NGINX_PATH}; apt-get install -y nginx)`
      : null;
const title = `three nodes behind nginx (deploy/nginx.conf)${why ? ` (skipped: ${why})` : ""}`;
const LONG = 60_000;

interface Freeze {
  last: number;
  at: number;
  longest: number;
  /** Seconds of video played since watching began (a restarted player's time line may start lower). */
  progress: number;
}

/** Samples the page's video every 200 ms: the longest time it stood still, and how much it played. */
async function watchFreezes(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { freeze: Freeze };
    w.freeze = { last: -1, at: performance.now(), longest: 0, progress: 0 };
    setInterval(() => {
      const v = document.querySelector<HTMLVideoElement>("[data-testid=player-video]");
      const now = performance.now();
      const t = v?.currentTime ?? 0;
      if (w.freeze.last >= 0 && t !== w.freeze.last) {
        const delta = t - w.freeze.last;
        if (delta > 0 && delta < 2) w.freeze.progress += delta;
        w.freeze.at = now;
      }
      w.freeze.last = t;
      w.freeze.longest = Math.max(w.freeze.longest, now - w.freeze.at);
    }, 200);
  });
}

const freeze = (page: Page) => page.evaluate(() => (window as unknown as { freeze: Freeze }).freeze);

describe.skipIf(why !== null)(title, () => {
  const schema = uniqueSchema();
  let cluster: Cluster;
  let nginx: Nginx;
  let browser: Browser;
  let source: SyntheticSource | null = null;
  let page: Page;
  /** A node other than the ingest that served the player's video (B or C: the one holding its socket may serve none). */
  let edgeNode = 1;
  const publish = (i: number) => {
    // One 240p rendition passed through: the nodes spend no core on encoding (the test is about the edge).
    source = startSyntheticSource({
      ffmpegPath: defaultFfmpegPath(),
      rtmpUrl: `rtmp://127.0.0.1:${cluster.nodes[i]!.rtmpPort}/live/${cluster.streamKey}`,
      size: "426x240",
      fontFile: null,
    });
  };
  const status = async () => ((await (await fetch(`${nginx.url}/api/shows/${cluster.showId}`)).json()) as { show: { status: string } }).show.status;
  const served = async (i: number) => counter(await metricsOf(cluster.nodes[i]!), "showcart_hls_requests_total");

  beforeAll(async () => {
    [cluster, browser] = await Promise.all([
      startCluster(3, {
        DATABASE_URL: databaseUrl!,
        DATABASE_SCHEMA: schema,
        REDIS_URL: redisUrl!,
        HLS_LADDER: "240",
        RECONNECT_GRACE_SECONDS: "60",
        // The dead ingest is found within about 4 s instead of 8 (registrations live 3 s, refreshed every second).
        LIVE_DIRECTORY_TTL_MS: "3000",
        // No recorder on the ingest: its shutdown at the end waited ~4 s for the recorder ffmpeg (the test is about
        // the edge; recordings have their own tests).
        RECORDINGS: "0",
      }),
      launchChromium(),
    ]);
    nginx = await startNginx(cluster.nodes.map((n) => n.url));
    publish(0);
    await until("the show is live", async () => (await status()) === "live", LONG, 300);
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await source?.stop();
    await nginx?.stop();
    await cluster?.stop();
    await dropSchema(schema);
  }, 120_000);

  it("plays through nginx while nginx spreads the player's requests over all three nodes", async () => {
    const { context, errors } = await newVisitor(browser, nginx.url);
    page = await context.newPage();
    const before = await Promise.all([0, 1, 2].map(served));
    // LL-HLS asked for: this is about nginx in front of the video (the nodes here would offer WHEP first).
    await page.goto(`/shows/${cluster.nodes[0]!.demo.slug}?mode=hls`);
    await waitForPlayback(page, LONG);
    await watchFreezes(page);
    // least_conn sends new work to the nodes with the fewest open connections: the node holding the player's
    // WebSocket (one long connection) gets no playlist or part while the other two sit idle between requests, so one
    // player's video spreads over two nodes and its realtime socket is on the third (CI: served 506, 256, 0 with the
    // socket on the third). Every node carries part of this one player, and the video comes from more than one.
    const sockets = async (i: number) => counter(await metricsOf(cluster.nodes[i]!), "showcart_realtime_sockets");
    await until(
      "every node answered some of the player's requests (video, or its realtime socket)",
      async () => {
        const now = await Promise.all([0, 1, 2].map(served));
        const grew = now.map((n, i) => n > before[i]!);
        const open = await Promise.all([0, 1, 2].map(sockets));
        return grew.filter(Boolean).length >= 2 && grew.every((g, i) => g || open[i]! > 0);
      },
      LONG,
      1000,
    ).catch(async (err: Error) => {
      throw new Error(`${err.message}: served ${await Promise.all([0, 1, 2].map(served))}\n${nginx.logTail()}`);
    });
    // Whichever of B and C served the player's video did so as an edge of A's show: through the node-to-node requests
    // A counts. (The node holding the socket may have served no video at all: CI had it on C, so C served none.)
    const after = await Promise.all([0, 1, 2].map(served));
    const edges = [1, 2].filter((i) => after[i]! > before[i]!);
    expect(edges.length).toBeGreaterThan(0);
    edgeNode = edges[0]!;
    const a = await metricsOf(cluster.nodes[0]!);
    expect(counter(a, "showcart_hls_requests_total", { role: "node" })).toBeGreaterThan(0);
    for (const i of edges) expect(counter(await metricsOf(cluster.nodes[i]!), "showcart_hls_requests_total", { role: "edge" })).toBeGreaterThan(0);
    expect(errors).toEqual([]);
  });

  it("caches parts and answered blocking reloads in nginx, strips a node token from outside, and upgrades WebSockets", async () => {
    const live = `${nginx.url}/live/${cluster.showId}/240p`;
    const playlist = await until(
      "a playlist listing parts",
      async () => {
        const text = await (await fetch(`${live}/index.m3u8`)).text();
        return /#EXT-X-PART:[\s\S]*#EXT-X-PRELOAD-HINT/.test(text) ? text : null;
      },
      LONG,
      300,
    );
    const part = [...playlist.matchAll(/#EXT-X-PART:[^\n]*URI="([^"]+)"/g)].at(-1)![1]!;
    const first = await fetch(`${live}/${part}`);
    await first.arrayBuffer();
    const again = await fetch(`${live}/${part}`);
    expect(again.status).toBe(200);
    expect(again.headers.get("x-cache")).toBe("HIT");
    expect(again.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    // The same directive twice: the second comes from nginx's cache (the node answered it cacheable for one target
    // duration). A loaded machine can let that expire between the two, so up to three pairs, each on the next segment.
    const msn = Number(/#EXT-X-MEDIA-SEQUENCE:(\d+)/.exec(playlist)![1]);
    let cached: Response | undefined;
    for (let pair = 0; pair < 3 && cached?.headers.get("x-cache") !== "HIT"; pair++) {
      const directive = `${live}/index.m3u8?_HLS_msn=${msn + pair}&_HLS_part=0`;
      expect((await fetch(directive)).status).toBe(200);
      cached = await fetch(directive);
      expect(cached.status).toBe(200);
    }
    expect(cached!.headers.get("x-cache")).toBe("HIT");
    // A node token from outside never reaches a node (were it passed on, the wrong one would be refused with 403).
    const spoofed = await fetch(`${live}/index.m3u8`, { headers: { "x-showcart-node": "guess" } });
    expect(spoofed.status).toBe(200);
    // The show room's WebSocket through nginx.
    const ws = new WebSocket(`${nginx.url.replace("http", "ws")}/ws/shows/${cluster.showId}?name=Edge&device=edge-${Date.now()}`, {
      headers: { origin: nginx.url },
    });
    const hello = await new Promise<string>((resolve, reject) => {
      ws.on("message", (raw) => resolve(JSON.parse(raw.toString()).t));
      ws.on("error", reject);
    });
    ws.close();
    expect(hello).toBe("hello");
  });

  it("keeps playing when a node the viewer was playing from (not the ingest) is killed", async () => {
    expect(await served(edgeNode)).toBeGreaterThan(0);
    await page.evaluate(() => {
      (window as unknown as { freeze: { longest: number } }).freeze.longest = 0;
    });
    await cluster.nodes[edgeNode]!.kill();
    const from = (await freeze(page)).progress;
    await until("12 s of video after the kill", async () => (await freeze(page)).progress > from + 12, LONG, 500);
    // "A few seconds" at most: the player's held requests on B were reset, nginx sent the retries elsewhere.
    const { longest } = await freeze(page);
    console.info(`edge e2e: longest freeze after killing node ${"ABC"[edgeNode]}: ${Math.round(longest)} ms`);
    expect(longest).toBeLessThan(5000);
  }, 120_000);

  it("ends the show as an encoder drop when the ingest node dies; a new ingest on another node resumes playback", async () => {
    await cluster.nodes[0]!.kill();
    await source!.stop();
    source = null;
    await until("the show is reconnecting", async () => (await status()) === "reconnecting", LONG, 300);
    // The encoder comes back on the node still up (as a load balancer in front of RTMP would send it).
    publish(3 - edgeNode);
    await until("the show is live again", async () => (await status()) === "live", LONG, 300);
    const resumedAt = (await freeze(page)).progress;
    await until("the viewer's video moves on again", async () => (await freeze(page)).progress > resumedAt + 3, 90_000, 500);
  }, 240_000);
});
