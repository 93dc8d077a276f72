import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startCluster, type Cluster } from "../../bench/edge-cluster.js";
import { FAKE_MEDIA_ARGS, launchChromium, signedInVisitor } from "../e2e/browser.js";
import { dropSchema, uniqueSchema } from "../support/db.js";
import { login, request } from "../support/http.js";
import { until } from "../support/until.js";
import { blankPage, colourAt, colourY4m, programFrame, watchFeed, whipPublish } from "../support/stage-media.js";

// The stage on two nodes: the host publishes to the stage on A (A composes the program); the guest's whole side — the
// room view, the WHIP publish, the host's feed — and the host's bring-on reach B, which passes each to A. Without that,
// B would keep the guest's publish to itself (the compositor on A would never see it) and B's views would say nobody
// publishes. Two Chromiums with differently coloured fake cameras; the program is checked in the LL-HLS from B.

const databaseUrl = process.env.TEST_DATABASE_URL;
const redisUrl = process.env.TEST_REDIS_URL;
const missing = !databaseUrl || !redisUrl;
const title = `the stage on every node${missing ? " (skipped: TEST_DATABASE_URL and TEST_REDIS_URL are not both set)" : ""}`;

describe.skipIf(missing)(title, () => {
  const schema = uniqueSchema();
  let cluster: Cluster;
  let red: Browser;
  let blue: Browser;
  let dir: string;
  let showId: string;
  let hostCookie: string;
  let merchantCookie: string;
  const A = () => cluster.nodes[0]!.url;
  const B = () => cluster.nodes[1]!.url;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "stage-multinode-"));
    const [redFile, blueFile] = await Promise.all([colourY4m(dir, "red"), colourY4m(dir, "blue")]);
    [cluster, red, blue] = await Promise.all([
      startCluster(2, {
        DATABASE_URL: databaseUrl!,
        DATABASE_SCHEMA: schema,
        REDIS_URL: redisUrl!,
        SECRETS_KEY: randomBytes(32).toString("hex"),
        RECONNECT_GRACE_SECONDS: "30",
        // LOG_LEVEL=info with BENCH_SERVER_LOG=<file> keeps what the nodes did.
        ...(process.env.LOG_LEVEL ? { LOG_LEVEL: process.env.LOG_LEVEL } : {}),
      }),
      launchChromium({ args: [...FAKE_MEDIA_ARGS, `--use-file-for-fake-video-capture=${redFile}`] }),
      launchChromium({ args: [...FAKE_MEDIA_ARGS, `--use-file-for-fake-video-capture=${blueFile}`] }),
    ]);
    showId = cluster.showId;
    const creds = JSON.parse(fs.readFileSync(path.join(cluster.nodes[0]!.dataDir, "demo-login.json"), "utf8")) as { merchantEmail: string; password: string };
    hostCookie = await login(A(), cluster.nodes[0]!.demo.hostEmail, creds.password);
    merchantCookie = await login(B(), creds.merchantEmail, creds.password);
  }, 240_000);

  afterAll(async () => {
    await Promise.all([red?.close(), blue?.close()]);
    await cluster?.stop();
    await dropSchema(schema);
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  }, 240_000);

  it("answers the guest's room, publish and feed at B from A, and composes host and guest on A when B brings the guest on", async () => {
    // The host publishes to the stage at A: A composes the program and ingests it.
    const hostPage = await blankPage(await (await signedInVisitor(red, A(), hostCookie)).context.newPage());
    expect(await whipPublish(hostPage, `/api/studio/shows/${showId}/stage/whip`, { "x-showcart-csrf": "1" })).toBe(201);
    // Generous: at load 17 on two cores the compositor did not get the program live within 90 s (20 s at load 5).
    await until("the program is live", async () => (await request(B(), "GET", `/api/shows/${showId}`)).body.show.status === "live", 240_000, 500);

    // The guest (the shop's account) accepts an invite at B and does everything at B.
    const invite = await request(B(), "POST", `/api/studio/shows/${showId}/stage/invites`, { cookie: hostCookie, body: { role: "guest" } });
    const joined = await request(B(), "POST", "/api/stage/accept", { cookie: merchantCookie, body: { token: invite.body.invite.token } });
    expect(joined.status).toBe(201);
    const guestAuth = { authorization: `Bearer ${joined.body.stageToken}` };
    const pid = joined.body.participant.id as string;

    // B's room view is A's: the host publishes (B itself holds no publish).
    const room = await request(B(), "GET", `/api/shows/${showId}/stage/room`, { headers: guestAuth });
    expect(room.status).toBe(200);
    const host = room.body.stage.participants.find((p: { role: string }) => p.role === "host");
    expect([host.publishing, room.body.stage.composing, room.body.me.id]).toEqual([true, true, pid]);

    const guestPage = await blankPage(await (await blue.newContext({ baseURL: B() })).newPage());
    expect(await whipPublish(guestPage, `/api/shows/${showId}/stage/whip`, guestAuth)).toBe(201);
    await until(
      "the guest's publish on A, seen from B",
      async () =>
        (await request(B(), "GET", `/api/studio/shows/${showId}/stage`, { cookie: hostCookie })).body.stage.participants.find(
          (p: { id: string }) => p.id === pid,
        )?.publishing === true,
      30_000,
      250,
    );

    // The guest watches the host through B: the feed is A's forwarding of the host's red camera.
    const seen = await watchFeed(guestPage, `/api/shows/${showId}/stage/feeds/${host.id}`, guestAuth);
    expect(seen.status).toBe(201);
    expect(seen.rgb![0]).toBeGreaterThan(150);
    expect(seen.rgb![2]).toBeLessThan(90);

    // The host brings the guest on at B: A's compositor puts them side by side (host left, guest right).
    const on = await request(B(), "POST", `/api/studio/shows/${showId}/stage/participants/${pid}/bring-on`, { cookie: hostCookie });
    expect([on.status, on.body.participant.state, on.body.participant.publishing]).toEqual([200, "on_stage", true]);
    const t0 = Date.now();
    let last: Buffer | null = null;
    while (Date.now() - t0 < 120_000) {
      last = await programFrame(B(), showId).catch(() => null);
      if (last && colourAt(last, 4, 4) === "red" && colourAt(last, 12, 4) === "blue") break;
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(last && [colourAt(last, 4, 4), colourAt(last, 12, 4)]).toEqual(["red", "blue"]);

    // The guest leaves at B: A ends their publish and the stage says so.
    expect((await request(B(), "DELETE", `/api/shows/${showId}/stage/whip`, { headers: guestAuth })).status).toBe(204);
    const after = await request(A(), "GET", `/api/studio/shows/${showId}/stage`, { cookie: hostCookie });
    expect(after.body.stage.participants.find((p: { id: string }) => p.id === pid)).toBeUndefined();
  }, 600_000);
});
