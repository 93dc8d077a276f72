import { createHash, randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { Agent, request as undiciRequest } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ChildServer, startChildServer } from "../../bench/support.js";
import { bidderKey } from "../../src/server/auctions/index.js";
import { referenceAuction } from "../support/auction-reference.js";
import { clusterEnv, dropSchema, uniqueSchema } from "../support/db.js";
import { login, request } from "../support/http.js";

const databaseUrl = process.env.TEST_DATABASE_URL;
const redisUrl = process.env.TEST_REDIS_URL;
const missing = !databaseUrl || !redisUrl;
const title = `auction bids through two server processes on PostgreSQL and Redis${missing ? " (skipped: TEST_DATABASE_URL and TEST_REDIS_URL are not both set)" : ""}`;

const BIDDERS = 40;
const START = 1000;
const INCREMENT = 50;

// Two real nodes share one database and one Redis. The first bid reaches node A, which takes the auction's lease;
// then bids go to both nodes at once (B forwards its bids to A over the bus); then A is killed and bids go to B alone,
// which takes the auction over once A's lease lapses. One consistent result: every bid decided once whichever node it
// reached, and the audit log replayed through the reference model gives each decision, the price and the leader.
describe.skipIf(missing)(title, () => {
  const schema = uniqueSchema();
  const env = clusterEnv(schema);
  let a: ChildServer;
  let b: ChildServer;
  let db: pg.Client;
  const cookies: { id: string; cookie: string }[] = [];

  beforeAll(async () => {
    a = await startChildServer(env);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "showcart-node-"));
    fs.copyFileSync(path.join(a.dataDir, "demo-login.json"), path.join(dir, "demo-login.json"));
    b = await startChildServer(env, { dataDir: dir });
    db = new pg.Client({ connectionString: databaseUrl, options: `-c search_path=${schema}` });
    await db.connect();
    // Buyers with sessions written straight into the database (as the accounts module stores them: token hashed).
    const now = new Date();
    for (let i = 0; i < BIDDERS; i++) {
      const id = `acc_node_bidder_${i}`;
      const token = randomBytes(32).toString("base64url");
      await db.query(
        "insert into accounts (id, email, password_hash, display_name, role, merchant_id, created_at) values ($1, $2, $3, $4, 'buyer', null, $5)",
        [id, `node-bidder-${i}@race.test`, "not-a-hash", `Node Bidder ${i}`, now],
      );
      await db.query("insert into sessions (token_hash, account_id, created_at, expires_at) values ($1, $2, $3, $4)", [
        createHash("sha256").update(token).digest("base64url"),
        id,
        now,
        new Date(now.getTime() + 3600_000),
      ]);
      cookies.push({ id, cookie: `sc_session=${token}` });
    }
  }, 240_000);

  afterAll(async () => {
    await db?.end();
    await Promise.all([a, b].map((n) => (n && n.proc.exitCode === null && n.proc.signalCode === null ? n.stop() : undefined)));
    if (a) fs.rmSync(a.dataDir, { recursive: true, force: true }); // killed: stop() did not clean up
    await dropSchema(schema);
  }, 120_000);

  it("bids to both nodes, then to the survivor of the owner: one leader, every accepted bid audited once, every decision priced by the rules", async () => {
    const host = await login(a.url, a.demo.hostEmail, a.demo.hostPassword);
    const studio = await request(a.url, "GET", `/api/studio/shows/${a.demo.showId}`, { cookie: host });
    const created = await request(a.url, "POST", `/api/studio/shows/${a.demo.showId}/auctions`, {
      cookie: host,
      body: { productId: studio.body.products[1].id, startPrice: START, minIncrement: INCREMENT, durationSeconds: 3600, softCloseSeconds: 0 },
    });
    expect(created.status).toBe(201);
    const auctionId: string = created.body.auction.id;
    expect((await request(a.url, "POST", `/api/studio/auctions/${auctionId}/start`, { cookie: host })).status).toBe(200);

    const dispatcher = new Agent({ connections: 64, pipelining: 1 });
    let n = 0;
    const send = async (node: ChildServer, max: number) => {
      const bidder = cookies[n++ % BIDDERS]!;
      const res = await undiciRequest(`${node.url}/api/auctions/${auctionId}/bids`, {
        method: "POST",
        dispatcher,
        headers: {
          cookie: bidder.cookie,
          "x-showcart-csrf": "1",
          "content-type": "application/json",
          "idempotency-key": `node-${n}-${randomBytes(6).toString("hex")}`,
        },
        body: JSON.stringify({ maxAmount: max }),
      });
      return { status: res.statusCode, body: (await res.body.json()) as any, max };
    };
    const maxima = (count: number, from: number) =>
      Array.from({ length: count }, (_, i) => START + (from + i) * INCREMENT + Math.floor(Math.random() * 6) * INCREMENT);

    // A takes the lease with the first bid; then 300 bids at once, alternating between the nodes.
    const first = await send(a, START);
    expect(first.status).toBe(201);
    const storm = await Promise.all(maxima(300, 1).map((max, i) => send(i % 2 === 0 ? a : b, max)));
    // The owner dies; B takes the auction over once A's lease lapses (bids wait and retry meanwhile).
    await a.kill();
    const after = await Promise.all(maxima(60, 320).map((max) => send(b, max)));
    await dispatcher.close();

    const answers = [first, ...storm, ...after];
    for (const r of answers) {
      if (r.status !== 201) expect(r.body.error.code).toBe("bid_too_low");
    }
    const accepted = answers.filter((r) => r.status === 201);
    expect(storm.filter((r) => r.status === 201).length).toBeGreaterThan(0);
    expect(after.filter((r) => r.status === 201).length).toBeGreaterThan(0);

    const events = await db.query(
      "select type, account_id, amount, data from auction_events where auction_id = $1 and type in ('bid_accepted', 'bid_refused') order by seq",
      [auctionId],
    );
    // Every bid decided, wherever it arrived: an accepted one exactly once (a retried forward is a replay); a refusal
    // may be decided again when a forward was retried after a silence (still refused: the minimum only rises).
    const refused = answers.length - accepted.length;
    expect(events.rows.filter((e) => e.type === "bid_accepted")).toHaveLength(accepted.length);
    expect(events.rows.filter((e) => e.type === "bid_refused").length).toBeGreaterThanOrEqual(refused);
    const ref = referenceAuction(START, INCREMENT);
    for (const e of events.rows) {
      const want = ref.bid(e.account_id, Number(e.amount));
      expect(e.type).toBe(want.ok ? "bid_accepted" : "bid_refused");
      if (want.ok) expect(JSON.parse(e.data).price).toBe(want.price);
    }
    const acceptedIds = new Set(events.rows.filter((e) => e.type === "bid_accepted").map((e) => JSON.parse(e.data).bidId as string));
    expect(acceptedIds).toEqual(new Set(accepted.map((r) => r.body.bid.id as string)));
    // Each accepted bid's audit row is the bid: it carries what awarding and a retry's replay read.
    const bids = await db.query(
      "select count(*)::int as n from auction_events where auction_id = $1 and type = 'bid_accepted' and idempotency_key is not null and bidder_email is not null",
      [auctionId],
    );
    expect(bids.rows[0].n).toBe(accepted.length);

    const view = (await request(b.url, "GET", `/api/auctions/${auctionId}`)).body.auction;
    expect(view).toMatchObject({ bidCount: accepted.length, currentPrice: ref.state.price, leaderKey: bidderKey(auctionId, ref.state.leaderId!) });
    // The leader holds the highest maximum sent in an accepted bid.
    const top = Math.max(...accepted.map((r) => r.max));
    const leaderMax = await db.query("select leader_max from auctions where id = $1", [auctionId]);
    expect(Number(leaderMax.rows[0].leader_max)).toBe(top);
  }, 300_000);
});
