import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../support/server.js";
import { launchChromium, newVisitor } from "./browser.js";

let server: TestServer;
let browser: Browser;

beforeAll(async () => {
  [server, browser] = await Promise.all([startTestServer({ demo: true }), launchChromium()]);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe("reactions", () => {
  it("a heart tapped by one viewer floats up for another", async () => {
    const a = await newVisitor(browser, server.url);
    const b = await newVisitor(browser, server.url);
    const [pa, pb] = await Promise.all([a.context.newPage(), b.context.newPage()]);
    await Promise.all([pa.goto(`/shows/${server.demo.slug}`), pb.goto(`/shows/${server.demo.slug}`)]);
    await pa.getByTestId("reaction-button").first().waitFor({ timeout: 45_000 });
    await pb.getByTestId("reactions").waitFor({ timeout: 45_000 });
    for (let i = 0; i < 3; i++) await pa.getByTestId("reaction-button").first().click();
    await pb.locator(".reaction-floater").first().waitFor({ timeout: 10_000 });
    expect(await pb.locator(".reaction-floater").first().textContent()).toBe("❤️");
    await pb.screenshot({ path: "/tmp/showcart-reactions.png" });
    expect([...a.errors, ...b.errors]).toEqual([]);
    await Promise.all([a.context.close(), b.context.close()]);
  }, 180_000);
});
