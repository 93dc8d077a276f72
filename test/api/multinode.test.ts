import { randomUUID } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Redis } from "ioredis";
import WebSocket from "ws";
import type { Envelope, ServerFrame } from "../../src/protocol/realtime.js";
import { startChildServer, type ChildServer } from "../../bench/support.js";
import { clusterEnv, dropSchema, uniqueSchema } from "../support/db.js";
import { orderBody } from "../support/fixtures.js";
import { login, postOrder, request } from "../support/http.js";
import { until } from "../support/until.js";

const databaseUrl = process.env.TEST_DATABASE_URL;
const redisUrl = process.env.TEST_REDIS_URL;
const missing = !databaseUrl || !redisUrl;
const title = `three server processes sharing PostgreSQL and Redis${missing ? " (skipped: TEST_DATABASE_URL and TEST_REDIS_URL are not both set)" : ""}`;

/** A viewer's socket that records every event it was given, in order, and the last (epoch, seq) it saw. */
class Viewer {
  ws!: WebSocket;
  frames: ServerFrame[] = [];
  events: Envelope[] = [];
  epoch = "";
  seq = 0;
  errors: string[] = [];
  constructor(
    readonly name: string,
    readonly device: string,
  ) {}
  async connect(base: string, showId: string, resume = false): Promise<void> {
    const q = new URLSearchParams({ name: this.name, device: this.device });
    if (resume) {
      q.set("epoch", this.epoch);
      q.set("since", String(this.seq));
    }
    this.frames = [];
    this.ws = new WebSocket(`${base.replace("http", "ws")}/ws/shows/${showId}?${q}`);
    this.ws.on("message", (raw) => {
      const f = JSON.parse(raw.toString()) as ServerFrame;
      this.frames.push(f);
      if (f.t === "snapshot") {
        this.epoch = f.d.epoch;
        this.seq = f.d.seq;
      } else if (f.t === "hello") this.epoch = f.d.epoch;
      else if (f.t === "error") this.errors.push(f.d.code);
      else if (f.t === "batch") {
        for (const e of f.d) {
          if (e.seq <= this.seq) continue;
          this.seq = e.seq;
          this.events.push(e);
        }
      }
    });
    this.ws.on("error", () => {});
    await new Promise((resolve, reject) => {
      this.ws.once("open", resolve);
      this.ws.once("error", reject);
    });
    await until(`${this.name} joined`, () => this.frames.some((f) => f.t === "hello"), 30_000);
  }
  event(pred: (e: Envelope) => boolean): Envelope | undefined {
    return this.events.find(pred);
  }
  viewers(): number | undefined {
    const last = this.events.filter((e) => e.t === "viewers.counted").at(-1);
    return last ? (last.d as { viewers: number }).viewers : undefined;
  }
  send(cmd: unknown) {
    this.ws.send(JSON.stringify(cmd));
  }
}

const text = (e: Envelope) => (e.d as { text?: string }).text;

describe.skipIf(missing)(title, () => {
  const schema = uniqueSchema();
  const env = clusterEnv(schema);
  // This cluster's own Redis prefix, as a deployment sharing a Redis with others sets it.
  const prefix = env.REDIS_PREFIX!;
  const nodes: ChildServer[] = [];
  const viewers: Viewer[] = [];
  let showId = "";
  let offer: { id: string; remaining: number };

  beforeAll(async () => {
    // The first node migrates and seeds the demo show; the others join the same database with its demo login file.
    nodes.push(await startChildServer(env));
    const others = [0, 1].map(() => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "showcart-node-"));
      fs.copyFileSync(path.join(nodes[0]!.dataDir, "demo-login.json"), path.join(dir, "demo-login.json"));
      return dir;
    });
    nodes.push(...(await Promise.all(others.map((dataDir) => startChildServer(env, { dataDir })))));
    showId = nodes[0]!.demo.showId;
    expect(nodes.map((n) => n.demo.showId)).toEqual([showId, showId, showId]);
    const show = await request(nodes[0]!.url, "GET", `/api/shows/${showId}`);
    offer = show.body.show.offers.find((o: { pinned: boolean }) => o.pinned);
    for (let i = 0; i < 3; i++) {
      const v = new Viewer(`Viewer${i}`, `device-${i}-${randomUUID()}`);
      await v.connect(nodes[i]!.url, showId);
      viewers.push(v);
    }
  }, 240_000);

  afterAll(async () => {
    for (const v of viewers) v.ws?.close();
    // A killed node has no exit code (it has a signal): only remove its data dir.
    await Promise.all(nodes.map((n) => (n.proc.signalCode === null ? n.stop() : fs.rmSync(n.dataDir, { recursive: true, force: true }))));
    await dropSchema(schema);
  }, 180_000);

  it("merges viewer counts over the nodes within seconds", async () => {
    await until("every node shows 3 viewers", () => viewers.every((v) => v.viewers() === 3), 20_000);
  });

  it("delivers a chat message, a stock change and a ban to sockets on every node, with the same seq everywhere", async () => {
    const [a, b, c] = viewers as [Viewer, Viewer, Viewer];
    b.send({ t: "chat.send", d: { text: "hello from node B" } });
    await until("chat on every node", () => viewers.every((v) => v.event((e) => text(e) === "hello from node B")), 20_000);
    const seqs = viewers.map((v) => v.event((e) => text(e) === "hello from node B")!.seq);
    expect(new Set(seqs).size).toBe(1);

    const res = await postOrder(nodes[0]!.url, orderBody(offer.id, { quantity: 2 }));
    expect(res.status).toBe(201);
    const sold = (e: Envelope) => e.t === "offer.updated" && (e.d as { remaining: number }).remaining === offer.remaining - 2;
    await until("stock change on every node", () => viewers.every((v) => v.event(sold)), 20_000);
    expect(new Set(viewers.map((v) => v.event(sold)!.seq)).size).toBe(1);

    // The host, signed in on node C, bans B's author (by device): the message disappears everywhere and the ban
    // holds when the author writes again through node B.
    const cookie = await login(nodes[2]!.url, nodes[0]!.demo.hostEmail, nodes[0]!.demo.hostPassword);
    const msgId = (b.event((e) => text(e) === "hello from node B")!.d as { id: string }).id;
    const ban = await request(nodes[2]!.url, "POST", `/api/studio/shows/${showId}/chat/messages/${msgId}/ban`, { cookie, body: { by: ["device"] } });
    expect(ban.status).toBe(201);
    const deleted = (e: Envelope) => e.t === "chat.deleted" && (e.d as { ids: string[] }).ids.includes(msgId);
    await until("deletion on every node", () => viewers.every((v) => v.event(deleted)), 20_000);
    await until(
      "ban enforced on node B",
      async () => {
        b.send({ t: "chat.send", d: { text: "am I still here?" } });
        await new Promise((r) => setTimeout(r, 300));
        return b.errors.includes("chat_banned");
      },
      20_000,
    );
    expect(a.event((e) => text(e) === "am I still here?")).toBeUndefined();
    expect(c.event((e) => text(e) === "am I still here?")).toBeUndefined();
  }, 180_000);

  it("keeps every Redis key and channel of the show under the deployment's REDIS_PREFIX", async () => {
    const redis = new Redis(redisUrl!);
    try {
      const keys: string[] = [];
      let cursor = "0";
      do {
        const [next, batch] = await redis.scan(cursor, "MATCH", `*${showId}*`, "COUNT", 1000);
        keys.push(...batch);
        cursor = next;
      } while (cursor !== "0");
      // The room's seq, the viewer counts: under the prefix, and nothing of this show outside it.
      expect(keys).toEqual(expect.arrayContaining([`${prefix}room:${showId}`, `${prefix}presence:${showId}`]));
      expect(keys.filter((k) => !k.startsWith(prefix))).toEqual([]);
      // The rooms' channel and each node's request channel (pub/sub is not per Redis database: only the prefix parts it).
      const channels = await redis.pubsub("CHANNELS", `${prefix}*`);
      expect(channels).toContain(`${prefix}rooms`);
      expect(channels.filter((c) => String(c).startsWith(`${prefix}rpc:`))).toHaveLength(3);
    } finally {
      redis.disconnect();
    }
  });

  it("loses no event for a client that resumes on another node after its node is killed", async () => {
    const [a, , c] = viewers as [Viewer, Viewer, Viewer];
    const since = a.seq;
    const epoch = a.epoch;
    await nodes[0]!.kill();
    // While A's client is away: chat through node C, a purchase through node B.
    c.send({ t: "chat.send", d: { text: "while you were away" } });
    const res = await postOrder(nodes[1]!.url, orderBody(offer.id));
    expect(res.status).toBe(201);
    const lastSold = (e: Envelope) => e.t === "offer.updated" && (e.d as { remaining: number }).remaining === offer.remaining - 3;
    await until("C saw both", () => c.event((e) => text(e) === "while you were away") && c.event(lastSold), 20_000);

    await a.connect(nodes[1]!.url, showId, true);
    const hello = a.frames.find((f) => f.t === "hello");
    expect(hello?.t === "hello" && hello.d).toMatchObject({ epoch, resumed: true });
    await until(
      "A caught up",
      () => a.event((e) => e.seq > since && text(e) === "while you were away") && a.event((e) => e.seq > since && lastSold(e)),
      20_000,
    );
    expect(a.frames.some((f) => f.t === "snapshot")).toBe(false);
    // Exactly the missed events: the replay holds every seq after `since`, once, in order (later live frames may
    // leave out superseded counters), and A ends up with the same events C was sent.
    const replay = a.frames.find((f) => f.t === "batch");
    if (replay?.t !== "batch") throw new Error("no replay batch");
    expect(replay.d.map((e) => e.seq)).toEqual(replay.d.map((_, i) => since + 1 + i));
    const counters = new Set(["viewers.counted", "reactions.counted"]);
    const upTo = a.seq;
    const fromC = c.events.filter((e) => e.seq > since && e.seq <= upTo && !counters.has(e.t));
    expect(fromC.length).toBeGreaterThanOrEqual(2);
    for (const e of fromC) expect(a.events.find((r) => r.seq === e.seq)).toEqual(e);
  }, 120_000);
});
