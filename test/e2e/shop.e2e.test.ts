import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer } from "../support/server.js";
import { launchChromium, newVisitor, waitForPlayback } from "./browser.js";

// Journeys through the real server (PGlite, demo seed, synthetic live video) and the built web app.
// The first HLS segments take a few seconds to appear, so waits are generous; nothing asserts on elapsed time.
const LONG = 45_000;

type TestServer = Awaited<ReturnType<typeof startTestServer>>;

let server: TestServer;
let browser: Browser;

beforeAll(async () => {
  [server, browser] = await Promise.all([startTestServer({ demo: true }), launchChromium()]);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function openShow(page: Page): Promise<void> {
  await page.goto(`/shows/${server.demo.slug}`);
  await page.getByTestId("show-title").waitFor({ timeout: LONG });
}

async function joinChat(page: Page, name: string): Promise<void> {
  await page.getByTestId("chat-name-input").fill(name);
  await page.getByTestId("chat-name-submit").click();
  await page.getByTestId("chat-input").waitFor();
}

async function remainingOf(page: Page): Promise<number> {
  return Number(await page.getByTestId("offer-remaining").getAttribute("data-remaining"));
}

describe("viewer and studio journeys", () => {
  it("plays the live demo stream muted, with an unmute button", async () => {
    const { context, errors } = await newVisitor(browser, server.url);
    const page = await context.newPage();
    await openShow(page);
    await expect(page.getByTestId("status-badge").getAttribute("data-status")).resolves.toBe("live");
    await waitForPlayback(page, LONG);
    const video = await page.getByTestId("player-video").evaluate((v: HTMLVideoElement) => ({ muted: v.muted, paused: v.paused }));
    expect(video).toEqual({ muted: true, paused: false });
    await page.getByTestId("unmute").click();
    await expect(page.getByTestId("player-video").evaluate((v: HTMLVideoElement) => v.muted)).resolves.toBe(false);
    expect(errors).toEqual([]);
    await context.close();
  }, 180_000);

  it("shows chat from one viewer to another, as text only", async () => {
    const alice = await newVisitor(browser, server.url);
    const bob = await newVisitor(browser, server.url);
    const [a, b] = await Promise.all([alice.context.newPage(), bob.context.newPage()]);
    // Alice's sockets pass through a gate the test can close, to hold a reconnect open.
    let hold: Promise<void> | null = null;
    await a.routeWebSocket(/\/ws\//, async (ws) => {
      if (hold) await hold;
      ws.connectToServer();
    });
    await Promise.all([openShow(a), openShow(b)]);
    await joinChat(a, "Alice");

    const hostile = "<img src=x onerror=alert(1)>";
    await a.getByTestId("chat-input").fill(hostile);
    await expect(a.getByTestId("chat-count").textContent()).resolves.toBe(String(280 - hostile.length));
    await a.getByTestId("chat-send").click();
    await a.getByTestId("chat-input").fill("hello from Alice");
    await a.getByTestId("chat-input").press("Enter");

    const bobsMessages = b.getByTestId("chat-text");
    await bobsMessages.filter({ hasText: "hello from Alice" }).waitFor({ timeout: LONG });
    await expect(bobsMessages.filter({ hasText: hostile }).count()).resolves.toBe(1);
    // The markup arrived as literal text: no element was created from it.
    await expect(b.locator("[data-testid=chat-messages] img").count()).resolves.toBe(0);
    const author = b.getByTestId("chat-message").filter({ hasText: "hello from Alice" }).locator(".chat-author");
    await expect(author.textContent()).resolves.toBe("Alice");

    // The name is remembered for the next visit.
    await a.reload();
    await a.getByTestId("chat-input").waitFor({ timeout: LONG });

    // A new name reopens the socket; a message sent (Enter) before it is back waits, says so, and goes out after.
    let release = () => {};
    hold = new Promise((r) => {
      release = r;
    });
    await a.getByTestId("chat-change-name").click();
    await joinChat(a, "Alicia");
    await a.getByTestId("chat-input").fill("sent while reconnecting");
    await a.getByTestId("chat-input").press("Enter");
    await a.getByTestId("chat-offline").filter({ hasText: "as soon as the chat is back" }).waitFor({ timeout: LONG });
    await expect(a.getByTestId("chat-input").inputValue()).resolves.toBe("sent while reconnecting");
    hold = null;
    release();
    const queued = b.getByTestId("chat-message").filter({ hasText: "sent while reconnecting" });
    await queued.waitFor({ timeout: LONG });
    await expect(queued.locator(".chat-author").textContent()).resolves.toBe("Alicia");
    await expect(a.getByTestId("chat-input").inputValue()).resolves.toBe("");
    expect(alice.errors).toEqual([]);
    expect(bob.errors).toEqual([]);
    await Promise.all([alice.context.close(), bob.context.close()]);
  }, 180_000);

  it("sells the pinned offer with the test card and updates units left for everyone", async () => {
    const buyer = await newVisitor(browser, server.url);
    const watcher = await newVisitor(browser, server.url);
    const [page, other] = await Promise.all([buyer.context.newPage(), watcher.context.newPage()]);
    await Promise.all([openShow(page), openShow(other)]);
    await other.getByTestId("offer-card").waitFor({ timeout: LONG });
    const before = await remainingOf(other);
    expect(before).toBeGreaterThan(1);

    await page.getByTestId("buy").click();
    const sheet = page.getByTestId("checkout");
    await sheet.waitFor();
    await expect(page.getByTestId("checkout-card").inputValue()).resolves.toBe("4242 4242 4242 4242");
    await page.getByTestId("checkout-name").fill("Erika Mustermann");
    await page.getByTestId("checkout-email").fill("erika@example.com");
    await page.getByTestId("checkout-line1").fill("Hauptstraße 1");
    await page.getByTestId("checkout-postalCode").fill("10115");
    await page.getByTestId("checkout-city").fill("Berlin");

    // A declined card says so and keeps the form; the next attempt with a good card goes through.
    await page.getByTestId("checkout-card").fill("4000 0000 0000 0002");
    await page.getByTestId("checkout-submit").click();
    const error = page.getByTestId("checkout-error");
    await error.waitFor({ timeout: LONG });
    await expect(error.getAttribute("data-code")).resolves.toBe("payment_declined");

    await page.getByTestId("checkout-card").fill("4242 4242 4242 4242");
    await page.getByTestId("checkout-submit").click();
    await page.getByTestId("order-confirmation").waitFor({ timeout: LONG });
    await expect(page.getByTestId("order-id").textContent()).resolves.toMatch(/\S{6,}/);
    await expect(page.getByTestId("order-total").textContent()).resolves.toMatch(/€/);

    await other.waitForFunction(
      (expected) => document.querySelector("[data-testid=offer-remaining]")?.getAttribute("data-remaining") === String(expected),
      before - 1,
      { timeout: LONG },
    );
    expect(buyer.errors).toEqual([]);
    expect(watcher.errors).toEqual([]);
    await Promise.all([buyer.context.close(), watcher.context.close()]);
  }, 180_000);

  it("fits the offer card on a phone screen and switches to German", async () => {
    const phone = await newVisitor(browser, server.url, {
      viewport: { width: 390, height: 844 },
      deviceScaleFactor: 2,
      isMobile: true,
      hasTouch: true,
    });
    const page = await phone.context.newPage();
    await openShow(page);
    const card = page.getByTestId("offer-card");
    await card.waitFor({ timeout: LONG });
    const box = await card.boundingBox();
    expect(box).not.toBeNull();
    expect(box!.x).toBeGreaterThanOrEqual(0);
    expect(box!.x + box!.width).toBeLessThanOrEqual(390);
    expect(box!.y + box!.height).toBeLessThanOrEqual(844);
    await page.screenshot({ path: "/tmp/showcart-phone.png" });

    await page.getByTestId("lang-de").click();
    await expect(page.getByTestId("buy").textContent()).resolves.toBe("Jetzt kaufen");
    await expect(page.evaluate(() => document.documentElement.lang)).resolves.toBe("de");
    await expect(page.getByTestId("offer-show-price").textContent()).resolves.toMatch(/^\d+,\d\d\s€$/);
    await page.reload();
    await expect(page.getByTestId("buy").textContent({ timeout: LONG })).resolves.toBe("Jetzt kaufen");
    expect(phone.errors).toEqual([]);
    await phone.context.close();
  }, 180_000);

  it("lets the host sign in, create and pin an offer that viewers see at once", async () => {
    const host = await newVisitor(browser, server.url, { viewport: { width: 1280, height: 900 } });
    const viewer = await newVisitor(browser, server.url);
    const [studio, page] = await Promise.all([host.context.newPage(), viewer.context.newPage()]);
    await openShow(page);
    await page.getByTestId("offer-card").waitFor({ timeout: LONG });
    const pinnedBefore = await page.getByTestId("offer-card").getAttribute("data-offer-id");

    await studio.goto(`/studio/${server.demo.showId}`);
    await studio.getByTestId("login-email").fill(server.demo.hostEmail);
    await studio.getByTestId("login-password").fill("wrong password");
    await studio.getByTestId("login-submit").click();
    await studio.getByTestId("login-error").waitFor({ timeout: LONG });
    await studio.getByTestId("login-password").fill(server.demo.hostPassword);
    await studio.getByTestId("login-submit").click();
    await studio.getByTestId("studio-title").waitFor({ timeout: LONG });
    await expect(studio.getByTestId("rtmp-url").textContent()).resolves.toMatch(/^rtmp:\/\//);

    // Pick a product other than the one on screen so the switch is visible.
    const options = await studio.getByTestId("offer-product").locator("option").all();
    expect(options.length).toBeGreaterThan(1);
    const productId = await options[options.length - 1].getAttribute("value");
    await studio.getByTestId("offer-product").selectOption(productId!);
    const productTitle = (await options[options.length - 1].textContent())!.split(" — ")[0];
    await studio.getByTestId("offer-price").fill("12,34");
    await studio.getByTestId("offer-quantity").fill("7");
    await studio.getByTestId("offer-duration").fill("5");
    await expect(studio.getByTestId("offer-pin").isChecked()).resolves.toBe(true);
    await studio.getByTestId("create-offer").click();
    await studio.getByTestId("studio-offer").filter({ hasText: productTitle }).waitFor({ timeout: LONG });

    await page.waitForFunction(
      (before) => {
        const card = document.querySelector("[data-testid=offer-card]");
        return card !== null && card.getAttribute("data-offer-id") !== before;
      },
      pinnedBefore,
      { timeout: LONG },
    );
    await expect(page.getByTestId("offer-title").textContent()).resolves.toBe(productTitle);
    await expect(page.getByTestId("offer-show-price").textContent()).resolves.toBe("€12.34");
    await expect(remainingOf(page)).resolves.toBe(7);

    // Host chat carries the host badge for viewers.
    await studio.getByTestId("chat-input").fill("Welcome, everyone!");
    await studio.getByTestId("chat-send").click();
    const hostLine = page.getByTestId("chat-message").filter({ hasText: "Welcome, everyone!" });
    await hostLine.getByTestId("host-badge").waitFor({ timeout: LONG });

    await studio.screenshot({ path: "/tmp/showcart-studio.png", fullPage: true });
    expect(host.errors).toEqual([]);
    expect(viewer.errors).toEqual([]);
    await Promise.all([host.context.close(), viewer.context.close()]);
  }, 120_000);

  it("tells viewers the host is away while the show is off air, and resumes playback after", async () => {
    const { context, errors } = await newVisitor(browser, server.url);
    const page = await context.newPage();
    await openShow(page);
    await page.getByTestId("player-video").waitFor({ timeout: LONG });

    await server.services.shows.setStatus(server.demo.showId, "offline");
    await page.getByTestId("off-air").waitFor({ timeout: LONG });
    await expect(page.getByTestId("status-badge").getAttribute("data-status")).resolves.toBe("offline");
    await expect(page.getByTestId("player-video").count()).resolves.toBe(0);

    await server.services.shows.setStatus(server.demo.showId, "live");
    await waitForPlayback(page, LONG);
    expect(errors).toEqual([]);
    await context.close();
  }, 120_000);
});
