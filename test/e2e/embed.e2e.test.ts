import http from "node:http";
import type { AddressInfo } from "node:net";
import type { Browser, Frame, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBuyer } from "../support/accounts.js";
import { login, request } from "../support/http.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { launchChromium, newVisitor, signedInVisitor } from "./browser.js";

// The embeddable player on a merchant's own site (issue #15, journey 3). Showcart runs on 127.0.0.1; the merchant's
// pages are served from `localhost` on other ports — another site to the browser, as a real shop's domain is (so no
// session cookie reaches the frame). The shop allows the second origin only; the third is refused by CSP.
const LONG = 45_000;

let server: TestServer;
let browser: Browser;
const merchantSites: http.Server[] = [];

/** A merchant's page: the two lines from /admin below a tall header (the player starts out of view), and a log of events. */
function merchantPage(showcart: string, slug: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Merchant shop</title>
<script src="${showcart}/embed.js" async></script>
<script>
  window.showcartEvents = [];
  for (const type of ["showcart:ready", "showcart:live", "showcart:ended", "showcart:purchase", "showcart:resize"])
    document.addEventListener(type, (e) => window.showcartEvents.push({ type: e.type, target: e.target.localName, detail: e.detail }));
</script></head>
<body><main><h1>Our shop</h1><div id="spacer" style="height:2400px">Scroll down for the live show.</div>
<showcart-show show="${slug}" id="player"></showcart-show></main></body></html>`;
}

async function serveMerchantSite(showcart: string, slug: string): Promise<string> {
  const site = http.createServer((_req, res) => {
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(merchantPage(showcart, slug));
  });
  await new Promise<void>((resolve) => site.listen(0, "127.0.0.1", resolve));
  merchantSites.push(site);
  return `http://localhost:${(site.address() as AddressInfo).port}`;
}

function embedFrame(page: Page): Frame | undefined {
  return page.frames().find((f) => f.url().includes("/embed/"));
}

type LoggedEvent = { type: string; target: string; detail: any };
const eventsOf = (page: Page) => page.evaluate(() => (window as unknown as { showcartEvents: LoggedEvent[] }).showcartEvents);

describe("the embeddable player on a merchant's site", () => {
  let allowed: string;
  let refused: string;

  beforeAll(async () => {
    [server, browser] = await Promise.all([startTestServer({ demo: true }), launchChromium()]);
    [allowed, refused] = await Promise.all([serveMerchantSite(server.url, server.demo.slug), serveMerchantSite(server.url, server.demo.slug)]);
    // The shop's owner lists the merchant site in /admin → "On your website" and finds the two lines to paste.
    const merchant = await login(server.url, server.demo.merchantEmail, server.demo.hostPassword);
    const owner = await signedInVisitor(browser, server.url, merchant);
    const admin = await owner.context.newPage();
    await admin.goto("/admin");
    await admin.getByTestId("tab-embed").click({ timeout: LONG });
    await admin.getByTestId("embed-origins").fill(`${allowed}/\n`);
    await admin.getByTestId("embed-save").click();
    await admin.getByRole("status").waitFor({ timeout: LONG });
    expect(await admin.getByTestId("embed-origins").inputValue()).toBe(allowed);
    expect(await admin.getByTestId("embed-snippet").textContent()).toContain(`<showcart-show show="${server.demo.slug}"></showcart-show>`);
    expect(owner.errors).toEqual([]);
    await owner.context.close();
    const set = await request(server.url, "GET", "/api/admin/shop/embed", { cookie: merchant });
    expect(set.body.origins).toEqual([allowed]);
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    for (const site of merchantSites) site.close();
  });

  it("loads when scrolled into view, plays the show, sells inside the frame and tells the page of the purchase", async () => {
    const visitor = await newVisitor(browser, allowed);
    // Signed in to Showcart itself: the SameSite=Lax session cookie is not sent into another site's frame.
    const { cookie } = await createBuyer(server, "signed-in@embed.test", "embed-buyer-password-1");
    const [name, value] = cookie.split("=") as [string, string];
    await visitor.context.addCookies([{ name, value, url: server.url }]);
    const page = await visitor.context.newPage();
    await page.goto(allowed);
    await page.waitForFunction(() => customElements.get("showcart-show") !== undefined, undefined, { timeout: LONG });
    // Out of view: no frame yet (IntersectionObserver), so a page with the player below the fold pays nothing for it.
    await page.waitForTimeout(500);
    expect(embedFrame(page)).toBeUndefined();

    await page.locator("#player").scrollIntoViewIfNeeded();
    await page.waitForFunction(
      () => (window as unknown as { showcartEvents: LoggedEvent[] }).showcartEvents.some((e) => e.type === "showcart:ready"),
      undefined,
      { timeout: LONG },
    );
    const frame = embedFrame(page)!;
    expect(new URL(frame.url()).searchParams.get("parent")).toBe(allowed);
    // The frame is a guest (docs/api.md, "Sessions inside the frame"); the same browser is signed in on Showcart's own pages.
    expect(await frame.evaluate(() => fetch("/api/auth/me").then((r) => r.status))).toBe(401);
    const own = await visitor.context.newPage();
    await own.goto(`${server.url}/api/auth/me`);
    expect(await own.evaluate(() => document.body.textContent)).toContain("signed-in@embed.test");
    await own.close();
    const ready = (await eventsOf(page)).find((e) => e.type === "showcart:ready")!;
    expect(ready.target).toBe("showcart-show");
    expect(ready.detail.show).toMatchObject({ slug: server.demo.slug, status: "live" });

    // Plays: the video inside the frame moves on.
    await frame.waitForFunction(
      () => {
        const v = document.querySelector<HTMLVideoElement>("[data-testid=player-video]");
        return !!v && !v.paused && v.currentTime > 1;
      },
      undefined,
      { timeout: LONG, polling: 250 },
    );
    // Sized by the frame's height messages: the element is as tall as the player's content, not a fixed box.
    await page.waitForFunction(() => (window as unknown as { showcartEvents: LoggedEvent[] }).showcartEvents.some((e) => e.type === "showcart:resize"));
    const sizes = await page.evaluate(() => {
      const frameEl = document.querySelector("#player")!.shadowRoot!.querySelector("iframe")!;
      return { frame: frameEl.getBoundingClientRect().height, style: frameEl.style.height };
    });
    expect(sizes.style).toMatch(/^\d+px$/);
    expect(sizes.frame).toBeGreaterThan(300);

    // The purchase, inside the frame: a guest checkout with the test card.
    await frame.getByTestId("buy").click({ timeout: LONG });
    await frame.getByTestId("checkout").waitFor({ timeout: LONG });
    await frame.getByTestId("checkout-name").fill("Erika Mustermann");
    await frame.getByTestId("checkout-email").fill("erika@example.com");
    await frame.getByTestId("checkout-line1").fill("Hauptstraße 1");
    await frame.getByTestId("checkout-postalCode").fill("10115");
    await frame.getByTestId("checkout-city").fill("Berlin");
    await frame.getByTestId("checkout-card").fill("4242 4242 4242 4242");
    await frame.getByTestId("checkout-submit").click();
    await frame.getByTestId("order-confirmation").waitFor({ timeout: LONG });

    await page.waitForFunction(
      () => (window as unknown as { showcartEvents: LoggedEvent[] }).showcartEvents.some((e) => e.type === "showcart:purchase"),
      undefined,
      { timeout: LONG },
    );
    const purchase = (await eventsOf(page)).find((e) => e.type === "showcart:purchase")!;
    expect(purchase.target).toBe("showcart-show");
    expect(purchase.detail).toMatchObject({ currency: "EUR", quantity: 1 });
    expect(purchase.detail.total).toBeGreaterThan(0);
    // Amounts and offers only: nothing about the buyer reaches the merchant's page (and its analytics scripts).
    expect(JSON.stringify(purchase.detail)).not.toMatch(/Erika|erika@example\.com|Hauptstra/);

    // The order is real and paid: the shop sees it.
    const merchant = await login(server.url, server.demo.merchantEmail, server.demo.hostPassword);
    const order = await request(server.url, "GET", `/api/orders/${encodeURIComponent(purchase.detail.orderId)}`, { cookie: merchant });
    expect(order.status).toBe(200);
    expect(order.body.order).toMatchObject({ id: purchase.detail.orderId, status: "paid", total: purchase.detail.total });
    expect(visitor.errors).toEqual([]);
    await visitor.context.close();
  }, 240_000);

  it("settles at its content's height on a phone, and ignores look-alike messages from anyone but its frame", async () => {
    const visitor = await newVisitor(browser, allowed, { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    const page = await visitor.context.newPage();
    await page.goto(allowed);
    await page.locator("#player").scrollIntoViewIfNeeded();
    const frame = await (async () => {
      await page.waitForFunction(
        () => (window as unknown as { showcartEvents: LoggedEvent[] }).showcartEvents.some((e) => e.type === "showcart:ready"),
        undefined,
        {
          timeout: LONG,
        },
      );
      return embedFrame(page)!;
    })();
    await frame.getByTestId("offer-card").waitFor({ timeout: LONG });
    await frame.waitForFunction(() => (document.querySelector<HTMLVideoElement>("[data-testid=player-video]")?.currentTime ?? 0) > 1, undefined, {
      timeout: LONG,
      polling: 250,
    });
    // A frame whose content were sized by the viewport (vh) would grow with every height it reports: it settles instead.
    const resizes = async () => (await eventsOf(page)).filter((e) => e.type === "showcart:resize").map((e) => e.detail.height as number);
    const before = await resizes();
    await page.waitForTimeout(3000);
    const after = await resizes();
    expect(after.length - before.length).toBeLessThanOrEqual(1);
    expect(after.at(-1)!).toBeGreaterThan(400);
    expect(after.at(-1)!).toBeLessThan(2500);
    const box = await page.evaluate(() => document.querySelector("#player")!.getBoundingClientRect().width);
    expect(box).toBeLessThanOrEqual(390);

    // The merchant's page (or a script on it) posting our message shape itself: the loader only trusts its frame.
    const count = (await eventsOf(page)).length;
    await page.evaluate(() =>
      window.postMessage({ source: "showcart-embed", type: "showcart:purchase", detail: { orderId: "ord_forged", total: 1, currency: "EUR" } }, "*"),
    );
    await page.waitForTimeout(500);
    const events = await eventsOf(page);
    expect(events.length).toBe(count);
    expect(JSON.stringify(events)).not.toContain("ord_forged");
    expect(visitor.errors).toEqual([]);
    await visitor.context.close();
  }, 180_000);

  it("is refused by the browser on a site the shop does not list (CSP frame-ancestors)", async () => {
    const visitor = await newVisitor(browser, refused);
    const page = await visitor.context.newPage();
    const refusals: string[] = [];
    page.on("console", (m) => {
      if (/frame-ancestors/.test(m.text())) refusals.push(m.text());
    });
    const embedAnswer = page.waitForResponse((r) => r.url().includes("/embed/"), { timeout: LONG });
    await page.goto(refused);
    await page.locator("#player").scrollIntoViewIfNeeded();
    const answer = await embedAnswer;
    // The server answers, naming only the allowed site; the browser then refuses to show it here.
    expect(answer.headers()["content-security-policy"]).toContain(`frame-ancestors ${allowed}`);
    await expect.poll(() => refusals.length, { timeout: LONG }).toBeGreaterThan(0);
    // Chromium: "Framing '<embed URL>' violates the following Content Security Policy directive: \"frame-ancestors …\"".
    expect(refusals[0]).toContain(`frame-ancestors ${allowed}`);
    // Nothing of ours runs in that frame: no event ever reaches the page.
    await page.waitForTimeout(1500);
    expect(await eventsOf(page)).toEqual([]);
    const frameUrl = embedFrame(page)?.url() ?? "";
    expect(frameUrl.startsWith(server.url)).toBe(false);
    await visitor.context.close();
  }, 120_000);
});
