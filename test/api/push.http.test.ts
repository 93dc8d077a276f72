import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBuyer } from "../support/accounts.js";
import { backends } from "../support/db.js";
import { request } from "../support/http.js";
import { PUSH_ENDPOINT_CA, PushEndpoint } from "../support/push-endpoint.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { until } from "../support/until.js";

// Web Push over HTTP against a local RFC 8030 push service (test/support/push-endpoint.ts), which checks the VAPID
// JWT and decrypts every message with the subscription's own keys.
describe.each(backends)("web push over HTTP (%s)", (backend) => {
  let server: TestServer;
  let endpoint: PushEndpoint;
  let ann: { account: { id: string }; cookie: string };
  let ben: { account: { id: string }; cookie: string };
  let merchantId: string;

  beforeAll(async () => {
    endpoint = await PushEndpoint.start();
    server = await startTestServer({ backend, synthetic: false, pushCa: PUSH_ENDPOINT_CA, env: { PUSH_ALLOW_PRIVATE: "1" } });
    ann = await createBuyer(server, "ann@push.test", "a long password", "Ann");
    ben = await createBuyer(server, "ben@push.test", "a long password", "Ben");
    merchantId = (await server.services.shows.show(server.demo.showId)).merchantId;
  }, 120_000);
  afterAll(async () => {
    await server?.close();
    await endpoint?.close();
  });

  const subscribe = (cookie: string | undefined, subscription: unknown, extra: Record<string, unknown> = {}) =>
    request(server.url, "POST", "/api/push/subscriptions", { cookie, body: { subscription, ...extra } });

  /** A new show of the demo shop and host (each goes live once: a notice is fanned out once per show). */
  async function newShow(title: string) {
    const demo = await server.services.shows.show(server.demo.showId);
    const slug = `push-${Math.random().toString(36).slice(2, 10)}`;
    return server.services.shows.createShow({ merchantId: demo.merchantId, hostAccountId: demo.hostAccountId, slug, title, commissionRateBp: 1000 });
  }

  /** The show goes live: the reminders module fans out its go-live notice (the sweep), the outbox sends it. */
  async function goLive(showId: string) {
    await server.services.shows.setStatus(showId, "live");
    await server.services.reminders.sendDue();
    await server.services.outbox.processDue();
  }

  const follow = (cookie: string) => request(server.url, "PUT", `/api/follows/shop/${merchantId}`, { cookie });

  it("hands out the VAPID public key and serves the service worker from the site's origin", async () => {
    const key = await request(server.url, "GET", "/api/push/vapid-key");
    expect(key.status).toBe(200);
    expect(Buffer.from(key.body.publicKey, "base64url")).toHaveLength(65);
    const sw = await fetch(`${server.url}/push/sw.js`);
    expect(sw.status).toBe(200);
    expect(sw.headers.get("content-type")).toMatch(/^text\/javascript/);
    expect(sw.headers.get("cache-control")).toBe("no-cache");
    expect(await sw.text()).toContain("showNotification");
  });

  it("a follower's browser gets the go-live notice: the push service verifies the VAPID JWT and decrypts it", async () => {
    const { publicKey } = (await request(server.url, "GET", "/api/push/vapid-key")).body;
    const browser = endpoint.subscribe(publicKey);
    expect((await follow(ann.cookie)).status).toBe(200);
    // The page's language is the notice's (the show's would be the fallback).
    const res = await subscribe(ann.cookie, browser, { lang: "en" });
    expect(res.status).toBe(201);
    expect(res.body.subscription).toMatchObject({ owner: "account" });
    expect(typeof res.body.token).toBe("string");

    const show = await newShow("Follower drop");
    await goLive(show.id);
    const [msg] = await until("the push message", () => endpoint.messagesFor(browser.id).length > 0 && endpoint.messagesFor(browser.id), 10_000);
    expect(JSON.parse(msg!.text)).toMatchObject({
      v: 1,
      kind: "show.live",
      title: `Live now: ${show.title}`,
      tag: `show:${show.id}`,
    });
    expect(new URL(JSON.parse(msg!.text).url).pathname).toBe(`/shows/${show.slug}`);
    expect(msg!.vapid).toMatchObject({ aud: endpoint.origin, k: publicKey });
    expect(msg!.vapid.sub).toMatch(/^mailto:/);
    expect(endpoint.refused).toEqual([]);
  });

  it("removes the subscription when the push service answers 410 Gone, and sends nothing to it again", async () => {
    const { publicKey } = (await request(server.url, "GET", "/api/push/vapid-key")).body;
    const browser = endpoint.subscribe(publicKey);
    await follow(ben.cookie);
    const made = await subscribe(ben.cookie, browser);
    expect(made.status).toBe(201);
    endpoint.answer(browser.id, 410);
    await goLive((await newShow("Gone drop")).id);
    const gone = await until(
      "the subscription's removal",
      async () => (await server.db.db.selectFrom("push_subscriptions").select("id").where("id", "=", made.body.subscription.id).execute()).length === 0,
      10_000,
    );
    expect(gone).toBe(true);
    const tries = endpoint.refused.filter((r) => r.subscriptionId === browser.id).length;
    expect(tries).toBe(1);
    // The outbox row is done (not retried), and the next notice has no row for this browser at all.
    await goLive((await newShow("After gone")).id);
    expect(endpoint.refused.filter((r) => r.subscriptionId === browser.id).length).toBe(tries);
    expect(await server.services.outbox.pendingByTopic()).not.toHaveProperty("push.send");
  });

  it("a guest's reminder: the browser that made it opts in with its token, and gets the notice when the show goes live", async () => {
    const show = await newShow("Guest drop");
    const reminded = await request(server.url, "POST", `/api/shows/${show.slug}/reminders`, { body: { email: "guest@push.test", lang: "de" } });
    expect(reminded.status).toBe(201);
    const reminder = { id: reminded.body.reminder.id as string, token: reminded.body.reminder.token as string };
    const { publicKey } = (await request(server.url, "GET", "/api/push/vapid-key")).body;
    const browser = endpoint.subscribe(publicKey);
    // Another reminder's token, or none of ours: refused.
    const other = await request(server.url, "POST", `/api/shows/${show.slug}/reminders`, { body: { email: "other@push.test" } });
    expect((await subscribe(undefined, browser, { reminder: { id: reminder.id, token: other.body.reminder.token } })).body.error.code).toBe(
      "push_access_denied",
    );
    const made = await subscribe(undefined, browser, { reminder, lang: "de" });
    expect([made.status, made.body.subscription.owner]).toEqual([201, "reminder"]);

    await goLive(show.id);
    const [msg] = await until("the guest's push message", () => endpoint.messagesFor(browser.id).length > 0 && endpoint.messagesFor(browser.id), 10_000);
    expect(JSON.parse(msg!.text)).toMatchObject({ kind: "show.live", title: "Jetzt live: Guest drop", lang: "de", tag: `show:${show.id}` });
    // Unsubscribing the reminder (its emailed link) takes the browser's subscription with it.
    expect((await request(server.url, "POST", "/api/unsubscribe", { body: { token: reminder.token } })).status).toBe(200);
    expect(await server.db.db.selectFrom("push_subscriptions").select("id").where("id", "=", made.body.subscription.id).execute()).toEqual([]);
  });

  it("removes a subscription for its owner only: the account's session or the browser's token", async () => {
    const made = await subscribe(ann.cookie, endpoint.subscribe());
    const id = made.body.subscription.id as string;
    const del = (opts: { cookie?: string; token?: string }) =>
      request(server.url, "DELETE", `/api/push/subscriptions/${id}`, { cookie: opts.cookie, headers: opts.token ? { "x-push-token": opts.token } : {} });
    expect((await del({})).body.error.code).toBe("unauthenticated");
    const other = await del({ cookie: ben.cookie });
    expect([other.status, other.body.error.code]).toEqual([403, "push_access_denied"]);
    expect((await del({ token: "forged" })).body.error.code).toBe("push_access_denied");
    const ok = await del({ token: made.body.token });
    expect([ok.status, ok.body]).toEqual([200, { removed: true }]);
    expect((await del({ cookie: ann.cookie })).status).toBe(404);
  });

  it("answers bad input with 4xx and a code", async () => {
    const good = endpoint.subscribe();
    const cases: [unknown, number, string][] = [
      [{ subscription: { ...good, endpoint: "http://127.0.0.1/push/x" } }, 400, "invalid_body"],
      [{ subscription: { ...good, endpoint: "not a url" } }, 400, "invalid_body"],
      [{ subscription: { endpoint: good.endpoint } }, 400, "invalid_body"],
      [{ subscription: { ...good, keys: { ...good.keys, auth: "short" } } }, 400, "invalid_body"],
      [{ subscription: { ...good, keys: { ...good.keys, p256dh: `B${"A".repeat(86)}` } } }, 400, "invalid_body"],
      [{ subscription: good, extra: 1 }, 400, "invalid_body"],
      [{ subscription: good, lang: "fr" }, 400, "invalid_body"],
      [{ subscription: { ...good, endpoint: `https://x.test/${"a".repeat(2100)}` } }, 400, "invalid_body"],
    ];
    for (const [body, status, code] of cases) {
      const res = await request(server.url, "POST", "/api/push/subscriptions", { cookie: ann.cookie, body });
      expect([res.status, res.body.error?.code], JSON.stringify(body).slice(0, 120)).toEqual([status, code]);
    }
    const notJson = await request(server.url, "POST", "/api/push/subscriptions", { cookie: ann.cookie, raw: "{" });
    expect([notJson.status, notJson.body.error.code]).toEqual([400, "invalid_json"]);
    // No session and no reminder: 401; a reminder whose token is wrong: 403.
    expect((await subscribe(undefined, good)).body.error.code).toBe("unauthenticated");
    const guest = await subscribe(undefined, good, { reminder: { id: "rem_nope", token: "nope" } });
    expect([guest.status, guest.body.error.code]).toEqual([403, "push_access_denied"]);
  });
});
