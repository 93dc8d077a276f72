import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { login, request } from "../support/http.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { seriousAxeFindings } from "./axe.js";
import { launchChromium, newVisitor, signedInVisitor } from "./browser.js";

// The viewer page's share sheet (issue #15): Web Share where the browser has it, else links for WhatsApp, Facebook,
// Pinterest, X, e-mail and copy-link; the host's links carry their share code, a guest's the plain address.
const LONG = 30_000;
const UPCOMING = "share-upcoming";

let server: TestServer;
let browser: Browser;
let hostCookie = "";
let hostCode = "";
let slug = "";

// Debian's Chromium on Linux has no navigator.share; the page must not depend on that, so each context says which.
const withoutWebShare = (context: BrowserContext) =>
  context.addInitScript(() => Object.defineProperty(Navigator.prototype, "share", { value: undefined, configurable: true }));

beforeAll(async () => {
  server = await startTestServer({ synthetic: false });
  const demo = await server.services.shows.show(server.demo.showId);
  slug = demo.slug;
  await server.services.shows.createShow({
    merchantId: demo.merchantId,
    hostAccountId: demo.hostAccountId,
    slug: UPCOMING,
    title: "Share me soon",
    commissionRateBp: 1000,
    scheduledAt: new Date(Date.now() + 3 * 24 * 3600 * 1000),
  });
  hostCookie = await login(server.url, server.demo.hostEmail, server.demo.hostPassword);
  hostCode = (await request(server.url, "GET", `/api/studio/shows/${server.demo.showId}/share-link`, { cookie: hostCookie })).body.code;
  browser = await launchChromium();
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

const openSheet = async (page: Page) => {
  await page.getByTestId("share-button").click({ timeout: LONG });
  await page.getByTestId("share-url").waitFor({ timeout: LONG });
};

describe("share sheet", () => {
  it("gives the host links with their share code: copy link, WhatsApp opens with it, axe clean, Escape closes", async () => {
    const { context, errors } = await signedInVisitor(browser, server.url, hostCookie);
    await withoutWebShare(context);
    await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: server.url });
    // The networks are not reached from the test: their pages are answered here, the address is what matters.
    await context.route(/^https:\/\/(wa\.me|www\.facebook\.com|www\.pinterest\.com|x\.com)\//, (route) =>
      route.fulfill({ status: 200, contentType: "text/html", body: "<title>network</title>" }),
    );
    const page = await context.newPage();
    await page.goto(`/shows/${slug}`);
    await page.getByTestId("show-title").waitFor({ timeout: LONG });
    // The sheet's code is not part of the page's first load: it comes with the first use.
    expect(await page.getByTestId("share-sheet").count()).toBe(0);
    await openSheet(page);

    const shared = `${server.url}/shows/${slug}?ref=${hostCode}`;
    expect(await page.getByTestId("share-url").inputValue()).toBe(shared);
    // Focus starts in the sheet, on the link field.
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute("data-testid")), { timeout: 5_000 }).toBe("share-url");
    expect(await page.getByTestId("share-sheet").textContent()).toContain("sales through it are credited to you");

    await page.getByTestId("share-copy").click();
    await expect.poll(() => page.getByTestId("share-status").textContent(), { timeout: LONG }).toBe("Link copied.");
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(shared);

    const hrefs = Object.fromEntries(
      await Promise.all(
        ["whatsapp", "facebook", "pinterest", "x", "email"].map(async (id) => [id, await page.getByTestId(`share-${id}`).getAttribute("href")]),
      ),
    );
    expect(hrefs.whatsapp).toBe(`https://wa.me/?text=${encodeURIComponent(`${(await server.services.shows.show(slug)).title} ${shared}`)}`);
    expect(hrefs.facebook).toBe(`https://www.facebook.com/sharer/sharer.php?u=${encodeURIComponent(shared)}`);
    for (const id of ["pinterest", "x", "email"]) expect(hrefs[id], id).toContain(encodeURIComponent(shared));

    expect(await seriousAxeFindings(page)).toBe("");

    // WhatsApp, chosen with the keyboard, opens in a new tab with the host's link in its text.
    const [popup] = await Promise.all([context.waitForEvent("page"), page.getByTestId("share-whatsapp").press("Enter")]);
    await popup.waitForLoadState();
    expect(new URL(popup.url()).searchParams.get("text")).toContain(shared);
    await popup.close();

    await page.keyboard.press("Escape");
    await page.getByTestId("share-sheet").waitFor({ state: "detached" });
    expect(await page.evaluate(() => document.activeElement?.getAttribute("data-testid"))).toBe("share-button");
    expect(errors).toEqual([]);
    await context.close();
  });

  it("gives a guest on the upcoming page the plain address, in German, and keeps Tab inside the sheet", async () => {
    const { context, errors } = await newVisitor(browser, server.url, { locale: "de-DE" });
    await withoutWebShare(context);
    const page = await context.newPage();
    await page.goto(`/shows/${UPCOMING}`);
    await page.getByTestId("upcoming-stage").waitFor({ timeout: LONG });
    // Keyboard only: focus the button, Enter opens the sheet.
    await page.getByTestId("share-button").focus();
    await page.keyboard.press("Enter");
    await page.getByTestId("share-url").waitFor({ timeout: LONG });
    expect(await page.getByTestId("share-url").inputValue()).toBe(`${server.url}/shows/${UPCOMING}`);
    expect(await page.locator("#share-title").textContent()).toBe("Diese Show teilen");
    expect(await page.getByTestId("share-copy").textContent()).toBe("Link kopieren");
    expect(await page.getByTestId("share-sheet").textContent()).not.toContain("gutgeschrieben");

    // Tab past the last control comes back to the first (the close button), never to the page behind.
    await page.getByTestId("share-copy").focus();
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => document.activeElement?.closest("[data-testid=share-sheet]") !== null)).toBe(true);
    expect(await page.evaluate(() => document.activeElement?.getAttribute("data-testid"))).toBe("share-close");

    expect(await seriousAxeFindings(page)).toBe("");
    await page.getByTestId("share-close").click();
    await page.getByTestId("share-sheet").waitFor({ state: "detached" });
    expect(errors).toEqual([]);
    await context.close();
  });

  it("hands the link to the device's share sheet where the browser has Web Share", async () => {
    const { context, errors } = await signedInVisitor(browser, server.url, hostCookie);
    // A stand-in for the system dialog: records what the page asked to share.
    await context.addInitScript(() => {
      const w = window as unknown as { shared: ShareData[] };
      w.shared = [];
      Object.defineProperty(Navigator.prototype, "share", {
        configurable: true,
        value: async (data: ShareData) => void w.shared.push(data),
      });
    });
    const page = await context.newPage();
    await page.goto(`/shows/${slug}`);
    await page.getByTestId("share-button").click({ timeout: LONG });
    await page.waitForFunction(() => (window as unknown as { shared: ShareData[] }).shared.length === 1, undefined, { timeout: LONG });
    const shared = await page.evaluate(() => (window as unknown as { shared: ShareData[] }).shared[0]!);
    expect(shared.url).toBe(`${server.url}/shows/${slug}?ref=${hostCode}`);
    expect(await page.getByTestId("share-sheet").count()).toBe(0);
    expect(errors).toEqual([]);
    await context.close();
  });
});
