import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBuyer } from "../support/accounts.js";
import { login, request } from "../support/http.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { until } from "../support/until.js";

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

  it("signs up through an emailed link: the answer is the same for a taken email, whose owner gets a sign-in mail instead", async () => {
    const res = await request(server.url, "POST", "/api/auth/signup", {
      body: { email: "Buyer.One@Example.com", password: "correct horse battery", displayName: "Buyer One" },
    });
    expect([res.status, res.body]).toEqual([202, { status: "verification_sent" }]);
    expect(res.headers.getSetCookie()).toEqual([]);
    const [mail] = await mailTo(server, "buyer.one@example.com");
    expect(mail?.subject).toContain("confirm your email");
    const token = /\/confirm-signup#token=([A-Za-z0-9_-]+)/.exec(mail!.text)![1]!;
    const confirmed = await request(server.url, "POST", "/api/auth/signup/confirm", { body: { token } });
    expect(confirmed.status).toBe(201);
    expect(confirmed.body.account).toMatchObject({ email: "buyer.one@example.com", role: "buyer" });
    const cookie = confirmed.headers
      .getSetCookie()
      .find((c) => c.startsWith("sc_session="))!
      .split(";")[0]!;
    expect((await request(server.url, "GET", "/api/auth/me", { cookie })).body.account.displayName).toBe("Buyer One");
    const reused = await request(server.url, "POST", "/api/auth/signup/confirm", { body: { token } });
    expect([reused.status, reused.body.error.code]).toEqual([400, "invalid_body"]);

    // The taken email: same status, same body, no cookie; the mail tells the owner to sign in or reset instead.
    const again = await request(server.url, "POST", "/api/auth/signup", {
      body: { email: "buyer.one@example.com", password: "another long one", displayName: "X" },
    });
    expect([again.status, again.body]).toEqual([res.status, res.body]);
    expect(again.headers.getSetCookie()).toEqual([]);
    const owner = await until("the owner's mail", async () =>
      (await mailTo(server, "buyer.one@example.com")).find((m) => m.subject.includes("already have an account")),
    );
    expect(owner.subject).toContain("already have an account");
    expect(owner.text).not.toMatch(/token=/);
    await login(server.url, "buyer.one@example.com", "correct horse battery"); // the password is unchanged
    const weak = await request(server.url, "POST", "/api/auth/signup", { body: { email: "b2@example.com", password: "short", displayName: "B" } });
    expect([weak.status, weak.body.error.code]).toEqual([400, "invalid_body"]);
    const bogus = await request(server.url, "POST", "/api/auth/signup/confirm", { body: { token: "x".repeat(43) } });
    expect([bogus.status, bogus.body.error.code]).toEqual([400, "invalid_body"]);
  });

  it("keeps a buyer out of the studio", async () => {
    const { cookie } = await createBuyer(server, "nosy@example.com", "a long password", "Nosy");
    const res = await request(server.url, "GET", `/api/studio/shows/${server.demo.showId}`, { cookie });
    expect([res.status, res.body.error.code]).toEqual([403, "forbidden"]);
  });

  it("resets a password through an emailed single-use link and ends the old sessions", async () => {
    const email = "forgetful@example.com";
    await createBuyer(server, email, "first password!", "Forgetful");
    const oldCookie = await login(server.url, email, "first password!");
    // Read once, so the session sits in the server's session cache when the reset ends it.
    expect((await request(server.url, "GET", "/api/auth/me", { cookie: oldCookie })).status).toBe(200);
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

  it("ends a session at once when it signs out, though the server had it cached", async () => {
    const { cookie } = await createBuyer(server, "leaving@example.com", "a long password", "Leaving");
    expect((await request(server.url, "GET", "/api/auth/me", { cookie })).status).toBe(200);
    expect((await request(server.url, "POST", "/api/auth/logout", { cookie })).status).toBe(200);
    const after = await request(server.url, "GET", "/api/auth/me", { cookie });
    expect([after.status, after.body.error.code]).toEqual([401, "unauthenticated"]);
  });

  it("lets a signed-in account choose its language, which its emails then use whatever page asks", async () => {
    const email = "sprache@example.com";
    const { cookie } = await createBuyer(server, email, "a long password", "Sprachwahl");
    expect((await request(server.url, "GET", "/api/auth/me", { cookie })).body.account.lang).toBeNull();
    expect((await request(server.url, "PATCH", "/api/auth/me", { body: { lang: "de" } })).status).toBe(401);
    for (const body of [{}, { lang: "fr" }, { lang: "de", role: "admin" }]) {
      const bad = await request(server.url, "PATCH", "/api/auth/me", { cookie, body });
      expect([bad.status, bad.body.error.code], JSON.stringify(body)).toEqual([400, "invalid_body"]);
    }
    const set = await request(server.url, "PATCH", "/api/auth/me", { cookie, body: { lang: "de" } });
    expect(set.status).toBe(200);
    expect(set.body.account).toMatchObject({ email, lang: "de", role: "buyer" });
    expect((await request(server.url, "GET", "/api/auth/me", { cookie })).body.account.lang).toBe("de");
    // An English page asks for a reset: the account's German wins.
    expect((await request(server.url, "POST", "/api/auth/password-reset", { body: { email, lang: "en" } })).status).toBe(202);
    const [mail] = await mailTo(server, email);
    expect(mail?.subject).toContain("Passwort");
  });
});
