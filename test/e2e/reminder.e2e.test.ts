import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { login, request } from "../support/http.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { until } from "../support/until.js";
import { launchChromium, newVisitor } from "./browser.js";

// A guest presses "Remind me" on an upcoming show; the server's sweeper (every second here, NOTICES_SWEEP_MS) emails
// the reminder 15 minutes before the start — before the show goes live — and the email's link opens the show once it
// is live. The show starts 20 minutes after it is made; once the guest's reminder is set, the server's clock (real
// time plus `ahead`) moves on 5 minutes, so the reminder falls due then (it waited 25 s of real time before). However
// slow the browser, the reminder cannot fall due by itself before the guest has asked for it.
const LONG = 30_000;
const ahead = { ms: 0 };
const clock = { now: () => new Date(Date.now() + ahead.ms) };

let server: TestServer;
let browser: Browser;
let slug = "";
let showId = "";
const guest = "remind-me@example.com";

interface Mail {
  to: string;
  subject: string;
  text: string;
}
const mailbox = async (): Promise<Mail[]> => (await request(server.url, "GET", "/api/dev/mailbox")).body.messages;

beforeAll(async () => {
  [server, browser] = await Promise.all([startTestServer({ synthetic: false, clock, env: { DEV_MAILBOX: "1", NOTICES_SWEEP_MS: "1000" } }), launchChromium()]);
  const merchant = await login(server.url, server.demo.merchantEmail, server.demo.hostPassword);
  const hosts = await request(server.url, "GET", "/api/admin/hosts", { cookie: merchant });
  const products = await request(server.url, "GET", "/api/admin/products", { cookie: merchant });
  const product = products.body.products[0];
  const created = await request(server.url, "POST", "/api/admin/shows", {
    cookie: merchant,
    body: {
      title: "Winter knits live",
      description: "Scarves, hats and a surprise.",
      hostAccountId: hosts.body.hosts[0].id,
      scheduledAt: new Date(Date.now() + 20 * 60_000).toISOString(),
      lineup: [{ productId: product.id, showPrice: Math.max(100, product.price - 500), quantity: 5 }],
    },
  });
  expect(created.status).toBe(201);
  slug = created.body.show.slug;
  showId = created.body.show.id;
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe("reminder journey", () => {
  it("a guest asks to be reminded, the email arrives before go-live, and its link opens the live show", async () => {
    const { context, errors } = await newVisitor(browser, server.url);
    const page = await context.newPage();
    await page.goto(`/shows/${slug}`);
    await page.getByTestId("upcoming-stage").waitFor({ timeout: LONG });
    expect(await page.getByTestId("countdown-clock").textContent()).toMatch(/^\d{2}:\d{2}:\d{2}$/);
    expect(await page.getByTestId("upcoming-description").textContent()).toBe("Scarves, hats and a surprise.");
    // The line-up comes with a request of its own after the page (count() does not wait: it read 0 once in CI).
    await page.getByTestId("lineup-preview").locator("li").first().waitFor({ timeout: LONG });
    expect(await page.getByTestId("lineup-preview").locator("li").count()).toBe(1);
    expect(await page.getByTestId("calendar-link").getAttribute("href")).toBe(`/api/shows/${slug}/calendar.ics`);
    // A guest is offered the sign-in to follow.
    await page.getByTestId("follow-shop-signin").waitFor({ timeout: LONG });

    await page.getByTestId("remind-button").click();
    await page.getByTestId("remind-email").fill(guest);
    await page.getByTestId("remind-button").click();
    await page.getByTestId("remind-set").waitFor({ timeout: LONG });
    // The page remembers it (localStorage) after a reload.
    await page.reload();
    await page.getByTestId("remind-set").waitFor({ timeout: LONG });
    expect((await mailbox()).some((m) => m.to === guest)).toBe(false);
    ahead.ms = 5 * 60_000;

    const reminder = await until(
      "the reminder email",
      async () => (await mailbox()).find((m) => m.to === guest && m.subject === "Starting in 15 minutes: Winter knits live"),
      60_000,
    );
    // Before go-live: the show is still scheduled.
    expect((await request(server.url, "GET", `/api/shows/${slug}`)).body.show.status).toBe("scheduled");
    const link = /^(https?:\/\/\S+\/shows\/[a-z0-9-]+)$/m.exec(reminder.text)![1]!;

    // The show goes live (as media's onLive sets it); the page that is open turns into the live room.
    await server.services.shows.setStatus(showId, "live");
    await page.getByTestId("player").waitFor({ timeout: LONG });
    expect(await page.getByTestId("upcoming-stage").count()).toBe(0);

    // The email's link (its path: the test server's PUBLIC_URL names no real port) opens the live show.
    const fromMail = await context.newPage();
    await fromMail.goto(new URL(link).pathname);
    await fromMail.getByTestId("player").waitFor({ timeout: LONG });
    expect(await fromMail.getByTestId("status-badge").getAttribute("data-status")).toBe("live");
    expect(await fromMail.getByTestId("show-title").textContent()).toBe("Winter knits live");

    // The go-live notice follows; its unsubscribe link ends the reminder without a sign-in.
    const liveMail = await until(
      "the go-live email",
      async () => (await mailbox()).find((m) => m.to === guest && m.subject === "Live now: Winter knits live"),
      30_000,
    );
    const unsubscribe = /(https?:\/\/\S+\/unsubscribe#t=\S+)/.exec(liveMail.text)![1]!;
    const unsub = await context.newPage();
    const url = new URL(unsubscribe);
    await unsub.goto(url.pathname + url.hash);
    await unsub.getByTestId("unsubscribe-done").waitFor({ timeout: LONG });
    expect(await unsub.getByTestId("unsubscribe-done").textContent()).toContain("Winter knits live");
    expect(errors).toEqual([]);
    await context.close();
  }, 180_000);
});
