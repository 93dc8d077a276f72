import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { login, request } from "../support/http.js";
import { startTestServer, type TestServer } from "../support/server.js";

async function mailTo(server: TestServer, to: string, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await server.services.outbox.processDue();
    const box = await request(server.url, "GET", "/api/dev/mailbox");
    const found = (box.body.messages as { to: string; subject: string; text: string }[]).filter((m) => m.to === to);
    if (found.length || Date.now() > deadline) return found;
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("accounts over HTTP", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ synthetic: false, env: { DEV_MAILBOX: "1" } });
  });
  afterAll(async () => server?.close());

  it("signs up a buyer, signs them in, and refuses a second account for the same email", async () => {
    const res = await request(server.url, "POST", "/api/auth/signup", { body: { email: "Buyer.One@Example.com", password: "correct horse battery", displayName: "Buyer One" } });
    expect(res.status).toBe(201);
    expect(res.body.account).toMatchObject({ email: "buyer.one@example.com", role: "buyer" });
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith("sc_session="))!.split(";")[0]!;
    const me = await request(server.url, "GET", "/api/auth/me", { cookie });
    expect(me.body.account.displayName).toBe("Buyer One");
    const again = await request(server.url, "POST", "/api/auth/signup", { body: { email: "buyer.one@example.com", password: "another long one", displayName: "X" } });
    expect([again.status, again.body.error.code]).toEqual([409, "conflict"]);
    const weak = await request(server.url, "POST", "/api/auth/signup", { body: { email: "b2@example.com", password: "short", displayName: "B" } });
    expect([weak.status, weak.body.error.code]).toEqual([400, "invalid_body"]);
  });

  it("keeps a buyer out of the studio", async () => {
    await request(server.url, "POST", "/api/auth/signup", { body: { email: "nosy@example.com", password: "a long password", displayName: "Nosy" } });
    const cookie = await login(server.url, "nosy@example.com", "a long password");
    const res = await request(server.url, "GET", `/api/studio/shows/${server.demo.showId}`, { cookie });
    expect([res.status, res.body.error.code]).toEqual([403, "forbidden"]);
  });

  it("rate-limits repeated failed sign-ins for an email with 429", async () => {
    const email = "target@example.com";
    await request(server.url, "POST", "/api/auth/signup", { body: { email, password: "the real password", displayName: "T" } });
    const codes: string[] = [];
    for (let i = 0; i < 11; i++) codes.push((await request(server.url, "POST", "/api/auth/login", { body: { email, password: `guess ${i}` } })).body.error.code);
    expect(codes.slice(0, 10)).toEqual(Array(10).fill("invalid_credentials"));
    expect(codes[10]).toBe("rate_limited");
    const right = await request(server.url, "POST", "/api/auth/login", { body: { email, password: "the real password" } });
    expect([right.status, right.body.error?.code]).toEqual([429, "rate_limited"]);
  });

  it("resets a password through an emailed single-use link and ends the old sessions", async () => {
    const email = "forgetful@example.com";
    await request(server.url, "POST", "/api/auth/signup", { body: { email, password: "first password!", displayName: "Forgetful" } });
    const oldCookie = await login(server.url, email, "first password!");
    const unknown = await request(server.url, "POST", "/api/auth/password-reset", { body: { email: "nobody@example.com" } });
    expect(unknown.status).toBe(202); // same answer for unknown emails
    const asked = await request(server.url, "POST", "/api/auth/password-reset", { body: { email, lang: "de" } });
    expect(asked.status).toBe(202);
    const [mail] = await mailTo(server, email);
    expect(mail?.subject).toContain("Passwort");
    const token = /#token=([A-Za-z0-9_-]+)/.exec(mail!.text)![1]!;
    const done = await request(server.url, "POST", "/api/auth/password-reset/confirm", { body: { token, password: "second password!" } });
    expect(done.status).toBe(200);
    expect((await request(server.url, "GET", "/api/auth/me", { cookie: oldCookie })).status).toBe(401);
    await login(server.url, email, "second password!");
    const reused = await request(server.url, "POST", "/api/auth/password-reset/confirm", { body: { token, password: "third password!!" } });
    expect([reused.status, reused.body.error.code]).toEqual([400, "invalid_body"]);
    expect((await mailTo(server, "nobody@example.com", 300)).length).toBe(0);
  });
});
