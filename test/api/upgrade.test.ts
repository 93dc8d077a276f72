import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { request } from "../support/http.js";
import { startTestServer, type TestServer } from "../support/server.js";

// A ./data directory written by the previous release (commit f5eddec's `npm start`: the demo show live for a few
// seconds, two paid guest orders, a finished recording), packed as it was. Today's code must start on it, migrate it
// and keep what it holds.
const FIXTURE = path.resolve("test/fixtures/data-dir-f5eddec.tar.xz");

describe("an existing data directory from the previous release", () => {
  let server: TestServer;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "showcart-upgrade-"));
    execFileSync("tar", ["-xJf", FIXTURE, "-C", dataDir]);
    server = await startTestServer({ synthetic: false, env: { DATA_DIR: dataDir } });
  }, 120_000);
  afterAll(async () => {
    await server?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it("starts on it and keeps its orders, ledger and recordings", async () => {
    const db = server.db.db;
    const orders = await db.selectFrom("orders").select(["id", "status", "total", "buyer_email"]).orderBy("buyer_email").execute();
    expect(orders.map((o) => [o.id, o.status, o.total, o.buyer_email])).toEqual([
      ["ord_cF0RdlPSCCwrvk7N", "paid", 9099, "ada1@example.com"],
      ["ord_lU0_eoFr8T6FS_su", "paid", 9099, "ada2@example.com"],
    ]);
    const postings = await db.selectFrom("ledger_postings").select(["amount"]).execute();
    expect(postings.length).toBeGreaterThan(0);
    expect(postings.reduce((s, p) => s + Number(p.amount), 0)).toBe(0);
    // The demo seed saw its own show and did not seed a second one.
    const shows = await db.selectFrom("shows").select("slug").execute();
    expect(shows.map((s) => s.slug)).toEqual(["demo"]);
    const recs = await request(server.url, "GET", "/api/shows/demo/recordings");
    expect(recs.status).toBe(200);
    expect(recs.body.recordings.length).toBe(1);
    const playlistPath = path.join(dataDir, "media", "recordings");
    expect(fs.readdirSync(playlistPath).length).toBe(1);
  });

  it("keeps every account's shop as a membership, its address confirmed, and the shop's details defaulted", async () => {
    const db = server.db.db;
    const team = await db.selectFrom("accounts").select(["id", "role", "merchant_id", "email_verified_at"]).where("merchant_id", "is not", null).execute();
    expect(team.length).toBeGreaterThan(0);
    const members = await db.selectFrom("merchant_members").select(["account_id", "merchant_id", "role"]).execute();
    expect(members.map((m) => [m.account_id, m.merchant_id, m.role]).sort()).toEqual(team.map((a) => [a.id, a.merchant_id, a.role]).sort());
    expect(team.every((a) => a.email_verified_at !== null)).toBe(true);
    // The old setup no longer asks for a first run; the shop keeps working with EUR and the Berlin time zone.
    expect((await request(server.url, "GET", "/api/auth/setup")).body).toEqual({ needed: false });
    const shop = await db.selectFrom("merchants").select(["currency", "time_zone"]).executeTakeFirstOrThrow();
    expect(shop).toEqual({ currency: "EUR", time_zone: "Europe/Berlin" });
  });
});
