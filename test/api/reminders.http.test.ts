import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StoredMail } from "../../src/server/mail/index.js";
import { ManualClock } from "../../src/server/platform/clock.js";
import { createBuyer } from "../support/accounts.js";
import { backends } from "../support/db.js";
import { login, request } from "../support/http.js";
import { startTestServer, type TestServer } from "../support/server.js";

// "Remind me", follows and a show's notices on one node with a manual clock (sweepers off: the test calls sendDue as
// the sweeper would). Two nodes and a restart: test/api/reminders.multinode.test.ts.
describe.each(backends)("reminders, follows and go-live notices on %s", (backend) => {
  const clock = new ManualClock("2026-12-03T17:00:00Z");
  const start = new Date("2026-12-03T18:00:00Z");
  let server: TestServer;
  let showId = "";
  let slug = "";
  let hostId = "";
  let merchantId = "";
  let hostCookie = "";
  let merchantCookie = "";
  const buyers: Record<string, { id: string; cookie: string }> = {};

  const mails = async (): Promise<StoredMail[]> => {
    while ((await server.services.outbox.processDue()) > 0);
    return server.services.mailer.list?.() ?? [];
  };
  const mailsTo = async (to: string, subject: RegExp) => (await mails()).filter((m) => m.to === to && subject.test(m.subject));
  const tokenIn = (m: StoredMail) => /\/unsubscribe#t=([A-Za-z0-9_.-]+)/.exec(m.text)![1]!;

  beforeAll(async () => {
    server = await startTestServer({ synthetic: false, backend, clock, sweepers: false });
    const demo = await server.services.shows.show(server.demo.showId);
    hostId = demo.hostAccountId;
    merchantId = demo.merchantId;
    const show = await server.services.shows.createShow({
      merchantId,
      hostAccountId: hostId,
      slug: "advent-special",
      title: "Advent special",
      commissionRateBp: 1000,
      scheduledAt: start,
    });
    showId = show.id;
    slug = show.slug;
    hostCookie = await login(server.url, server.demo.hostEmail, server.demo.hostPassword);
    merchantCookie = await login(server.url, server.demo.merchantEmail, server.demo.hostPassword);
    for (const name of ["rita", "fred", "sofia", "dora"]) {
      const b = await createBuyer(server, `${name}@example.com`, "reminder-password-1");
      buyers[name] = { id: b.account.id, cookie: b.cookie };
    }
    // Their accounts' languages (an account without one gets a follow's notice in the show's language).
    for (const [name, lang] of [
      ["rita", "en"],
      ["fred", "en"],
      ["sofia", "en"],
      ["dora", "de"],
    ] as const)
      await server.db.db.updateTable("accounts").set({ lang }).where("id", "=", buyers[name]!.id).execute();
  }, 300_000);
  afterAll(async () => server?.close());

  it("takes a guest's reminder by address (once: a second one gets no token) and a signed-in viewer's without one", async () => {
    const guest = await request(server.url, "POST", `/api/shows/${slug}/reminders`, { body: { email: "Guest@Example.com" } });
    expect(guest.status).toBe(201);
    expect(guest.body.reminder).toMatchObject({ showId, token: expect.stringMatching(/^rem_/) });
    const again = await request(server.url, "POST", `/api/shows/${slug}/reminders`, { body: { email: "guest@example.com" } });
    expect(again.status).toBe(200);
    expect(again.body.reminder).toEqual({ id: guest.body.reminder.id, showId });

    const de = await request(server.url, "POST", `/api/shows/${showId}/reminders`, { body: { email: "gast@example.de", lang: "de" } });
    expect(de.status).toBe(201);
    const rita = await request(server.url, "POST", `/api/shows/${slug}/reminders`, { cookie: buyers.rita!.cookie, body: {} });
    expect(rita.status).toBe(201);
    expect((await request(server.url, "GET", `/api/shows/${slug}/reminder`, { cookie: buyers.rita!.cookie })).body.reminder.id).toBe(rita.body.reminder.id);
    expect((await request(server.url, "GET", `/api/shows/${slug}/reminder`, { cookie: buyers.fred!.cookie })).body.reminder).toBeNull();
    // Dora asks too, and follows the shop: she is one recipient of the go-live notice.
    expect((await request(server.url, "POST", `/api/shows/${slug}/reminders`, { cookie: buyers.dora!.cookie, body: {} })).status).toBe(201);
  });

  it("refuses bad reminder requests with their codes", async () => {
    const cases: [string, string, unknown, number, string][] = [
      ["guest without an address", `/api/shows/${slug}/reminders`, {}, 400, "invalid_body"],
      ["not an address", `/api/shows/${slug}/reminders`, { email: "not-an-address" }, 400, "invalid_body"],
      ["unknown language", `/api/shows/${slug}/reminders`, { email: "a@example.com", lang: "fr" }, 400, "invalid_body"],
      ["unknown field", `/api/shows/${slug}/reminders`, { email: "a@example.com", push: true }, 400, "invalid_body"],
      ["unknown show", "/api/shows/no-such-show/reminders", { email: "a@example.com" }, 404, "not_found"],
      ["the live demo show", `/api/shows/${server.demo.showId}/reminders`, { email: "a@example.com" }, 409, "show_not_upcoming"],
    ];
    await server.services.shows.setStatus(server.demo.showId, "live");
    for (const [what, path, body, status, code] of cases) {
      const res = await request(server.url, "POST", path, { body });
      expect([what, res.status, res.body.error?.code]).toEqual([what, status, code]);
    }
    const anon = await request(server.url, "GET", `/api/shows/${slug}/reminder`);
    expect([anon.status, anon.body.error.code]).toEqual([401, "unauthenticated"]);
    const json = await request(server.url, "POST", `/api/shows/${slug}/reminders`, { raw: "{", headers: { "content-type": "application/json" } });
    expect([json.status, json.body.error.code]).toEqual([400, "invalid_json"]);
  });

  it("follows a host or a shop (signed in), with counts for the studio and the admin", async () => {
    const put = (who: string, target: string, id: string) => request(server.url, "PUT", `/api/follows/${target}/${id}`, { cookie: buyers[who]!.cookie });
    expect((await put("fred", "host", hostId)).body.follow).toEqual({ target: "host", targetId: hostId, following: true });
    expect((await put("fred", "host", hostId)).status).toBe(200);
    expect((await put("sofia", "shop", merchantId)).status).toBe(200);
    expect((await put("dora", "shop", merchantId)).status).toBe(200);
    // Rita follows and unfollows again.
    expect((await put("rita", "shop", merchantId)).status).toBe(200);
    expect((await request(server.url, "DELETE", `/api/follows/shop/${merchantId}`, { cookie: buyers.rita!.cookie })).body.follow.following).toBe(false);
    expect((await request(server.url, "GET", `/api/follows/host/${hostId}`, { cookie: buyers.fred!.cookie })).body.follow.following).toBe(true);
    expect((await request(server.url, "GET", `/api/follows/shop/${merchantId}`, { cookie: buyers.fred!.cookie })).body.follow.following).toBe(false);

    const bad: [string, Promise<{ status: number; body: any }>, number, string][] = [
      ["anonymous", request(server.url, "PUT", `/api/follows/host/${hostId}`), 401, "unauthenticated"],
      ["unknown target kind", put("fred", "planet", hostId), 400, "invalid_query"],
      ["bad id", put("fred", "shop", "a%20b"), 400, "invalid_query"],
      ["a buyer is no host", put("fred", "host", buyers.sofia!.id), 404, "not_found"],
      ["unknown shop", put("fred", "shop", "mch_nope"), 404, "not_found"],
      ["the host themselves", request(server.url, "PUT", `/api/follows/host/${hostId}`, { cookie: hostCookie }), 422, "cannot_follow_self"],
    ];
    for (const [what, res, status, code] of bad) {
      const r = await res;
      expect([what, r.status, r.body.error?.code]).toEqual([what, status, code]);
    }

    const studio = await request(server.url, "GET", `/api/studio/shows/${showId}/followers`, { cookie: hostCookie });
    expect(studio.body.followers).toEqual({ host: 1, shop: 2 });
    const admin = await request(server.url, "GET", "/api/admin/followers", { cookie: merchantCookie });
    expect(admin.body.followers).toEqual({ shop: 2 });
    expect((await request(server.url, "GET", "/api/admin/followers", { cookie: buyers.fred!.cookie })).status).toBe(403);
  });

  it("serves the show's calendar file, and none for a show that is not upcoming", async () => {
    const res = await fetch(`${server.url}/api/shows/${slug}/calendar.ics`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/calendar; charset=utf-8");
    expect(res.headers.get("content-disposition")).toBe('attachment; filename="advent-special.ics"');
    const ics = await res.text();
    expect(ics).toContain("BEGIN:VEVENT");
    expect(ics).toContain(`UID:${showId}@showcart`);
    expect(ics).toContain("DTSTART:20261203T180000Z");
    expect(ics).toContain("SUMMARY:Advent special");
    expect(ics).toContain("DTSTAMP:20261203T170000Z");
    expect(ics).toContain("TRIGGER:-PT15M");
    const live = await request(server.url, "GET", `/api/shows/${server.demo.showId}/calendar.ics`);
    expect([live.status, live.body.error.code]).toEqual([409, "show_not_upcoming"]);
  });

  it("previews the line-up of a scheduled show to anyone", async () => {
    const res = await request(server.url, "GET", `/api/shows/${server.demo.slug}/lineup`);
    expect(res.status).toBe(200);
    expect(Array.isArray(res.body.items)).toBe(true);
    for (const item of res.body.items) expect(Object.keys(item).sort()).toEqual(["currency", "imageUrl", "price", "showPrice", "title"]);
  });

  it("reminds 15 minutes before the start, once however often the sweep runs", async () => {
    clock.set(new Date(start.getTime() - 16 * 60_000));
    expect(await server.services.reminders.sendDue()).toBe(1); // the live demo show's go-live notice
    expect(await mailsTo("guest@example.com", /./)).toEqual([]);
    expect((await mailsTo("fred@example.com", /^Live now: /)).length).toBe(1);

    clock.set(new Date(start.getTime() - 15 * 60_000 + 1000));
    const runs = await Promise.all([server.services.reminders.sendDue(), server.services.reminders.sendDue(), server.services.reminders.sendDue()]);
    expect(runs.reduce((a, b) => a + b, 0)).toBe(1);
    expect(await server.services.reminders.sendDue()).toBe(0);

    const guest = await mailsTo("guest@example.com", /./);
    expect(guest.map((m) => m.subject)).toEqual(["Starting in 15 minutes: Advent special"]);
    expect(guest[0]!.text).toContain("starts at 19:00 CET");
    expect(guest[0]!.text).toContain("/shows/advent-special\n");
    expect(guest[0]!.text).toContain("You get this email because you asked to be reminded of this show.");
    expect(guest[0]!.html).toContain("Unsubscribe from this reminder</a>");
    expect(guest[0]!.headers).toEqual({
      "List-Unsubscribe": expect.stringMatching(/^<http:\/\/[^>]+\/api\/unsubscribe\/rem_[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+>$/),
      "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    });
    const gast = await mailsTo("gast@example.de", /./);
    expect(gast.map((m) => m.subject)).toEqual(["In 15 Minuten geht es los: Advent special"]);
    expect(gast[0]!.text).toContain("beginnt um 19:00 MEZ");
    expect(gast[0]!.html).toContain('<html lang="de">');
    expect((await mailsTo("rita@example.com", /Advent special/)).length).toBe(1);
    expect((await mailsTo("dora@example.com", /Advent special/)).map((m) => m.subject)).toEqual(["In 15 Minuten geht es los: Advent special"]);
    // Followers get the go-live notice only (here: the demo show's, same host and shop).
    expect(await mailsTo("fred@example.com", /Advent special/)).toEqual([]);
  });

  it("sends the go-live notice once to the reminders and the host's and shop's followers, one email per person", async () => {
    clock.set(new Date(start.getTime() - 2 * 60_000));
    await server.services.shows.setStatus(showId, "live");
    const runs = await Promise.all([server.services.reminders.sendDue(), server.services.reminders.sendDue()]);
    expect(runs.reduce((a, b) => a + b, 0)).toBe(1);
    // Off air and back: the show went live once as far as its audience is concerned.
    await server.services.shows.setStatus(showId, "reconnecting");
    await server.services.shows.setStatus(showId, "live");
    expect(await server.services.reminders.sendDue()).toBe(0);

    const live = /^(Live now|Jetzt live): Advent special$/;
    const counts: Record<string, number> = {};
    for (const to of ["guest@example.com", "gast@example.de", "rita@example.com", "fred@example.com", "sofia@example.com", "dora@example.com"])
      counts[to] = (await mailsTo(to, live)).length;
    expect(counts).toEqual({
      "guest@example.com": 1,
      "gast@example.de": 1,
      "rita@example.com": 1,
      "fred@example.com": 1,
      "sofia@example.com": 1,
      "dora@example.com": 1,
    });
    expect(await mailsTo(server.demo.hostEmail, live)).toEqual([]);
    const fred = (await mailsTo("fred@example.com", live))[0]!;
    expect(fred.text).toContain("has just gone live from");
    expect(fred.text).toMatch(/You get this email because you follow .+ on Showcart\./);
    expect(fred.text).toContain("Unfollow (no more emails)");
    const dora = (await mailsTo("dora@example.com", live))[0]!;
    // Dora reminded and follows: the reminder's email, in her account's language.
    expect(dora.subject).toBe("Jetzt live: Advent special");
    expect(dora.text).toContain("Erinnerung abbestellen");
    const sends = await server.db.db.selectFrom("notice_sends").selectAll().where("show_id", "=", showId).orderBy("created_at").execute();
    expect(sends.map((s) => [s.kind, s.recipients])).toEqual([
      ["show.starting_soon", 4],
      ["show.live", 6],
    ]);
  });

  it("limits guests' reminders per client address (429 rate_limited), not signed-in viewers'", async () => {
    const other = await server.services.shows.createShow({
      merchantId,
      hostAccountId: hostId,
      slug: "limit-check",
      title: "Limit check",
      commissionRateBp: 1000,
      scheduledAt: new Date(start.getTime() + 24 * 3600_000),
    });
    const statuses: number[] = [];
    for (let i = 0; i < 22; i++)
      statuses.push((await request(server.url, "POST", `/api/shows/${other.slug}/reminders`, { body: { email: `many${i}@example.com` } })).status);
    const limited = await request(server.url, "POST", `/api/shows/${other.slug}/reminders`, { body: { email: "one-more@example.com" } });
    expect([limited.status, limited.body.error.code]).toEqual([429, "rate_limited"]);
    expect(statuses.filter((s) => s === 201).length).toBeLessThanOrEqual(20);
    expect((await request(server.url, "POST", `/api/shows/${other.slug}/reminders`, { cookie: buyers.sofia!.cookie, body: {} })).status).toBe(201);
  });

  it("unsubscribes without sign-in, only the subscription the link was sent for", async () => {
    const guestMail = (await mailsTo("guest@example.com", /Live now/))[0]!;
    const gastMail = (await mailsTo("gast@example.de", /Jetzt live/))[0]!;
    const fredMail = (await mailsTo("fred@example.com", /Live now/))[0]!;
    const guestToken = tokenIn(guestMail);
    const fredToken = tokenIn(fredMail);
    const remindersLeft = async () =>
      (await server.db.db.selectFrom("show_reminders").select("email").where("show_id", "=", showId).where("email", "is not", null).execute())
        .map((r) => r.email)
        .sort();

    // Altered or made-up tokens end nothing (the last character changed for certain: one MAC in 64 ends in "A").
    const [id, mac] = guestToken.split(".") as [string, string];
    const otherId = tokenIn(gastMail).split(".")[0]!;
    for (const token of [`${otherId}.${mac}`, `${id}.${mac.slice(0, -1)}${mac.endsWith("A") ? "B" : "A"}`, `${id}x.${mac}`, "rem_xxxxxxxx", "a".repeat(8)]) {
      const res = await request(server.url, "POST", "/api/unsubscribe", { body: { token } });
      expect([token, res.status, res.body.error.code]).toEqual([token, 403, "unsubscribe_link_invalid"]);
    }
    const shape = await request(server.url, "POST", "/api/unsubscribe", { body: { token: "short" } });
    expect([shape.status, shape.body.error.code]).toEqual([400, "invalid_body"]);
    expect(await remindersLeft()).toEqual(["gast@example.de", "guest@example.com"]);

    const res = await request(server.url, "POST", "/api/unsubscribe", { body: { token: guestToken } });
    expect(res.status).toBe(200);
    expect(res.body.unsubscribed).toEqual({ kind: "reminder", name: "Advent special", subscribed: false });
    expect(await remindersLeft()).toEqual(["gast@example.de"]);
    // Used again: nothing left to end, still fine.
    expect((await request(server.url, "POST", "/api/unsubscribe", { body: { token: guestToken } })).body.unsubscribed.subscribed).toBe(false);

    // RFC 8058: the mail client POSTs the header's URL with List-Unsubscribe=One-Click, no cookie.
    const header = gastMail.headers!["List-Unsubscribe"]!.slice(1, -1);
    const oneClick = await fetch(server.url + new URL(header).pathname, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "List-Unsubscribe=One-Click",
    });
    expect(oneClick.status).toBe(200);
    expect(await remindersLeft()).toEqual([]);
    const forged = await fetch(`${server.url}/api/unsubscribe/${fredToken.split(".")[0]}.AAAAAAAAAAAAAAAAAAAAAA`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "List-Unsubscribe=One-Click",
    });
    expect(forged.status).toBe(403);

    // Fred's link ends his follow of the host, and nothing of Sofia's.
    const unfollow = await request(server.url, "POST", "/api/unsubscribe", { body: { token: fredToken } });
    expect(unfollow.body.unsubscribed).toEqual({ kind: "follow", name: expect.any(String), subscribed: false });
    expect((await request(server.url, "GET", `/api/follows/host/${hostId}`, { cookie: buyers.fred!.cookie })).body.follow.following).toBe(false);
    expect((await request(server.url, "GET", `/api/follows/shop/${merchantId}`, { cookie: buyers.sofia!.cookie })).body.follow.following).toBe(true);
  });
});
