import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../support/server.js";
import { seriousAxeFindings } from "./axe.js";
import { launchChromium, newVisitor } from "./browser.js";

// The API reference page is read offline too: it must load nothing from another origin and pass axe like every page.
describe("the API reference page", () => {
  let server: TestServer;
  let browser: Browser;

  beforeAll(async () => {
    [server, browser] = await Promise.all([startTestServer({ demo: false, synthetic: false, sweepers: false }), launchChromium()]);
  }, 240_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it("renders every area without script or other origins and has no serious axe finding", async () => {
    const { context, errors } = await newVisitor(browser, server.url);
    const page = await context.newPage();
    const requested: string[] = [];
    page.on("request", (r) => requested.push(r.url()));
    const violations: string[] = [];
    page.on("console", (m) => {
      if (m.type() === "error") violations.push(m.text());
    });
    await page.goto("/api/docs");
    await expect(page.getByRole("heading", { level: 1 }).textContent()).resolves.toMatch(/Showcart API/);
    expect(await page.getByRole("heading", { level: 2, name: "orders" }).count()).toBe(1);
    expect(await page.locator("section.op").count()).toBeGreaterThan(200);
    // The request body's schema opens in place (details/summary, no script).
    await page.locator('[id="post-api-orders"] summary').click();
    await expect(page.locator('[id="post-api-orders"] pre').textContent()).resolves.toContain('"offerId"');
    expect(await seriousAxeFindings(page)).toBe("");
    expect(requested.filter((u) => !u.startsWith(server.url))).toEqual([]);
    expect(violations).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  });
});
