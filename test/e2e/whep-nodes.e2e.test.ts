import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Cluster, type Nginx, counter, metricsOf, nginxInstalled, NGINX_PATH, startCluster, startNginx } from "../../bench/edge-cluster.js";
import { defaultFfmpegPath } from "../../src/server/config.js";
import { startSyntheticSource, type SyntheticSource } from "../../src/server/media/synthetic-source.js";
import { dropSchema, uniqueSchema } from "../support/db.js";
import { until } from "../support/until.js";
import { launchChromium, newVisitor } from "./browser.js";

// Sub-second viewing behind nginx: two nodes, the show published to A, nginx (deploy/nginx.conf) in front of B alone,
// so every request of the viewer — the page, the show view, the WHEP offer — lands on the node without the show
// (least_conn over both would send only some there). The player still plays by WebRTC: B says webrtc.available from
// A's places and passes the offer to A; the media then flows between Chromium and A directly.

const databaseUrl = process.env.TEST_DATABASE_URL;
const redisUrl = process.env.TEST_REDIS_URL;
const why =
  !databaseUrl || !redisUrl
    ? "TEST_DATABASE_URL and TEST_REDIS_URL are not both set"
    : !nginxInstalled()
      ? `nginx is not installed (${NGINX_PATH}; apt-get install -y nginx)`
      : null;
const title = `WebRTC playback behind nginx on two nodes${why ? ` (skipped: ${why})` : ""}`;
const LONG = 60_000;

/** The player on WebRTC; on a starved machine a cold encode can miss the player's 4.5 s, so ask again (as whep.e2e). */
async function untilWebRtc(page: Page): Promise<void> {
  const mode = page.getByTestId("player-mode");
  const settled = "[data-testid=player-mode]:is([data-mode=webrtc], [data-mode=ll-hls])";
  await page.locator(settled).waitFor({ timeout: LONG });
  for (let retry = 0; retry < 2 && (await mode.getAttribute("data-mode")) === "ll-hls"; retry++) {
    console.warn("whep-nodes.e2e: WebRTC missed the player's deadline; toggling sub-second off and on");
    await page.getByTestId("subsecond-toggle").click();
    await page.getByTestId("subsecond-toggle").click();
    await page.locator(settled).waitFor({ timeout: LONG });
  }
  await page.locator("[data-testid=player-mode][data-mode=webrtc]").waitFor({ timeout: LONG });
}

describe.skipIf(why !== null)(title, () => {
  const schema = uniqueSchema();
  let cluster: Cluster;
  let nginx: Nginx;
  let browser: Browser;
  let source: SyntheticSource | null = null;
  const viewers = async (i: number) => counter(await metricsOf(cluster.nodes[i]!), "showcart_whep_viewers");

  beforeAll(async () => {
    [cluster, browser] = await Promise.all([
      startCluster(2, { DATABASE_URL: databaseUrl!, DATABASE_SCHEMA: schema, REDIS_URL: redisUrl!, HLS_LADDER: "240" }),
      launchChromium(),
    ]);
    nginx = await startNginx([cluster.nodes[1]!.url]);
    source = startSyntheticSource({
      ffmpegPath: defaultFfmpegPath(),
      rtmpUrl: `rtmp://127.0.0.1:${cluster.nodes[0]!.rtmpPort}/live/${cluster.streamKey}`,
      size: "426x240",
      fontFile: null,
    });
    await until(
      "the show is live",
      async () => ((await (await fetch(`${nginx.url}/api/shows/${cluster.showId}`)).json()) as { show: { status: string } }).show.status === "live",
      LONG,
      300,
    );
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await source?.stop();
    await nginx?.stop();
    await cluster?.stop();
    await dropSchema(schema);
  }, 120_000);

  it("plays the show by WebRTC through nginx and B, the viewer's peer connection on A", async () => {
    // Both nodes' show views offer sub-second playback (B from A's places in the live directory).
    for (const node of cluster.nodes) {
      await until(
        `${node.url} offers WHEP`,
        async () =>
          ((await (await fetch(`${node.url}/api/shows/${cluster.showId}`)).json()) as { show: { webrtc: { available: boolean } } }).show.webrtc.available,
        10_000,
        200,
      );
    }
    const { context, errors } = await newVisitor(browser, nginx.url);
    const page = await context.newPage();
    await page.goto(`/shows/${cluster.nodes[0]!.demo.slug}`);
    await untilWebRtc(page);
    await page.waitForFunction(() => (document.querySelector<HTMLVideoElement>("[data-testid=player-video]")?.currentTime ?? 0) > 1, undefined, {
      timeout: LONG,
    });
    expect(await viewers(0)).toBe(1);
    expect(await viewers(1)).toBe(0);
    // nginx sent the offer to B, which answered 201 with A's answer.
    const b = new URL(cluster.nodes[1]!.url).host;
    const offers = nginx
      .logTail(500)
      .split("\n")
      .filter((l) => / POST \/api\/shows\/[^ ]+\/whep /.test(l));
    expect(offers.length).toBeGreaterThan(0);
    expect(
      offers.some((l) => l.includes(`up=${b}/201`)),
      offers.join("\n"),
    ).toBe(true);
    expect(errors).toEqual([]);
    await context.close();
  }, 180_000);
});
