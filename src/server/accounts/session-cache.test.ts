import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Backend, backends, openTestDb } from "../../../test/support/db.js";
import { silentLog } from "../../../test/support/fixtures.js";
import { until } from "../../../test/support/until.js";
import type { DbHandle } from "../db/index.js";
import { Outbox } from "../outbox/index.js";
import { MemoryBus, RedisBus } from "../platform/bus.js";
import { ManualClock } from "../platform/clock.js";
import { AccountService } from "./service.js";
import { type CachedSession, SessionCache } from "./session-cache.js";

// A TTL far longer than any test: when a revoked session stops working, only the invalidation can have done it.
const LONG_TTL_MS = 10 * 60_000;

/** The reset link's token, read from the email the outbox holds for `email` (as the mailer would send it). */
async function resetToken(handle: DbHandle, email: string): Promise<string> {
  const rows = await handle.db.selectFrom("outbox").select("payload").where("topic", "=", "email.send").execute();
  const mail = rows
    .map((r) => JSON.parse(r.payload) as { to: string; text: string })
    .reverse()
    .find((m) => m.to === email);
  return /#token=([A-Za-z0-9_-]+)/.exec(mail!.text)![1]!;
}

describe.each(backends)("session cache, one node (%s)", (backend: Backend) => {
  let handle: DbHandle;
  let accounts: AccountService;
  const clock = new ManualClock("2026-12-03T12:00:00Z");

  beforeAll(async () => {
    handle = await openTestDb(backend);
    const bus = new MemoryBus();
    accounts = new AccountService(handle.db, clock, new Outbox(handle.db, clock, silentLog, bus), "http://localhost", undefined, { ttlMs: LONG_TTL_MS, bus });
  });
  afterAll(async () => handle?.close());

  const signedIn = async (email: string) => {
    await accounts.createAccount({ email, password: "a long password", displayName: "Cached", role: "buyer", merchantId: null });
    return accounts.login(email, "a long password");
  };

  it("stops honouring a session at once when it signs out, though it was cached", async () => {
    const { token, account } = await signedIn("signout@example.com");
    expect((await accounts.accountForSession(token))?.id).toBe(account.id);
    expect((await accounts.accountForSession(token))?.id).toBe(account.id); // from the cache
    await accounts.logout(token);
    expect(await accounts.accountForSession(token)).toBeNull();
  });

  it("ends every cached session of an account when its password is reset", async () => {
    const email = "reset@example.com";
    const one = await signedIn(email);
    const two = await accounts.login(email, "a long password");
    for (const s of [one, two]) expect((await accounts.accountForSession(s.token))?.id).toBe(one.account.id);
    await accounts.requestPasswordReset(email);
    await accounts.resetPassword(await resetToken(handle, email), "another long password");
    expect(await accounts.accountForSession(one.token)).toBeNull();
    expect(await accounts.accountForSession(two.token)).toBeNull();
  });

  it("shows a changed language on the next request, and ends a cached session when it expires", async () => {
    const { token, account, expiresAt } = await signedIn("lang@example.com");
    expect((await accounts.accountForSession(token))?.lang).toBeNull();
    await accounts.setLang(account.id, "de");
    expect((await accounts.accountForSession(token))?.lang).toBe("de");
    clock.set(expiresAt);
    expect(await accounts.accountForSession(token)).toBeNull();
    clock.set("2026-12-03T12:00:00Z");
  });

  it("answers many first requests at once with their own accounts", async () => {
    const sessions = await Promise.all(Array.from({ length: 30 }, (_, i) => signedIn(`many-${i}@example.com`)));
    const bogus = randomBytes(32).toString("base64url");
    const found = await Promise.all([...sessions.map((s) => accounts.accountForSession(s.token)), accounts.accountForSession(bogus)]);
    expect(found.map((a) => a?.id ?? null)).toEqual([...sessions.map((s) => s.account.id), null]);
  });
});

describe("session cache, its rules", () => {
  const account = (id: string) => ({ id, email: `${id}@example.com`, displayName: id, role: "buyer" as const, merchantId: null, lang: null });

  it("reads the misses that wait together in one lookup, and keeps what it read for its TTL only", async () => {
    const lookups: string[][] = [];
    let t = 0;
    const cache = new SessionCache(
      async (hashes) => {
        lookups.push(hashes);
        return new Map(hashes.filter((h) => h !== "none").map((h) => [h, { account: account(`acc_${h}`), expiresAt: 1e15 }]));
      },
      { ttlMs: 5000, now: () => t },
    );
    const first = await Promise.all(["a", "b", "a", "none"].map((h) => cache.get(h)));
    expect(first.map((s) => s?.account.id ?? null)).toEqual(["acc_a", "acc_b", "acc_a", null]);
    expect(lookups).toEqual([["a", "b", "none"]]);
    await cache.get("a");
    expect(lookups.length).toBe(1);
    t = 5000;
    await cache.get("a");
    expect(lookups.length).toBe(2);
  });

  it("does not keep what a lookup read when the account changed while it ran", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let reads = 0;
    const cache = new SessionCache(
      async (hashes) => {
        reads++;
        if (reads === 1) await gate;
        return new Map<string, CachedSession>(hashes.map((h) => [h, { account: account("acc_1"), expiresAt: 1e15 }]));
      },
      { ttlMs: LONG_TTL_MS },
    );
    const inFlight = cache.get("t1");
    await new Promise((r) => setImmediate(r)); // the lookup has started
    await cache.changed("acc_1"); // e.g. signed out on this node meanwhile
    release();
    expect((await inFlight)?.account.id).toBe("acc_1"); // that request raced the sign-out
    expect(cache.size).toBe(0);
    await cache.get("t1");
    expect(reads).toBe(2);
  });

  it("holds at most maxEntries sessions", async () => {
    const cache = new SessionCache(async (hashes) => new Map(hashes.map((h) => [h, { account: account(`acc_${h}`), expiresAt: 1e15 }])), {
      ttlMs: LONG_TTL_MS,
      maxEntries: 3,
    });
    for (const h of ["a", "b", "c", "d", "e"]) await cache.get(h);
    expect(cache.size).toBe(3);
  });
});

const twoNodes = !!process.env.TEST_DATABASE_URL && !!process.env.TEST_REDIS_URL;
describe.skipIf(!twoNodes)(
  `session cache, two nodes on PostgreSQL and Redis${twoNodes ? "" : " (skipped: TEST_DATABASE_URL and TEST_REDIS_URL not both set)"}`,
  () => {
    let handle: DbHandle;
    const buses: RedisBus[] = [];
    let a: AccountService;
    let b: AccountService;
    const clock = new ManualClock("2026-12-03T12:00:00Z");

    beforeAll(async () => {
      handle = await openTestDb("postgres");
      const prefix = `t${randomBytes(4).toString("hex")}:`;
      const node = () => {
        const bus = new RedisBus(process.env.TEST_REDIS_URL!, prefix);
        buses.push(bus);
        return new AccountService(handle.db, clock, new Outbox(handle.db, clock, silentLog, bus), "http://localhost", undefined, { ttlMs: LONG_TTL_MS, bus });
      };
      a = node();
      b = node();
      await new Promise((r) => setTimeout(r, 300)); // both subscribed to account.changed
    });
    afterAll(async () => {
      await Promise.all(buses.map((bus) => bus.close()));
      await handle?.close();
    });

    it("a sign-out on one node ends the session cached on the other", async () => {
      await a.createAccount({ email: "two@example.com", password: "a long password", displayName: "Two", role: "buyer", merchantId: null });
      const { token, account } = await a.login("two@example.com", "a long password");
      expect((await a.accountForSession(token))?.id).toBe(account.id);
      expect((await b.accountForSession(token))?.id).toBe(account.id); // now cached on B for ten minutes
      await a.logout(token);
      expect(await a.accountForSession(token)).toBeNull();
      await until("B forgets the session", async () => (await b.accountForSession(token)) === null, 5000, 20);
    });

    it("a password reset on one node ends the sessions cached on the other", async () => {
      const email = "two-reset@example.com";
      await b.createAccount({ email, password: "a long password", displayName: "Two", role: "buyer", merchantId: null });
      const { token, account } = await b.login(email, "a long password");
      expect((await a.accountForSession(token))?.id).toBe(account.id);
      await b.requestPasswordReset(email);
      await b.resetPassword(await resetToken(handle, email), "another long password");
      await until("A forgets the session", async () => (await a.accountForSession(token)) === null, 5000, 20);
    });
  },
);
