import fs from "node:fs";
import { createRequire } from "node:module";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import WebSocket from "ws";
import { launchChromium, newVisitor } from "../e2e/browser.js";
import { startTestServer, type TestServer } from "../support/server.js";

// The built web app (npm run build:web) in Chromium: a room that produces more chat than a frame carries shows
// "… N more messages" where the server left messages out (chat.trimmed), in English and German.
vi.setConfig({ testTimeout: 180_000, hookTimeout: 120_000 });
const LONG = 45_000;
const SENT = 6;
const AXE_SOURCE = fs.readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

describe("trimmed chat in the browser", () => {
  let server: TestServer;
  let browser: Awaited<ReturnType<typeof launchChromium>>;

  beforeAll(async () => {
    // One frame a second carrying at most 2 viewer messages: six sent at once cannot all go out.
    [server, browser] = await Promise.all([
      startTestServer({ synthetic: false, env: { REALTIME_TICK_MS: "1000", REALTIME_CHAT_PER_FRAME: "2" } }),
      launchChromium(),
    ]);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  async function viewer(locale: string): Promise<Page> {
    const { context } = await newVisitor(browser, server.url, { locale });
    const page = await context.newPage();
    await page.goto(`/shows/${server.demo.slug}`);
    await page.getByTestId("chat-messages").waitFor({ timeout: LONG });
    return page;
  }

  it("says how many messages were left out, before the next one shown (en, de)", async () => {
    const en = await viewer("en-GB");
    const de = await viewer("de-DE");
    const url = `${server.url.replace("http", "ws")}/ws/shows/${server.demo.showId}`;
    const senders = await Promise.all(
      Array.from({ length: SENT }, async (_, i) => {
        const ws = new WebSocket(`${url}?name=Fan${i}`);
        await new Promise((r) => ws.once("message", r)); // hello
        return ws;
      }),
    );
    for (const [i, ws] of senders.entries()) ws.send(JSON.stringify({ t: "chat.send", d: { text: `burst ${i}` } }));
    const counted = async (page: Page) => {
      const shown = await page.getByTestId("chat-message").filter({ hasText: "burst" }).count();
      const markers = await page.getByTestId("chat-skipped").allTextContents();
      const skipped = markers.reduce((n, m) => n + Number(/\d+/.exec(m)?.[0] ?? 0), 0);
      return { shown, skipped, markers };
    };
    // Every message is either shown or counted in a marker (they may straddle two frames, each trimmed to 2).
    await expect.poll(async () => (await counted(en)).shown + (await counted(en)).skipped, { timeout: LONG }).toBe(SENT);
    const e = await counted(en);
    expect(e.skipped).toBeGreaterThan(0);
    expect(e.markers.every((m) => /^… \d+ more messages? \(too many to show\)$/.test(m))).toBe(true);
    await expect.poll(async () => (await counted(de)).shown + (await counted(de)).skipped, { timeout: LONG }).toBe(SENT);
    expect((await counted(de)).markers.every((m) => /^… \d+ weitere Nachrichten? \(zu viele zum Anzeigen\)$/.test(m))).toBe(true);
    // The marker sits right before the message it names (the first one shown after those left out).
    const next = await en
      .getByTestId("chat-skipped")
      .first()
      .evaluate((el) => el.nextElementSibling?.getAttribute("data-testid"));
    expect(next).toBe("chat-message");
    // The marker passes axe (contrast, list structure) like the messages around it.
    await en.evaluate(AXE_SOURCE);
    const serious = await en.evaluate(async () => {
      const axe = (window as unknown as { axe: { run: (ctx: object, opts: object) => Promise<{ violations: { id: string; impact: string }[] }> } }).axe;
      const result = await axe.run({ include: [['[data-testid="chat"]']] }, { resultTypes: ["violations"] });
      return result.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => v.id);
    });
    expect(serious).toEqual([]);
    for (const ws of senders) ws.close();
  });
});
