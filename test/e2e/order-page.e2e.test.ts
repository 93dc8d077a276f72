import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { login, request } from "../support/http.js";
import { createBuyer } from "../support/accounts.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { until } from "../support/until.js";
import { launchChromium, newVisitor } from "./browser.js";

// The buyer's order page after a guest gift purchase (from the checkout's link and from the emailed link, whose
// access token rides in the #fragment), its timeline after the merchant ships, and the platform admin's merchant
// picker on /admin. Real server, real web app, Debian's Chromium; no video needed.
const LONG = 30_000;

let server: TestServer;
let browser: Browser;
let merchant: string;
let demoMerchantId: string;

beforeAll(async () => {
  [server, browser] = await Promise.all([startTestServer({ demo: true, synthetic: false }), launchChromium()]);
  merchant = await login(server.url, server.demo.merchantEmail, server.demo.hostPassword);
  const { accounts, catalog, shows } = server.services;
  demoMerchantId = (await shows.show(server.demo.showId)).merchantId;
  await catalog.createMerchant("Zweiter Laden");
  await accounts.createAccount({ email: "admin@platform.test", password: "admin-password-1", displayName: "Admin", role: "admin", merchantId: null });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe("buyer order page", () => {
  it("shows status, gift and history after a guest purchase, and the shipment once the merchant fulfils", async () => {
    const guest = await newVisitor(browser, server.url);
    const page = await guest.context.newPage();
    await page.goto(`/shows/${server.demo.slug}`);
    await page.getByTestId("offer-card").waitFor({ timeout: LONG });
    await page.getByTestId("buy").click();
    await page.getByTestId("checkout-name").fill("Erika Gast");
    await page.getByTestId("checkout-email").fill("gast@example.com");
    await page.getByTestId("checkout-gift").check();
    await page.getByTestId("checkout-recipient").fill("Max Beispiel");
    await page.getByTestId("checkout-message").fill("Alles Gute!");
    await page.getByTestId("checkout-line1").fill("Nebenweg 7");
    await page.getByTestId("checkout-postalCode").fill("80331");
    await page.getByTestId("checkout-city").fill("München");
    await page.getByTestId("checkout-card").fill("4242 4242 4242 4242");
    await page.getByTestId("checkout-submit").click();
    await page.getByTestId("order-confirmation").waitFor({ timeout: LONG });
    const orderId = (await page.getByTestId("order-id").textContent())!;

    // The checkout links to the order page with the access token in the fragment, never in the path or query.
    const href = (await page.getByTestId("order-page-link").getAttribute("href"))!;
    expect(href).toMatch(new RegExp(`^/orders/${orderId}#t=[A-Za-z0-9_-]{43}$`));
    const orderPage = await guest.context.newPage();
    const apiCalls: { url: string; token: string | undefined }[] = [];
    orderPage.on("request", (r) => {
      if (r.url().includes("/api/orders/")) apiCalls.push({ url: r.url(), token: r.headers()["x-order-token"] });
    });
    await orderPage.goto(href);
    const view = orderPage.getByTestId("order-page");
    await view.waitFor({ timeout: LONG });
    await expect(view.getAttribute("data-status")).resolves.toBe("paid");
    await expect(orderPage.getByTestId("order-status").textContent()).resolves.toBe("Paid — being packed");
    await expect(orderPage.getByTestId("order-page-gift-recipient").textContent()).resolves.toBe("For Max Beispiel");
    await expect(orderPage.getByTestId("order-page-gift-message").textContent()).resolves.toBe("Alles Gute!");
    await expect(orderPage.getByTestId("order-page-vat").isVisible()).resolves.toBe(true);
    const history = () =>
      orderPage
        .getByTestId("order-page-history")
        .locator("li")
        .evaluateAll((items) => items.map((li) => li.getAttribute("data-type")));
    await expect(history()).resolves.toEqual(["held", "paid"]);
    // Every entry says what happened in words (the reservation said "held", its type, until 2026-12-07).
    await expect(orderPage.getByTestId("order-page-history").locator("li[data-type=held]").textContent()).resolves.toMatch(/1 unit reserved for you$/);
    expect(apiCalls.length).toBeGreaterThan(0);
    expect(apiCalls.every((c) => !c.url.includes("#") && !c.url.includes("?") && c.token === href.split("#t=")[1])).toBe(true);
    // The token leaves the address bar once read.
    expect(new URL(orderPage.url()).hash).toBe("");

    // The merchant ships it: after a reload (token kept for the tab) the page shows carrier, tracking and the event.
    const shipped = await request(server.url, "POST", `/api/admin/orders/${orderId}/fulfil`, {
      cookie: merchant,
      body: { carrier: "DHL", trackingNumber: "JD0042" },
    });
    expect(shipped.status).toBe(200);
    await orderPage.reload();
    await orderPage.getByTestId("order-shipment").waitFor({ timeout: LONG });
    await expect(orderPage.getByTestId("order-shipment").textContent()).resolves.toContain("JD0042");
    await expect(history()).resolves.toEqual(["held", "paid", "fulfilled"]);

    // The confirmation email carries the same page link; a stranger without the token is refused.
    const mail = await until("confirmation email", () => server.services.mailer.list?.().find((m) => m.to === "gast@example.com" && m.text.includes(orderId)));
    expect(mail.text).toContain(`/orders/${orderId}${href.slice(href.indexOf("#"))}`);
    const stranger = await (await newVisitor(browser, server.url)).context.newPage();
    await stranger.goto(`/orders/${orderId}#t=${"x".repeat(43)}`);
    await stranger.getByTestId("order-page-error").waitFor({ timeout: LONG });
    expect(guest.errors).toEqual([]);
    await guest.context.close();
  }, 120_000);

  it("lists a signed-in buyer's orders on /account, each opening its page by session", async () => {
    await createBuyer(server, "konto@example.com", "a long enough password", "Konto");
    const cookie = await login(server.url, "konto@example.com", "a long enough password");
    const show = await request(server.url, "GET", `/api/shows/${server.demo.slug}`);
    const offerId = show.body.show.offers.find((o: { pinned: boolean }) => o.pinned).id;
    const placed = await request(server.url, "POST", "/api/orders", {
      cookie,
      headers: { "idempotency-key": "e2e-account-order" },
      body: {
        offerId,
        quantity: 1,
        buyer: { name: "Konto", email: "konto@example.com" },
        shipping: { name: "Konto", line1: "Weg 1", postalCode: "10115", city: "Berlin", country: "DE" },
        payment: { method: "test_card", number: "4242424242424242" },
      },
    });
    expect(placed.status).toBe(201);
    const visitor = await newVisitor(browser, server.url);
    const [name, value] = cookie.split("=");
    await visitor.context.addCookies([{ name: name!, value: value!, url: server.url }]);
    const page = await visitor.context.newPage();
    await page.goto("/account");
    const row = page.locator(`[data-testid=account-order][data-order-id="${placed.body.order.id}"]`);
    await row.waitFor({ timeout: LONG });
    await row.getByTestId("account-order-link").click();
    await page.getByTestId("order-page").waitFor({ timeout: LONG });
    await expect(page.getByTestId("order-page").getAttribute("data-status")).resolves.toBe("paid");
    expect(visitor.errors).toEqual([]);
    await visitor.context.close();
  }, 120_000);
});

describe("admin merchant picker", () => {
  it("lets a platform admin pick a merchant and see that merchant's orders and products", async () => {
    const visitor = await newVisitor(browser, server.url);
    const page = await visitor.context.newPage();
    await page.goto("/admin");
    await page.getByTestId("login-email").fill("admin@platform.test");
    await page.getByTestId("login-password").fill("admin-password-1");
    await page.getByTestId("login-submit").click();
    await page.getByTestId("merchant-pick-hint").waitFor({ timeout: LONG });
    const options = await page
      .getByTestId("merchant-select")
      .locator("option")
      .evaluateAll((els) => els.map((e) => (e as HTMLOptionElement).value).filter(Boolean));
    expect(options).toContain(demoMerchantId);
    expect(options.length).toBe(2);

    const ordersRequest = page.waitForRequest((r) => r.url().includes("/api/admin/orders?") && r.url().includes(`merchantId=${demoMerchantId}`), {
      timeout: LONG,
    });
    await page.getByTestId("merchant-select").selectOption(demoMerchantId);
    await ordersRequest;
    await page.getByTestId("admin").waitFor({ timeout: LONG });
    // The demo merchant's orders (from the tests above) show up for the admin.
    await page.locator("[data-testid=orders-table] tbody tr").first().waitFor({ timeout: LONG });
    await expect(page.getByTestId("orders-csv").getAttribute("href")).resolves.toContain(`merchantId=${demoMerchantId}`);

    // The other merchant has no orders; the pick is remembered across a reload.
    const other = options.find((id) => id !== demoMerchantId)!;
    await page.getByTestId("merchant-select").selectOption(other);
    await expect(page.getByTestId("orders-csv").getAttribute("href")).resolves.toContain(`merchantId=${other}`);
    await page.reload();
    await page.getByTestId("admin").waitFor({ timeout: LONG });
    await expect(page.getByTestId("merchant-select").inputValue()).resolves.toBe(other);
    expect(visitor.errors).toEqual([]);
    await visitor.context.close();
  }, 120_000);
});

describe("studio offer form with variants", () => {
  it("lets the host pick variants and units; each becomes an offer taking its units from that variant's stock", async () => {
    const created = await request(server.url, "POST", "/api/admin/products", {
      cookie: merchant,
      body: {
        title: "Hoodie Variante",
        price: 4900,
        vatRateBp: 1900,
        variants: [
          { sku: "HV-S", size: "S", colour: "Schwarz", stock: 5 },
          { sku: "HV-M", size: "M", colour: "Schwarz", stock: 3 },
          { sku: "HV-L", size: "L", colour: "Schwarz", stock: 0 },
        ],
      },
    });
    expect(created.status).toBe(201);
    const product = created.body.product as { id: string; variants: { id: string; sku: string }[] };
    const idOf = (sku: string) => product.variants.find((v) => v.sku === sku)!.id;

    const host = await newVisitor(browser, server.url, { viewport: { width: 1280, height: 900 } });
    const studio = await host.context.newPage();
    await studio.goto(`/studio/${server.demo.showId}`);
    await studio.getByTestId("login-email").fill(server.demo.hostEmail);
    await studio.getByTestId("login-password").fill(server.demo.hostPassword);
    await studio.getByTestId("login-submit").click();
    await studio.getByTestId("offer-product").waitFor({ timeout: LONG });
    await studio.getByTestId("offer-product").selectOption(product.id);
    await studio.getByTestId("offer-variants").waitFor({ timeout: LONG });
    await expect(studio.getByTestId("offer-quantity").count()).resolves.toBe(0);
    const row = (sku: string) => studio.locator(`[data-testid=offer-variant][data-variant-id="${idOf(sku)}"]`);
    await expect(row("HV-L").getByTestId("offer-variant-pick").isDisabled()).resolves.toBe(true);

    await studio.getByTestId("offer-price").fill("39,00");
    await studio.getByTestId("offer-duration").fill("5");
    // Nothing picked, or more units than in stock: stopped before any offer is made.
    await studio.getByTestId("create-offer").click();
    await studio.getByTestId("create-offer-message").filter({ hasText: "Pick at least one variant with units." }).waitFor({ timeout: LONG });
    await row("HV-S").getByTestId("offer-variant-pick").check();
    await expect(row("HV-S").getByTestId("offer-variant-units").inputValue()).resolves.toBe("5");
    await row("HV-S").getByTestId("offer-variant-units").fill("2");
    await row("HV-M").getByTestId("offer-variant-units").fill("4");
    // The units field's max is the variant's stock: the browser refuses the form before it reaches the server.
    await expect(
      row("HV-M")
        .getByTestId("offer-variant-units")
        .evaluate((el) => (el as HTMLInputElement).validity.rangeOverflow),
    ).resolves.toBe(true);
    await row("HV-M").getByTestId("offer-variant-units").fill("3");
    await studio.getByTestId("create-offer").click();
    await studio.getByTestId("create-offer-message").filter({ hasText: "2 offers created." }).waitFor({ timeout: LONG });

    const offers = (await request(server.url, "GET", `/api/admin/offers?showId=${server.demo.showId}`, { cookie: merchant })).body.offers as {
      variantId: string | null;
      quantity: number;
    }[];
    const mine = offers.filter((o) => o.variantId === idOf("HV-S") || o.variantId === idOf("HV-M"));
    expect(mine.map((o) => [o.variantId, o.quantity]).sort()).toEqual(
      [
        [idOf("HV-M"), 3],
        [idOf("HV-S"), 2],
      ].sort(),
    );
    const after = (await request(server.url, "GET", `/api/admin/products/${product.id}`, { cookie: merchant })).body.product as {
      variants: { sku: string; stock: number }[];
    };
    expect(Object.fromEntries(after.variants.map((v) => [v.sku, v.stock]))).toEqual({ "HV-S": 3, "HV-M": 0, "HV-L": 0 });
    expect(host.errors).toEqual([]);
    await host.context.close();
  }, 120_000);
});
