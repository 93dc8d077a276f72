import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ShowReport } from "../../src/protocol/api.js";
import { type RunningServer, startServer } from "../../src/server/app.js";
import { loadConfig } from "../../src/server/config.js";
import { ManualClock } from "../../src/server/platform/clock.js";
import { ChatClient } from "../support/chat-client.js";
import { dropSchema, uniqueSchema } from "../support/db.js";
import { login, request } from "../support/http.js";
import { until } from "../support/until.js";

const databaseUrl = process.env.TEST_DATABASE_URL;
const redisUrl = process.env.TEST_REDIS_URL;
const missing = !databaseUrl || !redisUrl;
const title = `analytics over two nodes sharing PostgreSQL and Redis${missing ? " (skipped: TEST_DATABASE_URL and TEST_REDIS_URL are not both set)" : ""}`;
const START = Date.parse("2026-12-03T15:00:00Z");

describe.skipIf(missing)(title, () => {
  const schema = uniqueSchema();
  const clock = new ManualClock(START);
  const nodes: RunningServer[] = [];
  const dirs: string[] = [];
  const sockets: ChatClient[] = [];

  const node = async (demo: boolean) => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "showcart-analytics-node-"));
    dirs.push(dataDir);
    const config = loadConfig({
      PORT: "0",
      HOST: "127.0.0.1",
      RTMP_PORT: "0",
      RTMP_HOST: "127.0.0.1",
      DATA_DIR: dataDir,
      // The first node seeds the demo show (its login is in that node's DATA_DIR); the second serves the same database.
      DEMO: demo ? "1" : "0",
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "warn",
      DATABASE_URL: databaseUrl,
      DATABASE_SCHEMA: schema,
      REDIS_URL: redisUrl,
      REDIS_PREFIX: `${schema}:`,
      SECRETS_KEY: "a1".repeat(32),
    });
    const server = await startServer(config, { clock, sweepers: false, synthetic: false });
    nodes.push(server);
    return server;
  };

  beforeAll(async () => {
    await node(true);
    await node(false);
  }, 240_000);
  afterAll(async () => {
    for (const s of sockets) s.ws.close();
    for (const n of nodes) await n.close();
    await dropSchema(schema);
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  it("sums two nodes' viewers into one curve and counts each pin once", async () => {
    const [a, b] = nodes as [RunningServer, RunningServer];
    const showId = a.demo!.showId;
    const join = async (n: RunningServer, device: string) => {
      const c = await ChatClient.open(`${n.url.replace("http", "ws")}/ws/shows/${showId}?device=${device}&name=V`);
      sockets.push(c);
    };
    // Minute 0: 2 viewers on node A, 3 on node B.
    for (const d of ["a1", "a2"]) await join(a, d);
    for (const d of ["b1", "b2", "b3"]) await join(b, d);
    await until("sockets in", () => a.services.hub.localViewers(showId) === 2 && b.services.hub.localViewers(showId) === 3);
    await Promise.all([a.services.analyticsTick(), b.services.analyticsTick()]);
    // 10 s later node B has one more; node A's timer runs late and skips this slot (its previous sample stands in).
    clock.advance(10_000);
    await join(b, "b4");
    await until("b4 in", () => b.services.hub.localViewers(showId) === 4);
    await b.services.analyticsTick();
    // 20 s: everyone on A leaves.
    clock.advance(10_000);
    for (const s of sockets.splice(0, 2)) s.ws.close();
    await until("A empty", () => a.services.hub.localViewers(showId) === 0);
    await Promise.all([a.services.analyticsTick(), b.services.analyticsTick()]);

    // A pin on node B is counted once (each node hears it on the bus; only its origin records it).
    const host = await login(b.url, a.demo!.hostEmail, a.demo!.hostPassword);
    const studio = await request(b.url, "GET", `/api/studio/shows/${showId}`, { cookie: host });
    const offer = await request(b.url, "POST", `/api/studio/shows/${showId}/offers`, {
      cookie: host,
      body: { productId: studio.body.products[0].id, showPrice: 990, quantity: 3, durationSeconds: 600, pin: true },
    });
    expect(offer.status).toBe(201);
    await until("pinned seen on A", () => a.services.hub.showRoom(showId).seq > 0);
    await new Promise((r) => setTimeout(r, 500));
    await Promise.all([a.services.analyticsTick(), b.services.analyticsTick()]);

    const res = await request<{ report: ShowReport }>(a.url, "GET", `/api/analytics/shows/${showId}/report`, {
      cookie: await login(a.url, a.demo!.hostEmail, a.demo!.hostPassword),
    });
    expect(res.status).toBe(200);
    const r = res.body.report;
    expect(r.viewers).toEqual([
      { at: new Date(START).toISOString(), viewers: 5 },
      { at: new Date(START + 10_000).toISOString(), viewers: 6 },
      { at: new Date(START + 20_000).toISOString(), viewers: 4 },
    ]);
    expect(r.totals).toMatchObject({ peakViewers: 6, uniqueViewers: 6 });
    expect(r.pins.filter((p) => p.offerId === offer.body.offer.id)).toEqual([
      { at: new Date(START + 20_000).toISOString(), offerId: offer.body.offer.id, title: expect.any(String), kind: "pin" },
    ]);
  });
});
