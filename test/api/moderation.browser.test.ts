import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { launchChromium, newVisitor } from "../e2e/browser.js";
import { login, request } from "../support/http.js";
import { startTestServer, type TestServer } from "../support/server.js";

// The built web app (npm run build:web) in Chromium against the real server: what viewers and the studio see.
vi.setConfig({ testTimeout: 180_000, hookTimeout: 120_000 });
const LONG = 45_000;

describe("chat moderation in the browser", () => {
  let server: TestServer;
  let browser: Browser;
  let hostCookie: string;

  beforeAll(async () => {
    [server, browser] = await Promise.all([startTestServer({ synthetic: false }), launchChromium()]);
    hostCookie = await login(server.url, server.demo.hostEmail, server.demo.hostPassword);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  async function viewer(name: string): Promise<{ page: Page; errors: string[] }> {
    const { context, errors } = await newVisitor(browser, server.url);
    const page = await context.newPage();
    await page.goto(`/shows/${server.demo.slug}`);
    await page.getByTestId("chat-name-input").fill(name);
    await page.getByTestId("chat-name-submit").click();
    await page.getByTestId("chat-input").waitFor({ timeout: LONG });
    return { page, errors };
  }
  const studio = (method: string, path: string, body?: unknown) =>
    request(server.url, method, `/api/studio/shows/${server.demo.showId}/chat${path}`, { cookie: hostCookie, body });

  it("pins, reports, deletes from the studio panel and counts down slow mode; no script runs from chat", async () => {
    const ann = await viewer("Ann");
    const bob = await viewer("Bob");
    await ann.page.getByTestId("chat-input").fill('hello all <img src=x onerror="alert(1)">');
    await ann.page.getByTestId("chat-input").press("Enter");
    const msgOnBob = bob.page.getByTestId("chat-message").filter({ hasText: "hello all" });
    await msgOnBob.waitFor({ timeout: LONG });
    // Rendered as text: the markup shows literally and no script ran (a dialog would be in `errors`).
    await expect(msgOnBob.getByTestId("chat-text").textContent()).resolves.toBe('hello all <img src=x onerror="alert(1)">');

    await studio("POST", "/pin", { text: "Free shipping tonight" });
    for (const v of [ann, bob]) await expect(v.page.getByTestId("chat-pinned").textContent({ timeout: LONG })).resolves.toContain("Free shipping tonight");

    await msgOnBob.getByTestId("chat-report").click();
    await msgOnBob.getByTestId("chat-report-spam").click();
    await msgOnBob.getByTestId("chat-reported").waitFor();

    // The studio: the report is in the queue; deleting there removes the message from every viewer.
    const { context } = await newVisitor(browser, server.url);
    const [name, value] = hostCookie.split("=") as [string, string];
    await context.addCookies([{ name, value, url: server.url }]);
    const host = await context.newPage();
    await host.goto(`/studio/${server.demo.showId}`);
    // Moderation sits in the control room's side tabs beside the chat; its label counts open reports.
    const modTab = host.getByTestId("studio-side-tab-moderation");
    await expect.poll(() => modTab.textContent(), { timeout: LONG }).toMatch(/1/);
    await modTab.click();
    const report = host.getByTestId("mod-report").filter({ hasText: "hello all" });
    await report.waitFor({ timeout: LONG });
    await report.getByTestId("mod-delete").click();
    await msgOnBob.waitFor({ state: "detached", timeout: LONG });
    await ann.page.getByTestId("chat-message").filter({ hasText: "hello all" }).waitFor({ state: "detached", timeout: LONG });
    await host.getByTestId("mod-no-reports").waitFor({ timeout: LONG });

    // Slow mode set in the studio panel: the second message is refused with a countdown on the send button.
    await host.getByTestId("mod-slow-mode").selectOption("60");
    await expect
      .poll(async () => (await request(server.url, "GET", `/api/shows/${server.demo.showId}/chat`)).body.settings.slowModeSeconds, { timeout: LONG })
      .toBe(60);
    await ann.page.getByTestId("chat-input").fill("one");
    await ann.page.getByTestId("chat-input").press("Enter");
    await bob.page.getByTestId("chat-message").filter({ hasText: "one" }).waitFor({ timeout: LONG });
    await ann.page.getByTestId("chat-input").fill("two");
    await ann.page.getByTestId("chat-input").press("Enter");
    const err = ann.page.getByTestId("chat-error");
    await err.waitFor({ timeout: LONG });
    await expect(err.getAttribute("data-code")).resolves.toBe("chat_slow_mode");
    await expect(err.textContent()).resolves.toMatch(/Slow mode is on: you can write again in \d+ s/);
    await expect(ann.page.getByTestId("chat-send").textContent()).resolves.toMatch(/^\d+ s$/);
    await studio("PATCH", "/settings", { slowModeSeconds: 0 });

    expect(ann.errors).toEqual([]);
    expect(bob.errors).toEqual([]);
  });
});
