import sharp from "sharp";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { orderBody } from "../support/fixtures.js";
import { postOrder, request } from "../support/http.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { launchChromium, newVisitor } from "./browser.js";

const LONG = 30_000;

let server: TestServer;
let browser: Browser;

beforeAll(async () => {
  [server, browser] = await Promise.all([startTestServer({ demo: true, synthetic: false }), launchChromium()]);
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe("merchant admin journey", () => {
  it("signs in at /admin, creates a product with a variant, uploads its picture, and ships an order", async () => {
    const show = await request(server.url, "GET", `/api/shows/${server.demo.slug}`);
    const offerId = show.body.show.offers.find((o: { pinned: boolean }) => o.pinned).id;
    const placed = await postOrder(server.url, orderBody(offerId, { buyer: { name: "Erika Musterfrau", email: "erika@example.com" } }));
    expect(placed.status).toBe(201);
    const orderId: string = placed.body.order.id;

    const { context, errors } = await newVisitor(browser, server.url);
    const page = await context.newPage();
    await page.goto("/admin");
    await page.getByTestId("login-email").fill(server.demo.merchantEmail);
    await page.getByTestId("login-password").fill(server.demo.hostPassword);
    await page.getByTestId("login-submit").click();
    await page.getByTestId("admin").waitFor({ timeout: LONG });

    // Products: create one, then a variant with stock, then its picture.
    await page.getByTestId("tab-products").click();
    await page.getByTestId("product-new").click();
    await page.getByTestId("product-title").fill("Merino Beanie");
    await page.getByTestId("product-description").fill("Soft and warm");
    await page.getByTestId("product-price").fill("24,90");
    await page.getByTestId("product-vat").selectOption("1900");
    await page.getByTestId("product-save").click();
    await page.getByTestId("variant-form").waitFor({ timeout: LONG });
    await page.getByTestId("variant-sku").fill("BEANIE-GREY");
    await page.getByTestId("variant-colour").fill("Grey");
    await page.getByTestId("variant-new-stock").fill("12");
    await page.getByTestId("variant-add").click();
    await page.locator('[data-testid=variant-row][data-sku="BEANIE-GREY"]').waitFor({ timeout: LONG });

    const png = await sharp({ create: { width: 900, height: 600, channels: 3, background: { r: 40, g: 120, b: 200 } } })
      .png()
      .toBuffer();
    await page.getByTestId("product-file").setInputFiles({ name: "beanie.png", mimeType: "image/png", buffer: png });
    const img = page.getByTestId("product-image");
    await img.waitFor({ timeout: LONG });
    await page.waitForFunction(() => (document.querySelector<HTMLImageElement>("[data-testid=product-image]")?.naturalWidth ?? 0) > 0, undefined, {
      timeout: LONG,
    });
    expect(await img.getAttribute("src")).toMatch(/^\/media\/products\/.+-400\.webp$/);

    const products = await page.evaluate(() => fetch("/api/admin/products").then((r) => r.json()));
    const beanie = products.products.find((p: { title: string }) => p.title === "Merino Beanie");
    expect(beanie).toMatchObject({ price: 2490, vatRateBp: 1900, variants: [{ sku: "BEANIE-GREY", colour: "Grey", stock: 12 }] });

    // Orders: the buyer's order is listed; open it, ship it with tracking.
    await page.getByTestId("tab-orders").click();
    const row = page.locator(`[data-testid=order-row][data-order-id="${orderId}"]`);
    await row.waitFor({ timeout: LONG });
    expect(await page.getByTestId("orders-csv").getAttribute("href")).toBe("/api/admin/orders.csv");
    await row.getByTestId("order-open").click();
    await page.locator('[data-testid=order-detail][data-status="paid"]').waitFor({ timeout: LONG });
    expect(await page.getByTestId("order-vat").textContent()).toContain("19");
    await page.getByTestId("fulfil-carrier").fill("DHL");
    await page.getByTestId("fulfil-tracking").fill("00340434161094042557");
    await page.getByTestId("fulfil-submit").click();
    await page.locator('[data-testid=order-detail][data-status="fulfilled"]').waitFor({ timeout: LONG });
    expect(await page.getByTestId("order-shipment").textContent()).toContain("00340434161094042557");
    expect(await page.locator("[data-testid=order-history] li").evaluateAll((els) => els.map((e) => e.getAttribute("data-type")))).toEqual([
      "created",
      "paid",
      "fulfilled",
    ]);

    expect(errors).toEqual([]);
    await context.close();
  }, 120_000);
});
