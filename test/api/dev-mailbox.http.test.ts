import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backends } from "../support/db.js";
import { login, request } from "../support/http.js";
import { startTestServer, type TestServer } from "../support/server.js";

const resetTokenIn = (text: string) => /#token=([A-Za-z0-9_-]+)/.exec(text)?.[1] ?? null;

/** The reset mail for `email`, read from the mailer itself (the test's view of the disk, not over HTTP). */
async function resetMailFor(server: TestServer, email: string) {
  for (let i = 0; i < 100; i++) {
    await server.services.outbox.processDue();
    const mail = server.services.mailer.list?.().find((m) => m.to === email && resetTokenIn(m.text));
    if (mail) return mail;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no reset mail for ${email}`);
}

describe.each(backends)("dev mailbox (%s)", (backend) => {
  describe("off by default (no SMTP_URL, no DEV_MAILBOX)", () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startTestServer({ backend, synthetic: false });
    });
    afterAll(async () => server?.close());

    it("answers 404 on both mailbox pages, however the path is spelled", async () => {
      for (const path of [
        "/api/dev/mailbox",
        "/dev/mailbox",
        "/dev/mailbox/",
        "/api/dev/mailbox/",
        "/%64ev/mailbox",
        "/api/dev/%6dailbox",
        "/DEV/MAILBOX",
        "/api/dev/mailbox?x=1",
      ]) {
        const res = await request(server.url, "GET", path);
        expect([res.status, res.body.error?.code], path).toEqual([404, "not_found"]);
      }
      expect(server.app.routeList.some((r) => r.url.includes("mailbox"))).toBe(false);
    });

    it("gives a password reset's token to no one over HTTP, so the merchant cannot be taken over", async () => {
      const email = server.demo.merchantEmail;
      expect((await request(server.url, "POST", "/api/auth/password-reset", { body: { email } })).status).toBe(202);
      const mail = await resetMailFor(server, email);
      const token = resetTokenIn(mail.text)!;
      // Every GET route without a parameter, anonymous, plus the places a mail file could be served from.
      const paths = [
        ...server.app.routeList.filter((r) => r.method === "GET" && !r.url.includes(":") && !r.url.includes("*")).map((r) => r.url),
        `/mail/${mail.id}.json`,
        `/data/mail/${mail.id}.json`,
        `/media/../mail/${mail.id}.json`,
        `/media/%2e%2e/mail/${mail.id}.json`,
      ];
      for (const path of new Set(paths)) {
        const res = await fetch(server.url + path);
        expect(await res.text(), path).not.toContain(token);
      }
      // The merchant's password still works: nothing was reset.
      await login(server.url, email, server.demo.hostPassword);
    });
  });

  describe("with DEV_MAILBOX=1", () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startTestServer({ backend, synthetic: false, env: { DEV_MAILBOX: "1" } });
    });
    afterAll(async () => server?.close());

    it("shows the reset mail, and its link resets the password for the next sign-in", async () => {
      const email = server.demo.hostEmail;
      expect((await request(server.url, "POST", "/api/auth/password-reset", { body: { email } })).status).toBe(202);
      await resetMailFor(server, email);
      const box = await request(server.url, "GET", "/api/dev/mailbox");
      expect(box.status).toBe(200);
      const mail = (box.body.messages as { to: string; text: string }[]).find((m) => m.to === email && resetTokenIn(m.text));
      const token = resetTokenIn(mail!.text)!;
      const page = await fetch(`${server.url}/dev/mailbox`);
      const html = await page.text();
      expect([page.status, html]).toEqual([200, expect.stringContaining(token)]);
      // The HTML part, as it renders, in a frame that may run nothing and reads nothing of the page; no script at all.
      expect(page.headers.get("content-security-policy")).toMatch(/^default-src 'none';/);
      const frames = html.match(/<iframe [^>]*>/g) ?? [];
      expect(frames.length).toBeGreaterThan(0);
      for (const f of frames) {
        expect(f).toMatch(/ sandbox="allow-popups allow-popups-to-escape-sandbox"/);
        expect(f).not.toMatch(/allow-scripts|allow-same-origin/);
      }
      expect(html).not.toMatch(/<script/i);
      // The toggle: the text part, its links clickable.
      const text = await (await fetch(`${server.url}/dev/mailbox?part=text`)).text();
      expect(text).not.toContain("<iframe");
      expect(text).toMatch(new RegExp(`<a href="[^"]*#token=${token}" target="_blank" rel="noopener noreferrer">`));
      const done = await request(server.url, "POST", "/api/auth/password-reset/confirm", { body: { token, password: "a fresh password 42" } });
      expect(done.status).toBe(200);
      await login(server.url, email, "a fresh password 42");
      await expect(login(server.url, email, server.demo.hostPassword)).rejects.toThrow();
    });
  });
});
