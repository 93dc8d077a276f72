import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RTCPeerConnection as WeriftPeerConnection, useH264, useOPUS } from "werift";
import { startCluster, type Cluster } from "../../bench/edge-cluster.js";
import { FAKE_MEDIA_ARGS, launchChromium } from "../e2e/browser.js";
import { dropSchema, uniqueSchema } from "../support/db.js";
import { until } from "../support/until.js";
import { whipPublishFrom } from "../support/whip-browser.js";

// The host's WHIP on several nodes: the node a publish lands on takes the show when no node has it (and claims it, so a
// second publish at another node at the same moment is refused), and every later request — another publish, the
// session's DELETE — is answered by that node from wherever it arrives.

const databaseUrl = process.env.TEST_DATABASE_URL;
const redisUrl = process.env.TEST_REDIS_URL;
const missing = !databaseUrl || !redisUrl;
const title = `WHIP on every node${missing ? " (skipped: TEST_DATABASE_URL and TEST_REDIS_URL are not both set)" : ""}`;

/** A publisher's offer (werift: sendonly H.264 + Opus, with its candidates); no media flows from it. */
async function publisherOffer(closers: (() => Promise<void>)[]): Promise<string> {
  const pc = new WeriftPeerConnection({ codecs: { video: [useH264()], audio: [useOPUS()] } });
  pc.addTransceiver("audio", { direction: "sendonly" });
  pc.addTransceiver("video", { direction: "sendonly" });
  await pc.setLocalDescription(await pc.createOffer());
  closers.push(() => pc.close());
  return pc.localDescription!.sdp;
}

describe.skipIf(missing)(title, () => {
  const schema = uniqueSchema();
  let cluster: Cluster;
  let redis: Redis;
  const closers: (() => Promise<void>)[] = [];
  const node = (i: number) => cluster.nodes[i]!.url;
  const whip = (i: number, path = `/api/shows/${cluster.showId}/whip`, init: { method?: string; sdp?: string } = {}) =>
    fetch(node(i) + path, {
      method: init.method ?? "POST",
      headers: { authorization: `Bearer ${cluster.streamKey}`, ...(init.sdp ? { "content-type": "application/sdp" } : {}) },
      body: init.sdp,
    });
  const status = async () => ((await (await fetch(`${node(0)}/api/shows/${cluster.showId}`)).json()) as { show: { status: string } }).show.status;

  beforeAll(async () => {
    cluster = await startCluster(2, {
      DATABASE_URL: databaseUrl!,
      DATABASE_SCHEMA: schema,
      REDIS_URL: redisUrl!,
      SECRETS_KEY: randomBytes(32).toString("hex"),
      HLS_LADDER: "240",
      RECONNECT_GRACE_SECONDS: "0",
    });
    redis = new Redis(redisUrl!);
  }, 240_000);

  afterAll(async () => {
    await Promise.all(closers.map((c) => c().catch(() => undefined)));
    redis?.disconnect();
    await cluster?.stop();
    await dropSchema(schema);
  }, 120_000);

  it("answers one of two publishes that reach A and B at once, and refuses the other already_publishing", async () => {
    const [offerA, offerB] = [await publisherOffer(closers), await publisherOffer(closers)];
    const [atA, atB] = await Promise.all([whip(0, undefined, { sdp: offerA }), whip(1, undefined, { sdp: offerB })]);
    const answers = [atA, atB];
    expect(answers.map((r) => r.status).sort()).toEqual([201, 409]);
    const winner = answers.findIndex((r) => r.status === 201);
    const loser = 1 - winner;
    expect(((await answers[loser]!.json()) as { error: { code: string } }).error.code).toBe("already_publishing");
    // The Location is on the origin the publisher used, whichever node answered.
    const location = answers[winner]!.headers.get("location")!;
    expect(location.startsWith(`${node(winner)}/api/shows/${cluster.showId}/whip/whs_`)).toBe(true);
    expect(JSON.parse((await redis.get(`${cluster.redisPrefix}media:claim:${cluster.showId}`))!).node).toBeTruthy();

    // A publish at the other node while the first holds the show is passed to it and refused there too.
    const again = await whip(loser, undefined, { sdp: await publisherOffer(closers) });
    expect([again.status, ((await again.json()) as { error: { code: string } }).error.code]).toEqual([409, "already_publishing"]);

    // DELETE at the other node ends the session where it is; a second DELETE finds nothing.
    const path = new URL(location).pathname;
    expect((await whip(loser, path, { method: "DELETE" })).status).toBe(200);
    expect((await whip(loser, path, { method: "DELETE" })).status).toBe(404);

    // The show is free again: a publish at the other node is answered (by whichever node it reaches now), its Location
    // on the origin the publisher used.
    const next = await whip(loser, undefined, { sdp: await publisherOffer(closers) });
    expect(next.status).toBe(201);
    const nextLocation = next.headers.get("location")!;
    expect(nextLocation.startsWith(`${node(loser)}/api/shows/${cluster.showId}/whip/whs_`)).toBe(true);
    expect((await whip(winner, new URL(nextLocation).pathname, { method: "DELETE" })).status).toBe(200);
  }, 60_000);

  it("takes the show live on B for a Chromium publish POSTed to B; A passes a second publish and the DELETE to B", async () => {
    // The claims of the first test lapse (or are released) before this publish.
    await until("no claim on the show", async () => (await redis.get(`${cluster.redisPrefix}media:claim:${cluster.showId}`)) === null, 20_000, 250);
    let browser: Browser | undefined;
    try {
      browser = await launchChromium({ args: FAKE_MEDIA_ARGS });
      const page = await browser.newPage();
      await page.goto(`${node(1)}/api/ping`);
      const result = await whipPublishFrom(page, `/api/shows/${cluster.showId}/whip`, { headers: { authorization: `Bearer ${cluster.streamKey}` } });
      expect(result.status, result.body).toBe(201);
      await until("the show is live", async () => (await status()) === "live", 90_000, 250);
      // B ingests it: the live directory names B.
      const entry = JSON.parse((await redis.get(`${cluster.redisPrefix}media:live:${cluster.showId}`))!) as { url: string };
      expect(entry.url).toBe(node(1));
      // A's LL-HLS comes from B, as for an RTMP publish.
      await until("A serves the master playlist", async () => (await fetch(`${node(0)}/live/${cluster.showId}/index.m3u8`)).status === 200, 60_000, 500);

      const second = await whip(0, undefined, { sdp: await publisherOffer(closers) });
      expect([second.status, ((await second.json()) as { error: { code: string } }).error.code]).toEqual([409, "already_publishing"]);

      expect((await whip(0, new URL(result.location!).pathname, { method: "DELETE" })).status).toBe(200);
      await until("the show is offline", async () => (await status()) === "offline", 30_000, 250);
    } finally {
      await browser?.close();
    }
  }, 240_000);
});
