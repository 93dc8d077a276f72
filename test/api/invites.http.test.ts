import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { login, request } from "../support/http.js";
import { startTestServer, type TestServer } from "../support/server.js";

describe("merchant invites hosts and staff, and schedules shows", () => {
  let server: TestServer;
  let owner: string;

  async function inviteToken(email: string): Promise<string> {
    for (let i = 0; i < 50; i++) {
      await server.services.outbox.processDue();
      const box = await request(server.url, "GET", "/api/dev/mailbox");
      const mail = (box.body.messages as { to: string; text: string }[]).find((m) => m.to === email);
      if (mail) return /#token=([A-Za-z0-9_-]+)/.exec(mail.text)![1]!;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`no invite mail for ${email}`);
  }

  beforeAll(async () => {
    server = await startTestServer({ synthetic: false, env: { DEV_MAILBOX: "1" } });
    owner = await login(server.url, server.demo.merchantEmail, server.demo.hostPassword);
  });
  afterAll(async () => server?.close());

  it("invites a host by email; the link creates a host account of the merchant, once", async () => {
    const sent = await request(server.url, "POST", "/api/admin/invites", { cookie: owner, body: { email: "New.Host@Example.com", role: "host" } });
    expect(sent.status).toBe(201);
    expect(sent.body.invite).toMatchObject({ email: "new.host@example.com", role: "host", status: "pending" });
    const token = await inviteToken("new.host@example.com");
    const accepted = await request(server.url, "POST", "/api/auth/accept-invite", { body: { token, password: "host password 1", displayName: "Nina" } });
    expect(accepted.status).toBe(201);
    expect(accepted.body.account).toMatchObject({ role: "host", email: "new.host@example.com" });
    const again = await request(server.url, "POST", "/api/auth/accept-invite", { body: { token, password: "host password 1", displayName: "Nina" } });
    expect([again.status, again.body.error.code]).toEqual([400, "invalid_body"]);
    const list = await request(server.url, "GET", "/api/admin/invites", { cookie: owner });
    expect(list.body.invites[0]).toMatchObject({ email: "new.host@example.com", status: "accepted" });
    const hosts = await request(server.url, "GET", "/api/admin/hosts", { cookie: owner });
    expect(hosts.body.hosts.map((h: { displayName: string }) => h.displayName)).toContain("Nina");
  });

  it("schedules a show for one of its hosts, whom the studio then lets in", async () => {
    const hosts = await request(server.url, "GET", "/api/admin/hosts", { cookie: owner });
    const nina = hosts.body.hosts.find((h: { displayName: string }) => h.displayName === "Nina");
    // A time to come (the server refuses a start in the past; a fixed date here expired on 2026-12-04 at 18:00).
    const inTwoDays = new Date(Date.now() + 2 * 86_400_000).toISOString();
    const created = await request(server.url, "POST", "/api/admin/shows", {
      cookie: owner,
      body: { title: "Friday drop", slug: "friday-drop", hostAccountId: nina.id, scheduledAt: inTwoDays },
    });
    expect(created.status).toBe(201);
    expect(created.body.show).toMatchObject({ slug: "friday-drop", status: "scheduled", hostName: "Nina", commissionRateBp: 1000 });
    expect(JSON.stringify(created.body)).not.toMatch(/sk_/);
    const ninaCookie = await login(server.url, "new.host@example.com", "host password 1");
    const studio = await request(server.url, "GET", `/api/studio/shows/${created.body.show.id}`, { cookie: ninaCookie });
    expect(studio.status).toBe(200);
    const dup = await request(server.url, "POST", "/api/admin/shows", { cookie: owner, body: { title: "x", slug: "friday-drop", hostAccountId: nina.id } });
    expect([dup.status, dup.body.error.code]).toEqual([409, "conflict"]);
  });

  it("refuses invites from non-owners, for existing accounts, and bad input", async () => {
    const host = await login(server.url, server.demo.hostEmail, server.demo.hostPassword);
    const cases = [
      [await request(server.url, "POST", "/api/admin/invites", { body: { email: "a@b.de", role: "host" } }), 401, "unauthenticated"],
      [await request(server.url, "POST", "/api/admin/invites", { cookie: host, body: { email: "a@b.de", role: "host" } }), 403, "forbidden"],
      [await request(server.url, "POST", "/api/admin/invites", { cookie: owner, body: { email: server.demo.hostEmail, role: "staff" } }), 409, "conflict"],
      [await request(server.url, "POST", "/api/admin/invites", { cookie: owner, body: { email: "x@y.de", role: "admin" } }), 400, "invalid_body"],
      [
        await request(server.url, "POST", "/api/admin/shows", { cookie: owner, body: { title: "t", slug: "Bad Slug", hostAccountId: "acc_x" } }),
        400,
        "invalid_body",
      ],
      [
        await request(server.url, "POST", "/api/admin/shows", { cookie: owner, body: { title: "t", slug: "ok-slug", hostAccountId: "acc_not_ours" } }),
        400,
        "invalid_body",
      ],
      [await request(server.url, "POST", "/api/admin/shows", { cookie: host, body: { title: "t", slug: "ok-slug-2", hostAccountId: "x" } }), 403, "forbidden"],
      [await request(server.url, "DELETE", "/api/admin/invites/inv_nope", { cookie: owner }), 404, "not_found"],
    ] as const;
    expect(cases.map(([r]) => [r.status, r.body.error?.code])).toEqual(cases.map(([, s, c]) => [s, c]));
  });
});
