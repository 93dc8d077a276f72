import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { backends } from "../support/db.js";
import { createBuyer, mailedToken } from "../support/accounts.js";
import { type JsonResponse, request } from "../support/http.js";
import { startTestServer, type TestServer } from "../support/server.js";

// Counts argon2 hashes made anywhere in this process (the server runs in it): a refused token must cost none.
const argon = vi.hoisted(() => ({ hashes: 0 }));
vi.mock("@node-rs/argon2", async (importOriginal) => {
  const real = await importOriginal<typeof import("@node-rs/argon2")>();
  const countedHash = (...args: Parameters<typeof real.hash>) => {
    argon.hashes++;
    return real.hash(...args);
  };
  return { ...real, hash: countedHash };
});

vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

// Limits count in this process, or in Redis (TEST_REDIS_URL as the server's REDIS_URL): every key here is fresh per run.
const stores: ("memory" | "redis")[] = process.env.TEST_REDIS_URL ? ["memory", "redis"] : ["memory"];
const cases = backends.flatMap((backend) => stores.map((store) => [backend, store] as const));
const fresh = (what: string) => `${what}-${randomUUID().slice(0, 8)}@limits.test`;
let addressSeq = Math.floor(Math.random() * 250);
const freshAddress = () => {
  addressSeq = (addressSeq + 1) % 256;
  return `198.51.${addressSeq}.${Math.floor(Math.random() * 254) + 1}`;
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const code = (res: JsonResponse) => (res.status < 300 ? res.status : res.body.error.code);

describe.each(cases)("abuse limits (%s, %s)", (backend, store) => {
  let proxied: TestServer;
  let direct: TestServer;
  const redisEnv: Record<string, string> = store === "redis" ? { REDIS_URL: process.env.TEST_REDIS_URL!, BUS: "memory" } : {};
  beforeAll(async () => {
    [proxied, direct] = await Promise.all([
      startTestServer({ backend, synthetic: false, env: { ...redisEnv, TRUST_PROXY: "1" } }),
      startTestServer({ backend, synthetic: false, env: redisEnv }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([proxied?.close(), direct?.close()]);
  });

  const loginFrom = (server: TestServer, address: string | null, email: string, password: string) =>
    request(server.url, "POST", "/api/auth/login", { body: { email, password }, headers: address ? { "x-forwarded-for": address } : {} });

  it("slows a brute force on one account from many addresses, then refuses; the owner signs in after the delay", async () => {
    const email = fresh("target");
    await createBuyer(proxied, email, "the real password");
    const codes: string[] = [];
    for (let i = 0; i < 10; i++) codes.push(code(await loginFrom(proxied, freshAddress(), email, `guess ${i}`)));
    expect(codes).toEqual(Array(10).fill("invalid_credentials"));
    // The 11th attempt is heard, and holds the account's slot for 1 s: the next one, from anywhere, waits.
    expect(code(await loginFrom(proxied, freshAddress(), email, "guess 10"))).toBe("invalid_credentials");
    const slowed = await loginFrom(proxied, freshAddress(), email, "guess 11");
    expect([slowed.status, slowed.body.error.code]).toEqual([429, "rate_limited"]);
    expect(slowed.body.error.details.retryAfterMs).toBeGreaterThan(0);
    expect(slowed.body.error.details.retryAfterMs).toBeLessThanOrEqual(1000);
    expect(slowed.headers.get("retry-after")).toBe("1");
    await sleep(slowed.body.error.details.retryAfterMs + 50);
    // The 12th attempt holds it for 2 s: even the right password waits (the delay is the whole lock-out).
    expect(code(await loginFrom(proxied, freshAddress(), email, "guess 12"))).toBe("invalid_credentials");
    const owner = await loginFrom(proxied, freshAddress(), email, "the real password");
    expect(owner.body.error.code).toBe("rate_limited");
    expect(owner.body.error.details.retryAfterMs).toBeGreaterThan(1000);
    expect(owner.body.error.details.retryAfterMs).toBeLessThanOrEqual(2000);
    await sleep(owner.body.error.details.retryAfterMs + 50);
    expect((await loginFrom(proxied, freshAddress(), email, "the real password")).status).toBe(200);
    // A success ends the delays: the next wrong password is simply wrong.
    expect(code(await loginFrom(proxied, freshAddress(), email, "guess 13"))).toBe("invalid_credentials");
    expect(code(await loginFrom(proxied, freshAddress(), email, "guess 14"))).toBe("invalid_credentials");
  });

  it("stops one address guessing one account after 10 attempts (TRUST_PROXY=1: X-Forwarded-For addresses count apart)", async () => {
    const email = fresh("victim");
    await createBuyer(proxied, email, "the real password");
    const attacker = freshAddress();
    const codes: string[] = [];
    for (let i = 0; i < 10; i++) codes.push(code(await loginFrom(proxied, attacker, email, `guess ${i}`)));
    expect(codes).toEqual(Array(10).fill("invalid_credentials"));
    const refused = await loginFrom(proxied, attacker, email, "the real password");
    expect([refused.status, refused.body.error.code]).toEqual([429, "rate_limited"]);
    expect(refused.body.error.details.retryAfterMs).toBeGreaterThan(30 * 60_000);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(30 * 60);
    // The owner, from their own address, is not hurt.
    const owner = await loginFrom(proxied, freshAddress(), email, "the real password");
    expect(owner.status).toBe(200);
    expect(owner.headers.getSetCookie().some((c) => c.startsWith("sc_session="))).toBe(true);
  });

  it("without TRUST_PROXY, X-Forwarded-For is ignored: the socket's address is the one counted", async () => {
    const email = fresh("spoofed");
    const codes: string[] = [];
    for (let i = 0; i < 11; i++) codes.push(code(await loginFrom(direct, freshAddress(), email, `guess ${i}`)));
    expect(codes.slice(0, 10)).toEqual(Array(10).fill("invalid_credentials"));
    expect(codes[10]).toBe("rate_limited");
  });

  // Only where the limits live in Redis: two nodes with in-process counters share nothing by design.
  if (store === "redis")
    it("two nodes sharing Redis share the count", async () => {
      const other = await startTestServer({ backend, synthetic: false, env: redisEnv });
      try {
        const email = fresh("shared");
        for (let i = 0; i < 10; i++) expect(code(await loginFrom(i % 2 ? other : direct, null, email, `guess ${i}`))).toBe("invalid_credentials");
        expect(code(await loginFrom(other, null, email, "guess 10"))).toBe("rate_limited");
        expect(code(await loginFrom(direct, null, email, "guess 11"))).toBe("rate_limited");
      } finally {
        await other.close();
      }
    });

  it("limits sign-ups per address (10 an hour) and per email (3 an hour), the same for taken and free emails", async () => {
    const address = freshAddress();
    const signUp = (email: string, from = address) =>
      request(proxied.url, "POST", "/api/auth/signup", {
        body: { email, password: "a long password", displayName: "S" },
        headers: { "x-forwarded-for": from },
      });
    const taken = fresh("taken");
    await createBuyer(proxied, taken, "a long password");
    const answers: JsonResponse[] = [];
    for (let i = 0; i < 10; i++) answers.push(await signUp(i % 2 ? taken.replace("@", `+${i}@`) : fresh(`new${i}`)));
    expect(answers.map((a) => [a.status, a.body])).toEqual(Array(10).fill([202, { status: "verification_sent" }]));
    const refused = await signUp(fresh("one-more"));
    expect([refused.status, refused.body.error.code]).toEqual([429, "rate_limited"]);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    expect((await signUp(fresh("elsewhere"), freshAddress())).status).toBe(202);
    // Per email, whether it has an account or not: the fourth in an hour is refused, from any address.
    for (const email of [taken, fresh("free")]) {
      const got = [];
      for (let i = 0; i < 4; i++) got.push(code(await signUp(email, freshAddress())));
      expect(got).toEqual([202, 202, 202, "rate_limited"]);
    }
  });

  it("limits reset requests per email (3 an hour) the same whether the email has an account, and per address (10 an hour)", async () => {
    const ask = (email: string, from: string) =>
      request(proxied.url, "POST", "/api/auth/password-reset", { body: { email }, headers: { "x-forwarded-for": from } });
    const known = fresh("known");
    await createBuyer(proxied, known, "a long password");
    for (const email of [known, fresh("unknown")]) {
      const got = [];
      for (let i = 0; i < 4; i++) got.push(code(await ask(email, freshAddress())));
      expect(got).toEqual([202, 202, 202, "rate_limited"]);
    }
    const address = freshAddress();
    const got = [];
    for (let i = 0; i < 11; i++) got.push(code(await ask(fresh(`a${i}`), address)));
    expect(got).toEqual([...Array(10).fill(202), "rate_limited"]);
  });

  it("checks a reset token before hashing the new password: a bad one costs no argon2, and 20 bad ones from an address are refused", async () => {
    const confirm = (token: string, from: string) =>
      request(proxied.url, "POST", "/api/auth/password-reset/confirm", {
        body: { token, password: "a new long password" },
        headers: { "x-forwarded-for": from },
      });
    const address = freshAddress();
    const before = argon.hashes;
    const got = [];
    for (let i = 0; i < 21; i++) got.push(code(await confirm(`made-up-token-${i}-${randomUUID()}`, address)));
    expect(got).toEqual([...Array(20).fill("invalid_body"), "rate_limited"]);
    expect(argon.hashes).toBe(before);
    // The legitimate path from a fresh address: the emailed token resets (one hash) and the new password works.
    const email = fresh("resetter");
    await createBuyer(proxied, email, "the old password");
    expect((await request(proxied.url, "POST", "/api/auth/password-reset", { body: { email } })).status).toBe(202);
    const token = await mailedToken(proxied, email, "reset-password");
    const hashesBefore = argon.hashes;
    expect((await confirm(token, freshAddress())).status).toBe(200);
    expect(argon.hashes).toBe(hashesBefore + 1);
    expect((await loginFrom(proxied, freshAddress(), email, "a new long password")).status).toBe(200);
  });
});
