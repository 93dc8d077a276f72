import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { login, request } from "../support/http.js";
import { mailedToken } from "../support/accounts.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { launchChromium, newVisitor } from "./browser.js";

// The signed-in buyer's journey through the real server and web app: sign up on the viewer page, save an address and
// a card, one-tap buy, a gift to someone else, and the merchant's refund putting the unit back on sale for everyone.
// No video is needed for it, so the demo runs without the synthetic source. Waits are generous; nothing is timed.
const LONG = 30_000;

let server: TestServer;
let browser: Browser;

beforeAll(async () => {
  [server, browser] = await Promise.all([startTestServer({ demo: true, synthetic: false }), launchChromium()]);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function openShow(page: Page): Promise<void> {
  await page.goto(`/shows/${server.demo.slug}`);
  await page.getByTestId("offer-card").waitFor({ timeout: LONG });
}

const remainingIs = (page: Page, n: number) =>
  page.waitForFunction((expected) => document.querySelector("[data-testid=offer-remaining]")?.getAttribute("data-remaining") === String(expected), n, {
    timeout: LONG,
  });

describe("buyer journey", () => {
  it("signs up, saves details, one-tap buys, sends a gift, and sees a refund restock", async () => {
    const buyer = await newVisitor(browser, server.url);
    const watcher = await newVisitor(browser, server.url);
    const [page, other] = await Promise.all([buyer.context.newPage(), watcher.context.newPage()]);
    await Promise.all([openShow(page), openShow(other)]);
    const before = Number(await other.getByTestId("offer-remaining").getAttribute("data-remaining"));
    expect(before).toBeGreaterThan(3);

    // Sign up from the viewer page's account menu.
    await page.getByTestId("account-button").click();
    await page.getByTestId("account-tab-signup").click();
    await page.getByTestId("account-name").fill("Erika Mustermann");
    await page.getByTestId("account-email").fill("erika@example.com");
    await page.getByTestId("account-password").fill("a long enough password");
    await page.getByTestId("account-submit").click();
    // The account exists once the emailed link is opened: one click there signs in.
    await page.getByTestId("account-signup-sent").waitFor({ timeout: LONG });
    await page.goto(`/confirm-signup#token=${await mailedToken(server, "erika@example.com", "confirm-signup")}`);
    await page.getByTestId("confirm-signup-submit").click();
    await page.getByTestId("confirm-signup-done").waitFor({ timeout: LONG });
    await openShow(page);
    await page.getByTestId("account-button").click();
    await page.getByTestId("account-signed-in").waitFor({ timeout: LONG });

    // The account's language, chosen in the same menu: the page switches and the account keeps it (for its emails).
    await page.getByTestId("account-lang").selectOption("de");
    await page.getByTestId("account-lang-status").getByText("Sprache gespeichert.").waitFor({ timeout: LONG });
    expect(await page.evaluate(() => document.documentElement.lang)).toBe("de");
    expect((await page.evaluate(() => fetch("/api/auth/me").then((r) => r.json()))).account.lang).toBe("de");
    await page.getByTestId("account-lang").selectOption("en");
    await page.getByTestId("account-lang-status").getByText("Language saved.").waitFor({ timeout: LONG });

    // Save an address and the test card: only brand and last 4 come back.
    await page.getByTestId("saved-name").fill("Erika Mustermann");
    await page.getByTestId("saved-line1").fill("Hauptstraße 1");
    await page.getByTestId("saved-postalCode").fill("10115");
    await page.getByTestId("saved-city").fill("Berlin");
    await page.getByTestId("saved-address-submit").click();
    await page.getByTestId("saved-status").waitFor({ timeout: LONG });
    await page.getByTestId("saved-card-number").fill("4242 4242 4242 4242");
    await page.getByTestId("saved-card-submit").click();
    await page.getByTestId("saved-card").waitFor({ timeout: LONG });
    await expect(page.getByTestId("saved-card").textContent()).resolves.toMatch(/VISA •••• 4242/);
    await page.keyboard.press("Escape");

    // Buy holds the unit at once (everyone sees it), closing the sheet gives it back.
    await page.getByTestId("buy").click();
    await page.getByTestId("hold-timer").waitFor({ timeout: LONG });
    expect(Number(await page.getByTestId("hold-timer").getAttribute("data-seconds"))).toBeGreaterThan(200);
    await remainingIs(other, before - 1);
    await page.getByTestId("checkout-close").click();
    await remainingIs(other, before);

    // One tap: the saved card and address.
    await page.getByTestId("buy").click();
    await page.getByTestId("checkout-saved").waitFor({ timeout: LONG });
    await page.getByTestId("hold-timer").waitFor({ timeout: LONG });
    await page.getByTestId("checkout-submit").click();
    await page.getByTestId("order-confirmation").waitFor({ timeout: LONG });
    const firstId = (await page.getByTestId("order-id").textContent())!;
    await remainingIs(other, before - 1);
    await page.getByTestId("checkout-done").click();

    // A gift to another address, paid with the saved card.
    await page.getByTestId("buy").click();
    await page.getByTestId("hold-timer").waitFor({ timeout: LONG });
    await page.getByTestId("checkout-gift").check();
    await page.getByTestId("checkout-recipient").fill("Max Beispiel");
    await page.getByTestId("checkout-message").fill("Alles Gute zum Geburtstag!");
    await page.getByTestId("checkout-line1").fill("Nebenweg 7");
    await page.getByTestId("checkout-postalCode").fill("80331");
    await page.getByTestId("checkout-city").fill("München");
    await page.getByTestId("checkout-submit").click();
    await page.getByTestId("order-confirmation").waitFor({ timeout: LONG });
    await expect(page.getByTestId("order-gift-recipient").textContent()).resolves.toBe("Max Beispiel");
    const giftId = (await page.getByTestId("order-id").textContent())!;
    await remainingIs(other, before - 2);
    await page.getByTestId("checkout-done").click();

    // What was stored (the id alone would see no personal data over HTTP).
    const first = await server.services.orders.order(firstId);
    expect(first).toMatchObject({ status: "paid", buyer: { email: "erika@example.com" }, shipping: { city: "Berlin" }, gift: null });
    const gift = await server.services.orders.order(giftId);
    expect(gift).toMatchObject({
      status: "paid",
      buyer: { name: "Erika Mustermann" },
      shipping: { name: "Max Beispiel", city: "München" },
      gift: { message: "Alles Gute zum Geburtstag!" },
    });

    // The merchant refunds the gift before shipping: the unit goes back on sale on both viewer pages.
    const merchant = await login(server.url, server.demo.merchantEmail, server.demo.hostPassword);
    const refunded = await request(server.url, "POST", `/api/admin/orders/${giftId}/refund`, { cookie: merchant, body: {} });
    expect(refunded.body.order.status).toBe("refunded");
    await Promise.all([remainingIs(other, before - 1), remainingIs(page, before - 1)]);

    expect(buyer.errors).toEqual([]);
    expect(watcher.errors).toEqual([]);
    await Promise.all([buyer.context.close(), watcher.context.close()]);
  }, 180_000);

  it("says clearly when the hold ran out, gives the units back, and can reserve again", async () => {
    const { context, errors } = await newVisitor(browser, server.url);
    await context.clock.install();
    const page = await context.newPage();
    await openShow(page);
    const before = Number(await page.getByTestId("offer-remaining").getAttribute("data-remaining"));
    await page.getByTestId("buy").click();
    await page.getByTestId("hold-timer").waitFor({ timeout: LONG });
    await remainingIs(page, before - 1);
    await context.clock.fastForward("05:01");
    await page.getByTestId("hold-expired").waitFor({ timeout: LONG });
    await remainingIs(page, before);
    await expect(page.getByTestId("checkout-submit").isDisabled()).resolves.toBe(true);
    await page.getByTestId("hold-again").click();
    await page.getByTestId("hold-timer").waitFor({ timeout: LONG });
    await remainingIs(page, before - 1);
    await page.getByTestId("checkout-close").click();
    await remainingIs(page, before);
    expect(errors).toEqual([]);
    await context.close();
  }, 180_000);

  it("puts a viewer on the waitlist of a sold-out offer and hands them a released unit as a timed claim", async () => {
    // The host pins a one-unit offer with a per-buyer limit; a guest buys it over the API.
    const host = await login(server.url, server.demo.hostEmail, server.demo.hostPassword);
    const studio = await request(server.url, "GET", `/api/studio/shows/${server.demo.showId}`, { cookie: host });
    const productId = studio.body.products[0].id;
    const created = await request(server.url, "POST", `/api/studio/shows/${server.demo.showId}/offers`, {
      cookie: host,
      body: { productId, showPrice: 990, quantity: 1, durationSeconds: 600, pin: true, perBuyerLimit: 1 },
    });
    expect(created.body.offer.perBuyerLimit).toBe(1);
    const offerId = created.body.offer.id;
    const order = {
      offerId,
      quantity: 1,
      buyer: { name: "Fast", email: "fast@example.com" },
      shipping: { name: "Fast", line1: "Weg 1", postalCode: "10115", city: "Berlin", country: "DE" },
      payment: { method: "test_card", number: "4242424242424242" },
    };
    const sold = await request(server.url, "POST", "/api/orders", { body: order, headers: { "idempotency-key": "e2e-waitlist-sale" } });
    expect(sold.body.order.status).toBe("paid");

    const { context, errors } = await newVisitor(browser, server.url);
    const page = await context.newPage();
    await page.goto(`/shows/${server.demo.slug}`);
    await page.locator(`[data-testid=offer-card][data-offer-id="${offerId}"]`).waitFor({ timeout: LONG });
    await page.getByTestId("waitlist-join").click();
    await page.getByTestId("waitlist-email").fill("patient@example.com");
    await page.getByTestId("waitlist-join").click();
    await page.getByTestId("waitlist-joined").waitFor({ timeout: LONG });

    // The merchant refunds the sale: the unit goes to the waiting viewer, whose page opens the claim at once.
    const merchant = await login(server.url, server.demo.merchantEmail, server.demo.hostPassword);
    await request(server.url, "POST", `/api/admin/orders/${sold.body.order.id}/refund`, { cookie: merchant, body: {} });
    await page.getByTestId("hold-timer").waitFor({ timeout: LONG });
    const seconds = Number(await page.getByTestId("hold-timer").getAttribute("data-seconds"));
    expect(seconds).toBeGreaterThan(60);
    // 120 s claims; the display may read one second more (the server's Date header has 1 s resolution).
    expect(seconds).toBeLessThanOrEqual(121);
    await expect(page.getByTestId("checkout-email").inputValue()).resolves.toBe("patient@example.com");
    await page.getByTestId("checkout-name").fill("Pat Ient");
    await page.getByTestId("checkout-line1").fill("Geduldweg 3");
    await page.getByTestId("checkout-postalCode").fill("50667");
    await page.getByTestId("checkout-city").fill("Köln");
    await page.getByTestId("checkout-submit").click();
    await page.getByTestId("order-confirmation").waitFor({ timeout: LONG });
    const claimed = await server.services.orders.order((await page.getByTestId("order-id").textContent())!);
    expect(claimed).toMatchObject({ status: "paid", offerId, buyer: { email: "patient@example.com" } });
    expect(errors).toEqual([]);
    await context.close();
  }, 180_000);
});
