import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { login, request } from "../support/http.js";
import { createBuyer } from "../support/accounts.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { launchChromium, signedInVisitor } from "./browser.js";

let server: TestServer;
let browser: Browser;
const LONG = 45_000;

beforeAll(async () => {
  // No synthetic video: the journey needs no stream, and ffmpeg would only compete for the two cores.
  [server, browser] = await Promise.all([startTestServer({ demo: true, synthetic: false }), launchChromium()]);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

const signedIn = (cookie: string) => signedInVisitor(browser, server.url, cookie);

const euros = (cents: number) => (cents / 100).toFixed(2);

describe("coupon drop", () => {
  it("the host drops a code, a viewer claims it and pays an order whose discount the checkout showed before the hold ✓", async () => {
    const email = `coupon-fan-${Date.now()}@example.com`;
    await createBuyer(server, email, "correct horse battery", "Coupon Fan");
    const viewer = await signedIn(await login(server.url, email, "correct horse battery"));
    const host = await signedIn(await login(server.url, server.demo.hostEmail, server.demo.hostPassword));
    const show = (await request(server.url, "GET", `/api/shows/${server.demo.showId}`)).body.show;
    const offer = show.offers.find((o: { pinned: boolean }) => o.pinned) as { id: string; showPrice: number };
    const discount = Math.floor((offer.showPrice * 2000) / 10_000);
    const total = offer.showPrice - discount;

    // Host: drop 20 % for 10 minutes from the studio.
    const studio = await host.context.newPage();
    await studio.goto(`/studio/${server.demo.showId}`);
    await studio.getByTestId("studio-tab-coupon").click({ timeout: LONG }); // the games are tabs of the control room
    await studio.getByTestId("coupon-code").fill("LIVE20");
    await studio.getByTestId("coupon-value").fill("20");
    await studio.getByTestId("coupon-minutes").fill("10");
    await studio.getByTestId("coupon-drop").click();
    await studio.locator("[data-testid=studio-coupon]", { hasText: "LIVE20" }).waitFor({ timeout: LONG });

    // Viewer: the drop appears (lazy panel), one tap claims it.
    const page = await viewer.context.newPage();
    await page.goto(`/shows/${server.demo.slug}`);
    await page.locator("[data-testid=coupon]", { hasText: "LIVE20" }).getByTestId("coupon-claim").click({ timeout: LONG });
    await page.getByTestId("coupon-claimed").waitFor({ timeout: LONG });

    // Checkout: the hold request is held back, and the discount and the new total show meanwhile.
    let releaseHold: () => void = () => {};
    const holdReleased = new Promise<void>((resolve) => {
      releaseHold = resolve;
    });
    let holdBody: { coupon?: string } | null = null;
    await page.route("**/api/orders", async (route) => {
      if (route.request().method() !== "POST") return route.continue();
      holdBody = route.request().postDataJSON() as { coupon?: string };
      await holdReleased;
      await route.continue();
    });
    await page.getByTestId("buy").click({ timeout: LONG });
    await page.getByTestId("checkout-discount").waitFor({ timeout: LONG });
    expect(await page.getByTestId("hold-reserving").isVisible()).toBe(true); // no hold yet
    expect(await page.getByTestId("checkout-discount").textContent()).toContain(euros(discount));
    expect(await page.getByTestId("checkout-total").textContent()).toContain(euros(total));
    expect(await page.getByTestId("checkout-submit").textContent()).toContain(euros(total));
    await page.screenshot({ path: "/tmp/showcart-coupon-checkout.png" });
    releaseHold();
    await page.getByTestId("hold-timer").waitFor({ timeout: LONG });
    expect(holdBody).toMatchObject({ coupon: "LIVE20" });

    const nameField = page.getByTestId("checkout-name");
    if (await nameField.isVisible()) await nameField.fill("Cou Pon");
    await page.getByTestId("checkout-line1").fill("Rabattweg 20");
    await page.getByTestId("checkout-postalCode").fill("10115");
    await page.getByTestId("checkout-city").fill("Berlin");
    await page.getByTestId("checkout-submit").click();
    await page.getByTestId("order-confirmation").waitFor({ timeout: LONG });
    expect(await page.getByTestId("order-total").textContent()).toContain(euros(total));

    // The order recorded the discount the checkout showed.
    const orderId = (await page.getByTestId("order-id").textContent())!.trim();
    const merchant = await login(server.url, server.demo.merchantEmail, server.demo.hostPassword);
    const recorded = await request(server.url, "GET", `/api/orders/${orderId}/discount`, { cookie: merchant });
    expect(recorded.body.discount).toMatchObject({ code: "LIVE20", gross: offer.showPrice, amount: discount });

    expect([...viewer.errors, ...host.errors]).toEqual([]);
    await Promise.all([viewer.context.close(), host.context.close()]);
  }, 240_000);
});
