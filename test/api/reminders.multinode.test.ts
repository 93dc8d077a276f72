import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startChildServer, type ChildServer } from "../../bench/support.js";
import type { StoredMail } from "../../src/server/mail/index.js";
import { clusterEnv, dropSchema, uniqueSchema } from "../support/db.js";
import { login, request } from "../support/http.js";
import { until } from "../support/until.js";

const databaseUrl = process.env.TEST_DATABASE_URL;
const redisUrl = process.env.TEST_REDIS_URL;
const missing = !databaseUrl || !redisUrl;
const title = `reminders and go-live notices with two server processes on PostgreSQL and Redis${missing ? " (skipped: TEST_DATABASE_URL and TEST_REDIS_URL are not both set)" : ""}`;

// Real processes on the real clock, each sweeping four times a second (NOTICES_SWEEP_MS; 5 s by default): the show is
// made half an hour ahead and, once the reminders are in, moved to start just under 15 minutes from now, so its reminder
// falls due while both nodes sweep; one node is killed and another started in its place before the show goes live.
// Every email any node sent is read from the nodes' mail directories.
const SWEEP_MS = 250;
describe.skipIf(missing)(title, () => {
  const schema = uniqueSchema();
  const env = { ...clusterEnv(schema), NOTICES_SWEEP_MS: String(SWEEP_MS) };
  const nodes: ChildServer[] = [];
  const dataDirs: string[] = [];
  let db: pg.Client;
  let showId = "";
  const guests = ["ann@example.com", "ben@example.com", "cleo@example.de"];
  let followerEmail = "";

  const joinDir = (first: ChildServer) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "showcart-node-"));
    fs.copyFileSync(path.join(first.dataDir, "demo-login.json"), path.join(dir, "demo-login.json"));
    return dir;
  };
  /** Every email any node wrote (the file mailer: one file per outbox row, named by its id). */
  const sent = (): StoredMail[] =>
    dataDirs.flatMap((dir) => {
      const mailDir = path.join(dir, "mail");
      if (!fs.existsSync(mailDir)) return [];
      return fs
        .readdirSync(mailDir)
        .filter((f) => f.endsWith(".json"))
        .map((f) => JSON.parse(fs.readFileSync(path.join(mailDir, f), "utf8")) as StoredMail);
    });
  const count = (to: string, subject: RegExp) => sent().filter((m) => m.to === to && subject.test(m.subject)).length;

  beforeAll(async () => {
    nodes.push(await startChildServer(env));
    dataDirs.push(nodes[0]!.dataDir);
    const dir = joinDir(nodes[0]!);
    nodes.push(await startChildServer(env, { dataDir: dir }));
    dataDirs.push(dir);
    db = new pg.Client({ connectionString: databaseUrl, options: `-c search_path=${schema}` });
    await db.connect();
  }, 240_000);

  afterAll(async () => {
    await db?.end();
    await Promise.all(nodes.map((n) => (n.proc.exitCode === null && n.proc.signalCode === null ? n.stop() : undefined)));
    for (const dir of dataDirs) fs.rmSync(dir, { recursive: true, force: true });
    await dropSchema(schema);
  }, 120_000);

  it("reminds once 15 minutes before, with both nodes sweeping", async () => {
    const [a, b] = nodes as [ChildServer, ChildServer];
    // The child reports the whole demo seed; ChildServer's type names only what the benches use.
    const demo = a.demo as ChildServer["demo"] & { merchantEmail: string };
    const merchant = await login(a.url, demo.merchantEmail, demo.hostPassword);
    const hosts = await request(a.url, "GET", "/api/admin/hosts", { cookie: merchant });
    const hostAccountId = hosts.body.hosts[0].id as string;
    // Not due when made: the reminders below are all in before the show is moved into the 15 minutes.
    const startsAt = new Date(Date.now() + 30 * 60_000);
    const created = await request(a.url, "POST", "/api/admin/shows", {
      cookie: merchant,
      body: { title: "Two-node special", slug: "two-node-special", hostAccountId, scheduledAt: startsAt.toISOString() },
    });
    expect(created.status).toBe(201);
    showId = created.body.show.id;
    // Reminders through either node; the shop's owner follows the host (a go-live notice only).
    for (const [i, email] of guests.entries()) {
      const res = await request(nodes[i % 2]!.url, "POST", `/api/shows/two-node-special/reminders`, {
        body: { email, lang: email.endsWith(".de") ? "de" : "en" },
      });
      expect(res.status).toBe(201);
    }
    expect(
      (await request(b.url, "PUT", `/api/follows/host/${hostAccountId}`, { cookie: await login(b.url, demo.merchantEmail, demo.hostPassword) })).status,
    ).toBe(200);
    followerEmail = demo.merchantEmail;
    // Moved to start in 15 minutes less a few seconds: due at the nodes' next sweeps (the half-hour start never was).
    const moved = await request(b.url, "PATCH", `/api/admin/shows/${showId}`, {
      cookie: merchant,
      body: { scheduledAt: new Date(Date.now() + 15 * 60_000 - 5_000).toISOString() },
    });
    expect(moved.status).toBe(200);

    const soon = /^(Starting in 15 minutes|In 15 Minuten geht es los): Two-node special$/;
    await until("every guest reminded", () => guests.every((g) => count(g, soon) >= 1), 60_000);
    // Three more sweeps on each node (under one at 5 s, the default NOTICES_SWEEP_MS): nothing further.
    await new Promise((r) => setTimeout(r, 3 * SWEEP_MS));
    expect(Object.fromEntries(guests.map((g) => [g, count(g, soon)]))).toEqual(Object.fromEntries(guests.map((g) => [g, 1])));
    expect(count(followerEmail, soon)).toBe(0);
    expect(count("cleo@example.de", /^In 15 Minuten geht es los/)).toBe(1);
  }, 120_000);

  it("announces the go-live once after a node was killed and another started in its place", async () => {
    await nodes[0]!.kill();
    const dir = joinDir(nodes[0]!);
    nodes.push(await startChildServer(env, { dataDir: dir }));
    dataDirs.push(dir);
    // The stream is not what is under test: the show's row turns live as media's onLive would have it, and the nodes'
    // sweeps find it on air.
    await db.query("update shows set status = 'live' where id = $1", [showId]);

    const live = /^(Live now|Jetzt live): Two-node special$/;
    const everyone = [...guests, followerEmail];
    await until("everyone told it is live", () => everyone.every((to) => count(to, live) >= 1), 60_000);
    await new Promise((r) => setTimeout(r, 3 * SWEEP_MS));
    expect(Object.fromEntries(everyone.map((to) => [to, count(to, live)]))).toEqual(Object.fromEntries(everyone.map((to) => [to, 1])));

    // The database agrees: one notice row per notice, one outbox email per recipient and notice, all delivered.
    const sends = await db.query("select kind, recipients from notice_sends where show_id = $1 order by created_at", [showId]);
    expect(sends.rows).toEqual([
      { kind: "show.starting_soon", recipients: 3 },
      { kind: "show.live", recipients: 4 },
    ]);
    const emails = await db.query<{ to: string; n: number; pending: number }>(
      `select payload::json->>'to' as to, count(*)::int as n, count(*) filter (where processed_at is null)::int as pending
         from outbox where topic = 'email.send' and payload like '%Two-node special%' group by 1 order by 1`,
    );
    expect(emails.rows).toEqual([...everyone].sort().map((to) => ({ to, n: to === followerEmail ? 1 : 2, pending: 0 })));
  }, 120_000);
});
