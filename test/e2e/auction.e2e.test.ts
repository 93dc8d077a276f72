import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { login, request } from "../support/http.js";
import { createBuyer, mailedToken } from "../support/accounts.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { until } from "../support/until.js";
import { launchChromium, newVisitor } from "./browser.js";

// A host runs an auction from the studio to the end; a signed-in viewer bids on the viewer page, wins, and pays in
// the checkout sheet. The server's clock is the real one, put ahead by the test when the auction's time is to run
// out; the real sweeper closes it. Waits are generous.
const LONG = 45_000;
const DURATION_S = 8;

let server: TestServer;
let browser: Browser;
/** How far the server's clock runs ahead of the real one. */
let ahead = 0;

beforeAll(async () => {
  [server, browser] = await Promise.all([
    startTestServer({ demo: true, synthetic: false, clock: { now: () => new Date(Date.now() + ahead) } }),
    launchChromium(),
  ]);
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe("auction journey", () => {
  it("the host creates and starts an auction, a viewer bids, wins when the timer runs out, and pays", async () => {
    const hostVisitor = await newVisitor(browser, server.url);
    const viewerVisitor = await newVisitor(browser, server.url);
    const [studio, page] = await Promise.all([hostVisitor.context.newPage(), viewerVisitor.context.newPage()]);

    // The viewer signs up on the show page.
    await page.goto(`/shows/${server.demo.slug}`);
    await page.getByTestId("account-button").click();
    await page.getByTestId("account-tab-signup").click();
    await page.getByTestId("account-name").fill("Ada Bidder");
    await page.getByTestId("account-email").fill("ada.bidder@example.com");
    await page.getByTestId("account-password").fill("a long enough password");
    await page.getByTestId("account-submit").click();
    // The account exists once the emailed link is opened: one click there signs in.
    await page.getByTestId("account-signup-sent").waitFor({ timeout: LONG });
    await page.goto(`/confirm-signup#token=${await mailedToken(server, "ada.bidder@example.com", "confirm-signup")}`);
    await page.getByTestId("confirm-signup-submit").click();
    await page.getByTestId("confirm-signup-done").waitFor({ timeout: LONG });
    await page.goto(`/shows/${server.demo.slug}`);
    await page.getByTestId("account-button").click();
    await page.getByTestId("account-signed-in").waitFor({ timeout: LONG });
    await page.keyboard.press("Escape");

    // The host signs in to the studio and creates an auction from a product (pre-bids open at once).
    await studio.goto(`/studio/${server.demo.showId}`);
    await studio.getByTestId("login-email").fill(server.demo.hostEmail);
    await studio.getByTestId("login-password").fill(server.demo.hostPassword);
    await studio.getByTestId("login-submit").click();
    await studio.getByTestId("studio-tab-auction").click({ timeout: LONG }); // the games are tabs of the control room
    await studio.getByTestId("auction-studio").waitFor({ timeout: LONG });
    await studio.getByTestId("auction-start-price").fill("20");
    await studio.getByTestId("auction-increment").fill("2");
    await studio.getByTestId("auction-duration").fill(String(DURATION_S));
    await studio.getByTestId("auction-soft-close").fill("3");
    await studio.getByTestId("auction-create").click();
    await studio.locator("[data-testid=studio-auction][data-status=scheduled]").waitFor({ timeout: LONG });

    // The viewer's auction card appears live (lazy-loaded on the first auction event) and takes a pre-bid.
    await page.getByTestId("auction-card").waitFor({ timeout: LONG });
    await expect(page.getByTestId("auction-price").getAttribute("data-amount")).resolves.toBe("2000");
    await page.getByTestId("auction-max-input").fill("30");
    await page.getByTestId("auction-max-submit").click();
    await page.getByTestId("auction-winning").waitFor({ timeout: LONG });

    // A second bidder over the API pushes the price up to 25 + 2 by proxy; the viewer stays ahead at 27.
    const { cookie: rivalCookie } = await createBuyer(server, "rival@example.com", "a long enough password", "Rival");
    const auctionId = (await studio.locator("[data-testid=studio-auction]").first().getAttribute("data-id"))!;
    const rivalBid = await request(server.url, "POST", `/api/auctions/${auctionId}/bids`, {
      cookie: rivalCookie,
      headers: { "idempotency-key": "rival-bid-0001" },
      body: { maxAmount: 2500 },
    });
    expect(rivalBid.status).toBe(201);
    expect(rivalBid.body.bid.leading).toBe(false);
    await page.waitForFunction(() => document.querySelector("[data-testid=auction-price]")?.getAttribute("data-amount") === "2700", null, { timeout: LONG });
    await page.getByTestId("auction-winning").waitFor({ timeout: LONG });

    // The host starts it; the countdown runs on server time and the sweeper closes it once the server's clock is past
    // the end (put ahead by the auction's duration rather than waited out).
    await studio.getByTestId("auction-start").click();
    await page.getByTestId("auction-countdown").waitFor({ timeout: LONG });
    ahead += DURATION_S * 1000;
    await page.getByTestId("auction-won").waitFor({ timeout: LONG });
    await expect(page.getByTestId("auction-won").textContent()).resolves.toMatch(/27/);

    // Pay in the existing checkout sheet (the hold is the award).
    await page.getByTestId("auction-pay").click();
    await page.getByTestId("hold-timer").waitFor({ timeout: LONG });
    const nameField = page.getByTestId("checkout-name");
    if (await nameField.isVisible()) await nameField.fill("Ada Bidder");
    await page.getByTestId("checkout-line1").fill("Hauptstraße 1");
    await page.getByTestId("checkout-postalCode").fill("10115");
    await page.getByTestId("checkout-city").fill("Berlin");
    await page.getByTestId("checkout-submit").click();
    await page.getByTestId("order-confirmation").waitFor({ timeout: LONG });
    await expect(page.getByTestId("order-total").textContent()).resolves.toMatch(/27/);

    // The auction is sold; the host's studio shows it.
    await studio.locator("[data-testid=studio-auction][data-status=sold]").waitFor({ timeout: LONG });
    const host = await login(server.url, server.demo.hostEmail, server.demo.hostPassword);
    const log = await request(server.url, "GET", `/api/studio/auctions/${auctionId}/events`, { cookie: host });
    const types: string[] = log.body.events.map((e: { type: string }) => e.type);
    expect(types.filter((t) => t === "bid_accepted")).toHaveLength(2);
    expect(types).toEqual(expect.arrayContaining(["created", "started", "closed", "awarded", "sold"]));
    const order = await until("paid order", async () => {
      const rows = await server.db.db.selectFrom("orders").selectAll().where("idempotency_key", "=", `auction:${auctionId}:1`).execute();
      return rows[0]?.status === "paid" ? rows[0] : null;
    });
    expect(Number(order.total)).toBe(2700);
    expect(viewerVisitor.errors).toEqual([]);
    expect(hostVisitor.errors).toEqual([]);
  }, 180_000);
});
