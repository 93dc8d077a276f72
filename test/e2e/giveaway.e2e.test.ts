import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { login } from "../support/http.js";
import { createBuyer } from "../support/accounts.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { launchChromium, newVisitor, signedInVisitor } from "./browser.js";

let server: TestServer;
let browser: Browser;

beforeAll(async () => {
  // No synthetic video: the giveaway needs no stream, and ffmpeg would only compete for the two cores.
  [server, browser] = await Promise.all([startTestServer({ demo: true, synthetic: false }), launchChromium()]);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

const signedIn = (cookie: string) => signedInVisitor(browser, server.url, cookie);

describe("giveaway", () => {
  it("viewers enter, the host draws in the studio, and the verification page recomputes the draw ✓", async () => {
    const viewers = [];
    for (let i = 0; i < 3; i++) {
      const email = `fan${i}-${Date.now()}@example.com`;
      await createBuyer(server, email, "correct horse battery", `Fan ${i}`);
      viewers.push(await signedIn(await login(server.url, email, "correct horse battery")));
    }
    const host = await signedIn(await login(server.url, server.demo.hostEmail, server.demo.hostPassword));

    // Host: create and open a giveaway in the studio.
    const studio = await host.context.newPage();
    await studio.goto(`/studio/${server.demo.showId}`);
    await studio.getByTestId("studio-tab-giveaway").click({ timeout: 20_000 }); // the games are tabs of the control room
    await studio.getByTestId("giveaway-title").fill("Demo tote bag");
    await studio.getByTestId("giveaway-create").click();
    await studio.getByTestId("giveaway-open").click();
    await studio.locator('[data-testid=studio-giveaway][data-status="open"]').waitFor({ timeout: 20_000 });

    // Viewers: the giveaway appears (lazy chunk), says no purchase is necessary, and takes one entry each.
    const pages = await Promise.all(viewers.map((v) => v.context.newPage()));
    for (const page of pages) {
      await page.goto(`/shows/${server.demo.slug}`);
      await page.getByTestId("giveaway-enter").click({ timeout: 45_000 });
      await page.getByTestId("giveaway-entered").waitFor({ timeout: 20_000 });
      expect(await page.getByTestId("giveaway-no-purchase").textContent()).toContain("No purchase necessary");
    }
    await pages[0].locator("[data-testid=giveaway-entries]", { hasText: "3 entered" }).waitFor({ timeout: 20_000 });

    // Host draws; every viewer sees the winner revealed live.
    await studio.getByTestId("giveaway-draw").click();
    await studio.getByTestId("studio-giveaway-winners").waitFor({ timeout: 20_000 });
    for (const page of pages) await page.getByTestId("giveaway-winners").waitFor({ timeout: 20_000 });
    const winnerName = (await pages[0].getByTestId("giveaway-winners").textContent())?.replace("🏆", "").trim();
    expect(["Fan 0", "Fan 1", "Fan 2"]).toContain(winnerName);
    const won = await Promise.all(pages.map((p) => p.getByTestId("giveaway-you-won").count()));
    expect(won.reduce((a, b) => a + b, 0)).toBe(1);

    // The public verification page (no account needed) recomputes commitment, list hash and winners with WebCrypto.
    const href = await pages[1].getByTestId("giveaway-verify").getAttribute("href");
    const anyone = await newVisitor(browser, server.url);
    const verify = await anyone.context.newPage();
    await verify.goto(href as string);
    for (const step of ["commitment", "listHash", "winners"]) {
      await verify.locator(`[data-testid=verify-${step}][data-ok="true"]`).waitFor({ timeout: 20_000 });
      expect(await verify.getByTestId(`verify-${step}`).textContent()).toContain("✓");
    }
    await verify.screenshot({ path: "/tmp/showcart-giveaway-verify.png", fullPage: true });
    await pages[0].screenshot({ path: "/tmp/showcart-giveaway-viewer.png" });

    expect([...host.errors, ...anyone.errors, ...viewers.flatMap((v) => v.errors)]).toEqual([]);
    await Promise.all([host, anyone, ...viewers].map((v) => v.context.close()));
  }, 240_000);
});
