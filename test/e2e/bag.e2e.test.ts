import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { login, request } from "../support/http.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { until } from "../support/until.js";
import { launchChromium, newVisitor } from "./browser.js";

// The shop tab and the bag: a viewer buys two items of the live show in one checkout with one payment, and another
// viewer's shop tab shows both units go. No video is needed, so the demo runs without the synthetic source.
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

async function openShop(page: Page, query = ""): Promise<void> {
  await page.goto(`/shows/${server.demo.slug}${query}`);
  await page.getByTestId("tab-shop").click();
  await page.getByTestId("shop-item").first().waitFor({ timeout: LONG });
}

const remainingOf = (page: Page, offerId: string) =>
  page.locator(`[data-testid=shop-item][data-offer-id="${offerId}"] [data-testid=shop-remaining]`).getAttribute("data-remaining").then(Number);

const remainingIs = (page: Page, offerId: string, n: number) =>
  page.waitForFunction(
    ([id, expected]) =>
      document.querySelector(`[data-testid=shop-item][data-offer-id="${id}"] [data-testid=shop-remaining]`)?.getAttribute("data-remaining") ===
      String(expected),
    [offerId, n] as const,
    { timeout: LONG },
  );

describe("shop tab and bag", () => {
  it("adds two items of the live show to the bag and pays once; another viewer sees both units go", async () => {
    const { showId } = server.demo;
    await server.services.shows.setStatus(showId, "live");
    // A second offer next to the demo's pinned one, not pinned: live, it sells from the shop tab.
    const host = await login(server.url, server.demo.hostEmail, server.demo.hostPassword);
    const studio = await request(server.url, "GET", `/api/studio/shows/${showId}`, { cookie: host });
    const created = await request(server.url, "POST", `/api/studio/shows/${showId}/offers`, {
      cookie: host,
      body: { productId: studio.body.products[1].id, showPrice: 1500, quantity: 5, durationSeconds: 3600 },
    });
    expect(created.status).toBe(201);
    const second: string = created.body.offer.id;
    const pinned: string = (await server.services.offers.activeOffers(showId)).find((o) => o.pinned)!.id;

    const buyer = await newVisitor(browser, server.url);
    const watcher = await newVisitor(browser, server.url);
    const [page, other] = await Promise.all([buyer.context.newPage(), watcher.context.newPage()]);
    // The buyer came by a host's share link (analytics: where buyers came from).
    await Promise.all([openShop(page, "?ref=bag-share-link"), openShop(other)]);
    const before = { pinned: await remainingOf(other, pinned), second: await remainingOf(other, second) };
    expect(before.second).toBe(5);
    await expect(page.locator(`[data-testid=shop-item][data-offer-id="${second}"]`).getAttribute("data-state")).resolves.toBe("open");

    // Two items into the bag, one checkout.
    await page.locator(`[data-testid=shop-item][data-offer-id="${pinned}"] [data-testid=shop-add]`).click();
    await page.locator(`[data-testid=shop-item][data-offer-id="${second}"] [data-testid=shop-add]`).click();
    await expect(page.getByTestId("bag-line").count()).resolves.toBe(2);
    await expect(page.getByTestId("bag-count").textContent()).resolves.toBe("2");
    await page.getByTestId("bag-checkout").click();
    await page.getByTestId("checkout-bag").waitFor({ timeout: LONG });
    // The bag is held as one order at once: the watcher sees both units go before anything is paid.
    await page.getByTestId("hold-timer").waitFor({ timeout: LONG });
    await Promise.all([remainingIs(other, pinned, before.pinned - 1), remainingIs(other, second, before.second - 1)]);

    await page.getByTestId("checkout-name").fill("Bea Beutel");
    await page.getByTestId("checkout-email").fill("bea@example.com");
    await page.getByTestId("checkout-line1").fill("Taschenweg 2");
    await page.getByTestId("checkout-postalCode").fill("20095");
    await page.getByTestId("checkout-city").fill("Hamburg");
    await page.getByTestId("checkout-submit").click();
    await page
      .getByTestId("order-confirmation")
      .waitFor({ timeout: LONG })
      .catch(async (err) => {
        throw new Error(`${err}\n${(await page.locator("[role=alert], .field-error").allTextContents()).join(" | ")}`);
      });
    await expect(page.getByTestId("order-line").count()).resolves.toBe(2);
    const orderId = await page.getByTestId("order-id").textContent();
    await page.getByTestId("checkout-done").click();
    // Paid: the bag is empty again and the units stay sold for everyone.
    await page
      .getByTestId("bag")
      .getByText(/empty|leer/)
      .waitFor({ timeout: LONG });
    await Promise.all([remainingIs(other, pinned, before.pinned - 1), remainingIs(other, second, before.second - 1)]);

    // One order, one payment, two lines.
    const order = await server.services.orders.order(orderId!);
    expect(order).toMatchObject({
      status: "paid",
      quantity: 2,
      lines: [
        { offerId: pinned, quantity: 1 },
        { offerId: second, quantity: 1 },
      ],
    });
    // Analytics: the bag's checkout opened for each line, and the order counted once, for the share link, with each
    // line under its own offer.
    const report = async () => {
      await server.services.analytics.flush();
      return server.services.reports.showReport(showId);
    };
    const checkedOut = (r: Awaited<ReturnType<typeof report>>, offerId: string) => (r.funnel.find((f) => f.offerId === offerId)?.checkouts ?? 0) > 0;
    await until(
      "the bag in the report",
      async () => {
        const r = await report();
        return r.sources.some((s) => s.source === "share" && s.orders > 0) && checkedOut(r, pinned) && checkedOut(r, second);
      },
      LONG,
    );
    const r = await report();
    expect(r.sources.find((s) => s.source === "share")).toMatchObject({ orders: 1, buyers: 1, gmv: order.total });
    for (const offerId of [pinned, second]) expect(r.funnel.find((f) => f.offerId === offerId)).toMatchObject({ checkouts: 1, holds: 1, paid: 1, units: 1 });
    expect(buyer.errors).toEqual([]);
    expect(watcher.errors).toEqual([]);
    await Promise.all([buyer.context.close(), watcher.context.close()]);
  }, 180_000);
});
