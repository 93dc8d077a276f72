import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { login, request } from "../support/http.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { seriousAxeFindings } from "./axe.js";
import { launchChromium, newVisitor } from "./browser.js";

// The studio as a control room on a 1024×768 tablet held in landscape: the preview, the show's line-up and the chat
// are on screen without scrolling, and the host pins line-up items with the keyboard (not while typing in the chat).
let server: TestServer;
let browser: Browser;
let host: string;
const LONG = 45_000;
const items: { id: string; title: string; productId: string; variantId: string }[] = [];

beforeAll(async () => {
  [server, browser] = await Promise.all([startTestServer({ demo: true, synthetic: false }), launchChromium()]);
  host = await login(server.url, server.demo.hostEmail, server.demo.hostPassword);
  const merchant = await login(server.url, server.demo.merchantEmail, server.demo.hostPassword);
  for (const [title, sku] of [
    ["Control room tee", "CR-TEE"],
    ["Control room cap", "CR-CAP"],
    ["Control room mug", "CR-MUG"],
  ] as const) {
    const product = await request(server.url, "POST", "/api/admin/products", {
      cookie: merchant,
      body: { title, price: 2500, vatRateBp: 1900, variants: [{ sku, size: "M", stock: 10 }] },
    });
    expect(product.status).toBe(201);
    const added = await request(server.url, "POST", `/api/studio/shows/${server.demo.showId}/lineup`, {
      cookie: host,
      body: { productId: product.body.product.id, variantId: product.body.product.variants[0].id, showPrice: 1900, quantity: 3 },
    });
    expect(added.status).toBe(201);
    items.push({ id: added.body.item.id, title: added.body.item.title, productId: product.body.product.id, variantId: product.body.product.variants[0].id });
  }
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/** The element's box lies inside the viewport (nothing of it needs scrolling to be seen). */
async function onScreen(page: Page, testId: string): Promise<boolean> {
  const box = await page.getByTestId(testId).first().boundingBox();
  const vp = page.viewportSize()!;
  return box !== null && box.width > 0 && box.height > 0 && box.x >= 0 && box.y >= 0 && box.x + box.width <= vp.width && box.y + box.height <= vp.height;
}

const stateOf = (page: Page, itemId: string) => page.locator(`[data-testid=lineup-item][data-item-id="${itemId}"]`).getAttribute("data-state");

describe("studio control room at 1024×768", () => {
  it("shows preview, line-up, counters and chat without scrolling; N, 1–9 and U pin and unpin; typing in the chat does not", async () => {
    const { context, errors } = await newVisitor(browser, server.url, { viewport: { width: 1024, height: 768 } });
    const [name, value] = host.split("=") as [string, string];
    await context.addCookies([{ name, value, url: server.url }]);
    const page = await context.newPage();
    await page.goto(`/studio/${server.demo.showId}`);
    await page.getByTestId("studio-title").waitFor({ timeout: LONG });
    await page.locator("[data-testid=lineup-item]").nth(2).waitFor({ timeout: LONG });
    await page.getByTestId("chat-input").waitFor({ timeout: LONG });

    for (const id of ["studio-title", "studio-counters", "lineup-pin-next", "lineup-item", "chat", "chat-input", "pinned-now", "studio-setup-open"])
      expect(await onScreen(page, id), `${id} on screen`).toBe(true);
    expect(await onScreen(page, (await page.getByTestId("off-air").count()) ? "off-air" : "preview"), "preview on screen").toBe(true);
    // The page itself does not scroll: the panels do.
    const overflow = await page.evaluate(() => document.documentElement.scrollHeight - window.innerHeight);
    expect(overflow).toBeLessThanOrEqual(1);
    await expect(page.getByTestId("lineup-shortcuts").textContent()).resolves.toContain("N pin next");

    // Typing "2" and "n" into the chat pins nothing.
    await page.getByTestId("chat-input").fill("");
    await page.getByTestId("chat-input").type("2n");
    await page.waitForTimeout(500);
    expect(await stateOf(page, items[1]!.id)).toBe("planned");
    await page.getByTestId("chat-input").fill("");

    // 2 pins the second item; the viewers' card follows (offer.updated), and "now pinned" names it. N pressed while
    // that pin is still on its way is kept, said in the status line, and run once the pin is done: it pins the next
    // one, and the second stays on sale. (The pin's request is held until N has been pressed and announced.)
    await page.getByTestId("studio-title").click();
    let release!: () => void;
    const held = new Promise<void>((r) => {
      release = r;
    });
    await page.route("**/api/studio/shows/*/lineup/*/pin", async (route) => {
      await held;
      await route.continue();
    });
    await page.keyboard.press("2");
    await page.keyboard.press("n");
    await page.waitForFunction(() => document.querySelector("[data-testid=lineup-message]")?.textContent?.startsWith("N:"), null, { timeout: LONG });
    expect(await stateOf(page, items[1]!.id)).toBe("planned");
    release();
    // The third is pinned only if the second was first (pin-next pins the item after the pinned one, else the first).
    await page.locator(`[data-testid=lineup-item][data-item-id="${items[2]!.id}"][data-state=pinned]`).waitFor({ timeout: LONG });
    await page.unroute("**/api/studio/shows/*/lineup/*/pin");
    await expect(page.getByTestId("pinned-now").textContent()).resolves.toContain(items[2]!.title);
    expect(await stateOf(page, items[1]!.id)).toBe("open");
    expect(await stateOf(page, items[0]!.id)).toBe("planned");
    const shown = await request(server.url, "GET", `/api/shows/${server.demo.showId}`);
    const pinned = shown.body.show.offers.find((o: { pinned: boolean }) => o.pinned);
    expect(pinned.title).toBe(items[2]!.title);
    // U unpins.
    const idle = () => page.locator("[data-testid=lineup-pin-next]:not([disabled])").waitFor({ timeout: LONG });
    await idle();
    await page.keyboard.press("u");
    await page.locator(`[data-testid=lineup-item][data-item-id="${items[2]!.id}"][data-state=open]`).waitFor({ timeout: LONG });
    // One tap works as well as the key.
    await page.locator(`[data-testid=lineup-item][data-item-id="${items[0]!.id}"]`).getByTestId("lineup-pin").click();
    await page.locator(`[data-testid=lineup-item][data-item-id="${items[0]!.id}"][data-state=pinned]`).waitFor({ timeout: LONG });

    expect(await seriousAxeFindings(page), "axe: line-up").toBe("");

    // Add on the fly into the line-up (planned, not pinned), then move it up one place.
    await page.getByTestId("offer-product").selectOption(items[0]!.productId);
    await page.locator(`[data-testid=offer-variant][data-variant-id="${items[0]!.variantId}"]`).getByTestId("offer-variant-pick").check();
    await page.locator(`[data-testid=offer-variant][data-variant-id="${items[0]!.variantId}"]`).getByTestId("offer-variant-units").fill("2");
    await page.getByTestId("offer-price").fill("15");
    await page.getByTestId("offer-pin").uncheck();
    await page.getByTestId("offer-to-lineup").check();
    await page.getByTestId("create-offer").click();
    const added = page.locator("[data-testid=lineup-item][data-state=planned]");
    await added.waitFor({ timeout: LONG });
    expect(await page.locator("[data-testid=lineup-item]").count()).toBe(4);
    const addedId = (await added.getAttribute("data-item-id"))!;
    await added.getByTestId("lineup-up").click();
    await page.waitForFunction((id) => document.querySelectorAll("[data-testid=lineup-item]")[2]?.getAttribute("data-item-id") === id, addedId, {
      timeout: LONG,
    });
    const order = (await request(server.url, "GET", `/api/studio/shows/${server.demo.showId}/lineup`, { cookie: host })).body.lineup.items.map(
      (i: { id: string }) => i.id,
    );
    expect(order).toEqual([items[0]!.id, items[1]!.id, addedId, items[2]!.id]);

    // The games are tabs (each axe-clean); set-up is a drawer that leaves the line-up where it was.
    for (const game of ["auction", "mystery", "coupon", "giveaway", "poll"]) {
      await page.getByTestId(`studio-tab-${game}`).click();
      await page.getByTestId(`studio-panel-${game}`).waitFor({ timeout: LONG });
      expect(await page.getByTestId("lineup").isVisible()).toBe(false);
      expect(await seriousAxeFindings(page), `axe: ${game} tab`).toBe("");
    }
    await page.getByTestId("studio-tab-lineup").click();
    await page.getByTestId("studio-side-tab-moderation").click();
    await page.getByTestId("studio-side-panel-moderation").locator(".panel").waitFor({ timeout: LONG });
    expect(await seriousAxeFindings(page), "axe: moderation tab").toBe("");
    // The stage tab: an invite link made from it, and its layout choice (the media are stage.media.test's).
    await page.getByTestId("studio-side-tab-stage").click();
    await page.getByTestId("stage-invite").click();
    await page.getByTestId("stage-invite-link").waitFor({ timeout: LONG });
    expect(await page.getByTestId("stage-invite-link").textContent()).toContain("/stage/");
    expect(await seriousAxeFindings(page), "axe: stage tab").toBe("");
    await page.getByTestId("studio-side-tab-chat").click();
    await page.getByTestId("studio-setup-open").click();
    await page.getByTestId("rtmp-url").waitFor({ timeout: LONG });
    expect(await seriousAxeFindings(page), "axe: set-up drawer").toBe("");
    await page.keyboard.press("Escape");
    await page.getByTestId("studio-setup").waitFor({ state: "hidden", timeout: LONG });

    await page.screenshot({ path: "/tmp/showcart-control-room-1024.png" });
    expect(errors).toEqual([]);
    await context.close();
  }, 180_000);

  it("keeps preview, line-up and chat on screen on a tablet held upright (768×1024)", async () => {
    const { context, errors } = await newVisitor(browser, server.url, { viewport: { width: 768, height: 1024 } });
    const [name, value] = host.split("=") as [string, string];
    await context.addCookies([{ name, value, url: server.url }]);
    const page = await context.newPage();
    await page.goto(`/studio/${server.demo.showId}`);
    await page.locator("[data-testid=lineup-item]").first().waitFor({ timeout: LONG });
    await page.getByTestId("chat-input").waitFor({ timeout: LONG });
    for (const id of ["studio-title", "studio-counters", "lineup-pin-next", "lineup-item", "chat-input", "pinned-now"])
      expect(await onScreen(page, id), `${id} on screen`).toBe(true);
    await page.screenshot({ path: "/tmp/showcart-control-room-768.png" });
    expect(errors).toEqual([]);
    await context.close();
  }, 180_000);
});
