import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBuyer } from "../support/accounts.js";
import { PUSH_ENDPOINT_CA, PushEndpoint, type SubscriptionJson } from "../support/push-endpoint.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { until } from "../support/until.js";
import { launchChromium, newVisitor, signedInVisitor } from "./browser.js";

// Journey (2) of issue #15: a follower, and a guest who pressed "Remind me", get the go-live notice by Web Push.
//
// What is real: the opt-in beside the follow button and under "Remind me" registers Showcart's service worker (/push/sw.js, scope /push/) in Chromium,
// with notification permission granted, fetches the VAPID key and registers the subscription with the server; the
// notice goes through the notifier's push channel and the outbox, web-push signs (VAPID) and encrypts (aes128gcm) it
// and POSTs it over HTTPS to a push service; the push service (test/support/push-endpoint.ts) checks the JWT and
// decrypts it with the subscription's keys; the decrypted payload is handed to the real service worker as a push
// event (CDP ServiceWorker.deliverPushMessage), which shows the notification, read back with getNotifications().
//
// What is stood in: headless Chromium cannot subscribe at a real push service (pushManager.subscribe rejects: no
// push messaging service here), so PushManager.subscribe is replaced in the page by one returning a subscription at
// the local push service, whose keys the test holds; it records the applicationServerKey the page passed. And a
// notification cannot be clicked headless: the test opens the notification's URL, as the worker's click handler would.
const LONG = 40_000;

let server: TestServer;
let browser: Browser;
let endpoint: PushEndpoint;

beforeAll(async () => {
  [endpoint, browser] = await Promise.all([PushEndpoint.start(), launchChromium()]);
  server = await startTestServer({ demo: true, synthetic: false, pushCa: PUSH_ENDPOINT_CA, env: { PUSH_ALLOW_PRIVATE: "1" } });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await endpoint?.close();
});

/** Replaces PushManager.subscribe in every page of the context: it answers with `sub` and records the key it was given. */
async function standInPushService(context: BrowserContext, sub: SubscriptionJson): Promise<void> {
  await context.addInitScript((s: SubscriptionJson) => {
    const w = window as unknown as { __pushSubscribeCalls: string[] };
    w.__pushSubscribeCalls = [];
    let current: unknown = null;
    PushManager.prototype.getSubscription = async () => current as PushSubscription | null;
    PushManager.prototype.subscribe = async (options?: PushSubscriptionOptionsInit) => {
      const key = new Uint8Array(options?.applicationServerKey as ArrayBuffer);
      w.__pushSubscribeCalls.push(
        btoa(String.fromCharCode(...key))
          .replace(/\+/g, "-")
          .replace(/\//g, "_")
          .replace(/=+$/, ""),
      );
      current = {
        endpoint: s.endpoint,
        expirationTime: null,
        options: { applicationServerKey: key.buffer, userVisibleOnly: true },
        toJSON: () => s,
        unsubscribe: async () => {
          current = null;
          return true;
        },
      };
      return current as PushSubscription;
    };
  }, sub);
}

/** The registration id of the worker whose scope is /push/ (CDP's ServiceWorker domain reports registrations). */
async function pushRegistrationId(seen: { registrationId: string; scopeURL: string; isDeleted: boolean }[]): Promise<string> {
  return until(
    "the /push/ service worker registration",
    () => seen.find((r) => new URL(r.scopeURL).pathname === "/push/" && !r.isDeleted)?.registrationId,
    LONG,
  );
}

async function notifications(page: Page) {
  return page.evaluate(async () => {
    const reg = await navigator.serviceWorker.getRegistration("/push/");
    return (await reg!.getNotifications()).map((n) => ({ title: n.title, body: n.body, tag: n.tag, lang: n.lang, data: n.data as { url: string } }));
  });
}

/** A browser whose push subscription is `sub` at the local push service, with CDP watching its service workers. */
async function pushBrowser(context: BrowserContext, sub: SubscriptionJson) {
  await context.grantPermissions(["notifications"], { origin: server.url });
  await standInPushService(context, sub);
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  const registrations: { registrationId: string; scopeURL: string; isDeleted: boolean }[] = [];
  cdp.on("ServiceWorker.workerRegistrationUpdated", (e: { registrations: typeof registrations }) => registrations.push(...e.registrations));
  await cdp.send("ServiceWorker.enable");
  return { page, cdp, registrations };
}

describe("Web Push: a follower and a guest with a reminder get the go-live notice", () => {
  it("opt in beside the follow button and beside Remind me; the push service decrypts the notice, the worker shows it, it opens the live show", async () => {
    const buyer = await createBuyer(server, "follower@push.test", "a long password", "Fran Follower");
    // A scheduled show of the demo shop: its page offers "Remind me" and the follow buttons.
    const demo = await server.services.shows.show(server.demo.showId);
    const show = await server.services.shows.createShow({
      merchantId: demo.merchantId,
      hostAccountId: demo.hostAccountId,
      slug: "push-journey",
      title: "Push Journey Drop",
      commissionRateBp: 1000,
    });
    const { publicKey } = await (await fetch(`${server.url}/api/push/vapid-key`)).json();

    // The follower (signed in) follows the shop on the show's page; the opt-in appears beside the follow buttons.
    const followerSub = endpoint.subscribe(publicKey);
    const follower = await signedInVisitor(browser, server.url, buyer.cookie);
    const f = await pushBrowser(follower.context, followerSub);
    await f.page.goto(`/shows/${show.slug}`);
    await f.page.getByTestId("follow-shop").click({ timeout: LONG });
    await f.page.locator("[data-testid=follow-shop][aria-pressed=true]").waitFor({ timeout: LONG });
    await f.page.getByTestId("push-enable").click({ timeout: LONG });
    await f.page.getByTestId("push-on").waitFor({ timeout: LONG });
    expect(await f.page.evaluate(() => (window as unknown as { __pushSubscribeCalls: string[] }).__pushSubscribeCalls)).toEqual([publicKey]);

    // The guest presses "Remind me" with an address; the opt-in under the reminder is for that reminder.
    const guestSub = endpoint.subscribe(publicKey);
    const guest = await newVisitor(browser, server.url);
    const g = await pushBrowser(guest.context, guestSub);
    await g.page.goto(`/shows/${show.slug}`);
    await g.page.getByTestId("remind-button").click({ timeout: LONG });
    await g.page.getByTestId("remind-email").fill("guest@push.test");
    await g.page.getByTestId("remind-button").click();
    await g.page.getByTestId("remind-set").waitFor({ timeout: LONG });
    await g.page.getByTestId("push-enable").click({ timeout: LONG });
    await g.page.getByTestId("push-on").waitFor({ timeout: LONG });

    const stored = await server.db.db
      .selectFrom("push_subscriptions")
      .select(["endpoint", "account_id", "reminder_id"])
      .where("endpoint", "in", [followerSub.endpoint, guestSub.endpoint])
      .orderBy("account_id")
      .execute();
    expect(stored).toEqual([
      { endpoint: followerSub.endpoint, account_id: buyer.account.id, reminder_id: null },
      { endpoint: guestSub.endpoint, account_id: null, reminder_id: expect.stringMatching(/^rem_/) },
    ]);

    // The show goes live: the reminders module's sweep fans out the go-live notice to the shop's followers and the
    // show's reminders, through the notifier's push channel and the outbox.
    await server.services.shows.setStatus(show.id, "live");
    await server.services.reminders.sendDue();
    await server.services.outbox.processDue();

    for (const [who, sub, b] of [
      ["follower", followerSub, f],
      ["guest", guestSub, g],
    ] as const) {
      const [message] = await until(
        `the push service to receive the ${who}'s notice`,
        () => endpoint.messagesFor(sub.id).length > 0 && endpoint.messagesFor(sub.id),
        LONG,
      );
      const payload = JSON.parse(message!.text);
      expect(payload).toMatchObject({ kind: "show.live", title: `Live now: ${show.title}`, tag: `show:${show.id}` });
      expect(new URL(payload.url).pathname).toBe(`/shows/${show.slug}`);

      // The push service hands the decrypted bytes to the browser's service worker, which shows the notification.
      const registrationId = await pushRegistrationId(b.registrations);
      // Delivered again every 15 s until it shows, as a push service redelivers what was not acknowledged (RFC 8030
      // §5): once, a loaded CI machine never showed the first delivery (the notice has one tag, so it shows once).
      let deliveredAt = 0;
      const [shown] = await until(
        `the ${who}'s notification`,
        async () => {
          if (Date.now() - deliveredAt > 15_000) {
            deliveredAt = Date.now();
            await b.cdp.send("ServiceWorker.deliverPushMessage", { origin: server.url, registrationId, data: message!.text });
          }
          const list = await notifications(b.page);
          return list.length > 0 && list;
        },
        LONG,
      );
      // The worker opens the payload's path on its own origin (the payload names PUBLIC_URL's default, localhost).
      expect(shown).toEqual({
        title: payload.title,
        body: payload.body,
        tag: `show:${show.id}`,
        lang: "en",
        data: { url: `${server.url}/shows/${show.slug}` },
      });

      // Clicking it opens the show (its URL, as the worker's click handler does): the live room.
      await b.page.goto(shown!.data.url);
      await b.page.getByTestId("show-title").waitFor({ timeout: LONG });
      await b.page.getByTestId("player-video").waitFor({ state: "attached", timeout: LONG });
    }
    expect(endpoint.refused).toEqual([]);
    expect([...follower.errors, ...guest.errors]).toEqual([]);
    await Promise.all([follower.context.close(), guest.context.close()]);
  }, 300_000);
});
