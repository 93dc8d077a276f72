import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBuyer } from "../support/accounts.js";
import { login, request } from "../support/http.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { seriousAxeFindings } from "./axe.js";
import { launchChromium, newVisitor, signedInVisitor } from "./browser.js";

// Discovery in the browser: the home page's search and category chips lead to a show, the show page links its host
// and shop, and a signed-in viewer follows the shop on its page. axe finds nothing serious on home, shop and host pages.
const LONG = 30_000;

let server: TestServer;
let browser: Browser;
let shopSlug = "";
let hostId = "";

beforeAll(async () => {
  [server, browser] = await Promise.all([startTestServer({ synthetic: false }), launchChromium()]);
  const merchant = await login(server.url, server.demo.merchantEmail, server.demo.hostPassword);
  const hosts = await request(server.url, "GET", "/api/admin/hosts", { cookie: merchant });
  hostId = hosts.body.hosts[0].id;
  const make = async (title: string, category: string, hoursAhead: number) => {
    const created = await request(server.url, "POST", "/api/admin/shows", {
      cookie: merchant,
      body: { title, hostAccountId: hostId, category, scheduledAt: new Date(Date.now() + hoursAhead * 3_600_000).toISOString() },
    });
    expect(created.status).toBe(201);
    return created.body.show.slug as string;
  };
  await make("Winter knits", "fashion", 2);
  await make("Vinyl crate digging", "collectibles", 3);
  await make("Sourdough basics", "food", 4);
  shopSlug = (await request(server.url, "GET", "/api/admin/shop", { cookie: merchant })).body.shop.slug;
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe("discovery journey", () => {
  it("searches the home page, filters by category, opens a show and follows its links to the host and shop pages", async () => {
    const { context, errors } = await newVisitor(browser, server.url);
    const page = await context.newPage();
    await page.goto("/");
    const upcoming = page.getByTestId("shows-upcoming");
    await upcoming.getByTestId("show-card").first().waitFor({ timeout: LONG });
    expect(await upcoming.getByTestId("show-card").count()).toBe(3);
    expect(await seriousAxeFindings(page)).toBe("");

    await page.getByTestId("discover-search").fill("vinyl");
    await page.getByTestId("discover-search-submit").click();
    await page.waitForFunction(() => document.querySelectorAll("[data-testid=shows-upcoming] [data-testid=show-card]").length === 1, undefined, {
      timeout: LONG,
    });
    expect(await upcoming.getByTestId("show-card").locator("h3").textContent()).toBe("Vinyl crate digging");
    expect(new URL(page.url()).search).toBe("?q=vinyl");

    // A category with no match for the search: the empty state, then clearing brings every show back.
    await page.getByTestId("category-food").click();
    await page.getByTestId("no-shows").waitFor({ timeout: LONG });
    expect(await page.getByTestId("category-food").getAttribute("aria-pressed")).toBe("true");
    expect(await seriousAxeFindings(page)).toBe("");
    await page.getByTestId("discover-clear").click();
    await page.waitForFunction(() => document.querySelectorAll("[data-testid=shows-upcoming] [data-testid=show-card]").length === 3, undefined, {
      timeout: LONG,
    });
    await page.getByTestId("category-food").click();
    await page.waitForFunction(() => document.querySelectorAll("[data-testid=shows-upcoming] [data-testid=show-card]").length === 1, undefined, {
      timeout: LONG,
    });

    await upcoming.getByTestId("show-card").locator("a").first().click();
    await page.getByTestId("upcoming-stage").waitFor({ timeout: LONG });
    expect(new URL(page.url()).pathname).toMatch(/^\/shows\/sourdough-basics-/);

    // The show page names its host and shop as links to their pages.
    await page.getByTestId("host-link").click();
    await page.getByTestId("profile-name").waitFor({ timeout: LONG });
    expect(new URL(page.url()).pathname).toBe(`/hosts/${hostId}`);
    await page.getByTestId("shows-upcoming").getByTestId("show-card").nth(2).waitFor({ timeout: LONG });
    expect(await seriousAxeFindings(page)).toBe("");
    await page.goBack();
    await page.getByTestId("shop-link").click();
    await page.getByTestId("profile-name").waitFor({ timeout: LONG });
    expect(new URL(page.url()).pathname).toBe(`/shops/${shopSlug}`);
    expect(errors).toEqual([]);
  });

  it("follows the shop on its page, and the follower count says so", async () => {
    const buyer = await createBuyer(server, "discover-fan@example.com", "discover-password-1");
    const { context, errors } = await signedInVisitor(browser, server.url, buyer.cookie);
    const page = await context.newPage();
    await page.goto(`/shops/${shopSlug}`);
    expect(await page.getByTestId("profile-name").textContent({ timeout: LONG })).toBe("Showcart Demo Shop");
    expect(await page.getByTestId("profile-followers").textContent()).toBe("0 followers");
    const follow = page.getByTestId("follow-shop");
    await page.waitForFunction(() => !document.querySelector<HTMLButtonElement>("[data-testid=follow-shop]")?.disabled, undefined, { timeout: LONG });
    await follow.click();
    await page.waitForFunction(() => document.querySelector("[data-testid=follow-shop]")?.getAttribute("aria-pressed") === "true", undefined, {
      timeout: LONG,
    });
    // The button tells the page in an effect, after its own render: the count follows a render later (on a busy
    // machine that gap was seen by a read made right after aria-pressed changed: '0 followers', CI on 885e1ea and e02717a).
    await page.waitForFunction(() => document.querySelector("[data-testid=profile-followers]")?.textContent === "1 follower", undefined, {
      timeout: LONG,
    });
    expect(await seriousAxeFindings(page)).toBe("");
    await page.reload();
    await page.waitForFunction(() => document.querySelector("[data-testid=follow-shop]")?.getAttribute("aria-pressed") === "true", undefined, {
      timeout: LONG,
    });
    expect(await page.getByTestId("profile-followers").textContent()).toBe("1 follower");
    expect((await request(server.url, "GET", `/api/shops/${shopSlug}`)).body.shop.followers).toBe(1);
    expect(errors).toEqual([]);
  });
});
