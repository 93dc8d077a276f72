import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../../src/server/platform/clock.js";
import { ChatClient } from "../support/chat-client.js";
import { orderBody } from "../support/fixtures.js";
import { login, postOrder, request } from "../support/http.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { until } from "../support/until.js";
import { seriousAxeFindings } from "./axe.js";
import { launchChromium, newVisitor, signedInVisitor } from "./browser.js";

// A show with scripted viewers (sockets), pins and purchases on a manual clock; the merchant's report page in Chromium
// must draw the script: the viewer curve's peak, pin markers at the pins' minutes, the funnel = the orders, the CSV =
// the chart's data, axe clean. SHOWCART_SCREENSHOTS=<dir> keeps the report's screenshot.
let server: TestServer;
let browser: Browser;
const START = Date.parse("2026-12-03T18:00:00Z");
const clock = new ManualClock(START);
const LONG = 60_000;
const sockets: ChatClient[] = [];
const at = (minute: number, second = 0) => clock.set(START + minute * 60_000 + second * 1000);

beforeAll(async () => {
  [server, browser] = await Promise.all([startTestServer({ demo: true, synthetic: false, sweepers: false, clock }), launchChromium()]);
}, 300_000);

afterAll(async () => {
  for (const s of sockets) s.ws.close();
  await browser?.close();
  await server?.close();
});

describe("show report", () => {
  it("draws the scripted show: peak, pin markers, funnel, CSV; axe clean; the player sent its impression", async () => {
    const { services } = server;
    const showId = server.demo.showId;
    const host = await login(server.url, server.demo.hostEmail, server.demo.hostPassword);
    const merchant = await login(server.url, server.demo.merchantEmail, server.demo.hostPassword);
    const studio = await request(server.url, "GET", `/api/studio/shows/${showId}`, { cookie: host });
    const productId = studio.body.products[1].id;
    await services.shows.setStatus(showId, "live");
    const newOffer = async (quantity: number) => {
      const r = await request(server.url, "POST", `/api/studio/shows/${showId}/offers`, {
        cookie: host,
        body: { productId, showPrice: 2500, quantity, durationSeconds: 3000, pin: true },
      });
      expect(r.status).toBe(201);
      return r.body.offer.id as string;
    };
    const join = async (n: number) => {
      for (let i = 0; i < n; i++) {
        sockets.push(await ChatClient.open(`${server.url.replace("http", "ws")}/ws/shows/${showId}?device=script-${sockets.length}&name=V`));
      }
      await until("joined", () => services.hub.localViewers(showId) === sockets.length);
    };
    const leave = async (n: number) => {
      for (const s of sockets.splice(0, n)) s.ws.close();
      await until("left", () => services.hub.localViewers(showId) === sockets.length);
    };

    // The script: minute 0 offer A pinned, 4 viewers; minute 1: 12 viewers (the peak), two buyers of A; minute 3:
    // offer B pinned, 7 viewers, one buyer of B; minute 4: 2 viewers.
    at(0);
    const offerA = await newOffer(20);
    await join(4);
    await services.analyticsTick();
    at(1);
    await join(8);
    await services.analyticsTick();
    at(1, 30);
    for (const _ of [1, 2]) expect((await postOrder(server.url, orderBody(offerA))).status).toBe(201);
    await services.analyticsTick();
    at(3);
    const offerB = await newOffer(10);
    await leave(5);
    await services.analyticsTick();
    expect((await postOrder(server.url, orderBody(offerB, { quantity: 3 }))).status).toBe(201);
    at(4);
    await leave(5);
    await services.analyticsTick();

    // A real viewer page reports the card it shows (batched; flushed when the page is hidden).
    const viewer = await newVisitor(browser, server.url);
    const vp = await viewer.context.newPage();
    await vp.goto(`/shows/${server.demo.slug}`);
    await vp.getByTestId("show-title").waitFor({ timeout: LONG });
    await vp.getByTestId("offer-card").first().waitFor({ timeout: LONG });
    await vp.close({ runBeforeUnload: true });
    await until(
      "impression recorded",
      async () => {
        await services.analytics.flush();
        return (await services.reports.showReport(showId)).totals.impressions >= 1;
      },
      30_000,
    );

    // The merchant's report page.
    const m = await signedInVisitor(browser, server.url, merchant);
    const page = await m.context.newPage();
    await page.setViewportSize({ width: 1200, height: 1800 });
    await page.goto(`/admin/analytics/${showId}`);
    await page.getByTestId("uplot-viewers").locator("canvas").waitFor({ timeout: LONG });
    const drawn = await page.getByTestId("uplot-viewers").evaluate((el) => {
      const e = el as HTMLElement & { __uplot: { data: (number | null)[][] }; __markers: { at: number; label: string }[] };
      return { data: e.__uplot.data.map((s) => [...s]), markers: e.__markers };
    });
    const [x, viewers] = drawn.data as [number[], (number | null)[]];
    const points = x.map((t, i) => [t, viewers[i]] as const).filter(([, v]) => v !== null);
    const peak = points.reduce((a, b) => ((b[1] ?? 0) > (a[1] ?? 0) ? b : a));
    expect(peak).toEqual([(START + 60_000) / 1000, 12]);
    expect(points).toEqual([
      [START / 1000, 4],
      [(START + 60_000) / 1000, 12],
      [(START + 90_000) / 1000, 12],
      [(START + 180_000) / 1000, 7],
      [(START + 240_000) / 1000, 2],
    ]);
    const pinMinutes = drawn.markers.filter((mk) => mk.label).map((mk) => (mk.at * 1000 - START) / 60_000);
    expect(pinMinutes.slice(-2)).toEqual([0, 3]);

    // The funnel's paid counts are the orders.
    const funnel = page.getByTestId("funnel-offer");
    expect(await page.locator(`[data-offer-id="${offerA}"] [data-testid=funnel-paid]`).textContent()).toBe("2");
    expect(await page.locator(`[data-offer-id="${offerB}"] [data-testid=funnel-paid]`).textContent()).toBe("1");
    expect(await funnel.count()).toBeGreaterThanOrEqual(2);

    // The CSV is the chart's data.
    const csv = await page.evaluate(async (id) => (await fetch(`/api/analytics/shows/${id}/report.csv?chart=viewers`)).text(), showId);
    const rows = csv
      .trim()
      .split("\r\n")
      .slice(1)
      .map((l) => l.split(","));
    expect(rows.map(([t, v]) => [Date.parse(t!) / 1000, Number(v)])).toEqual(points.map(([t, v]) => [t, v]));

    expect(await seriousAxeFindings(page)).toBe("");
    const shot = await page.screenshot({ fullPage: false });
    const dir = process.env.SHOWCART_SCREENSHOTS ?? fs.mkdtempSync(path.join(os.tmpdir(), "showcart-analytics-"));
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, "analytics-report.png"), shot);
    console.log(`report screenshot: ${path.join(dir, "analytics-report.png")}`);

    // The host's studio: the live chart and the pinned offer's funnel, updated through the studio socket.
    const h = await signedInVisitor(browser, server.url, host);
    const sp = await h.context.newPage();
    await sp.goto(`/studio/${showId}`);
    await sp.getByTestId("studio-side-tab-stats").click({ timeout: LONG });
    await sp.getByTestId("studio-live-funnel").waitFor({ timeout: LONG });
    expect(await sp.getByTestId("live-paid").textContent()).toBe("1");
    expect((await postOrder(server.url, orderBody(offerB))).status).toBe(201);
    await until("studio socket open", () => services.hub.openStudios().includes(showId), 30_000);
    await services.analyticsTick();
    await sp.waitForFunction(() => document.querySelector("[data-testid=live-paid]")?.textContent === "2", undefined, { timeout: LONG });
    await sp.getByTestId("uplot-live").locator("canvas").waitFor({ timeout: LONG });
    expect(await seriousAxeFindings(sp)).toBe("");

    // The shop overview, axe clean too.
    const overview = await m.context.newPage();
    await overview.goto("/admin/analytics");
    await overview.getByTestId("table-shows").waitFor({ state: "attached", timeout: LONG });
    expect(await seriousAxeFindings(overview)).toBe("");
  });
});
