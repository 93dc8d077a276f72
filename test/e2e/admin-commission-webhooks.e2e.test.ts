import http from "node:http";
import type { AddressInfo } from "node:net";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lineCommission } from "../../src/protocol/commission.js";
import { vatIncluded } from "../../src/protocol/vat.js";
import { orderBody } from "../support/fixtures.js";
import { login, postOrder, request } from "../support/http.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { seriousAxeFindings } from "./axe.js";
import { launchChromium, newVisitor } from "./browser.js";

// /admin as a merchant: the commission rules as a form whose preview is the figure the ledger then writes for a real
// order, and a webhook endpoint set up, fed, retried from its delivery log, its secret revealed and rotated.
let server: TestServer;
let browser: Browser;
let merchant: string;
const LONG = 45_000;

beforeAll(async () => {
  [server, browser] = await Promise.all([startTestServer({ demo: true, synthetic: false, env: { WEBHOOKS_ALLOW_PRIVATE: "1" } }), launchChromium()]);
  merchant = await login(server.url, server.demo.merchantEmail, server.demo.hostPassword);
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function merchantPage() {
  const visitor = await newVisitor(browser, server.url, { viewport: { width: 1280, height: 900 } });
  const [name, value] = merchant.split("=") as [string, string];
  await visitor.context.addCookies([{ name, value, url: server.url }]);
  const page = await visitor.context.newPage();
  await page.goto("/admin");
  await page.getByTestId("admin").waitFor({ timeout: LONG });
  return { page, ...visitor };
}

const pinnedOffer = async () => {
  const show = await request(server.url, "GET", `/api/shows/${server.demo.showId}`);
  return show.body.show.offers.find((o: { pinned: boolean }) => o.pinned) as { id: string; productId: string; showPrice: number };
};
const showCommission = async () =>
  (await request(server.url, "GET", "/api/admin/sales", { cookie: merchant })).body.shows.find((s: { id: string }) => s.id === server.demo.showId)
    .commission as number;

describe("/admin: commission rules form and webhooks", () => {
  it("previews the commission of an example order with the ledger's rules, publishes them, and a real order earns exactly that", async () => {
    const { page, context, errors } = await merchantPage();
    const offer = await pinnedOffer();
    const product = (await request(server.url, "GET", "/api/admin/products", { cookie: merchant })).body.products.find(
      (p: { id: string }) => p.id === offer.productId,
    ) as { vatRateBp: number };

    await page.getByTestId("tab-payouts").click();
    await page.getByTestId("rules-percent").waitFor({ timeout: LONG });
    await page.getByTestId("rules-percent").fill("10");
    await page.getByTestId("rules-fixed").fill("0,25");
    // A product override for the product on sale: 15 %.
    await page.getByTestId("rules-add-override").click();
    await page.getByTestId("rules-override-product").selectOption(offer.productId);
    await page.getByTestId("rules-override-percent").fill("15");

    // The example: one unit of that product at its show price.
    await page.getByTestId("preview-product").selectOption(offer.productId);
    await page.getByTestId("preview-units").fill("1");
    await page.getByTestId("preview-unit-price").fill((offer.showPrice / 100).toFixed(2));
    await page.getByTestId("preview-vat").fill(String(product.vatRateBp / 100));
    await page.getByTestId("preview-coupon").fill("");
    const rules = {
      percentBp: 1000,
      fixedPerUnit: 25,
      tiers: [],
      overrides: [{ productId: offer.productId, percentBp: 1500 }],
      categories: {},
      returnWindowDays: 14,
      attributionWindowDays: 7,
      payoutMinimum: 1000,
    };
    const expected = lineCommission(
      { version: 1, rules },
      { productId: offer.productId, units: 1, gross: offer.showPrice, vat: vatIncluded(offer.showPrice, product.vatRateBp), discount: 0 },
      { showRevenueBefore: 0, showRateBp: 0 },
    ).amount;
    await page.waitForFunction((n) => document.querySelector("[data-testid=preview-commission]")?.getAttribute("data-amount") === String(n), expected, {
      timeout: LONG,
    });
    await expect(page.getByTestId("preview-rule").textContent()).resolves.toBe("product override");
    await page.getByTestId("rules-add-tier").click();
    expect(await seriousAxeFindings(page), "axe: rules form").toBe("");
    await page.getByRole("button", { name: "Remove Tier 1" }).click();

    await page.getByTestId("rules-publish").click();
    await page.getByTestId("rules-note").filter({ hasText: "Published version" }).waitFor({ timeout: LONG });
    const published = await request(server.url, "GET", "/api/admin/commission-rules", { cookie: merchant });
    expect(published.body.current.rules).toMatchObject({ percentBp: 1000, fixedPerUnit: 25, overrides: [{ productId: offer.productId, percentBp: 1500 }] });

    // The ledger writes what the preview said.
    const before = await showCommission();
    const placed = await postOrder(server.url, orderBody(offer.id));
    expect(placed.status).toBe(201);
    await expect.poll(showCommission, { timeout: LONG }).toBe(before + expected);

    // The shop's bank account for SEPA payouts is saved with the API client's PUT: a wrong IBAN comes back as the
    // server's message, a right one is saved.
    await page.getByLabel("Account holder").fill("Demo Shop GmbH");
    await page.getByLabel("IBAN", { exact: true }).fill("DE89370400440532013001"); // check digits do not match
    await page.getByLabel("BIC", { exact: true }).fill("COBADEFFXXX");
    await page.getByRole("button", { name: "Save", exact: true }).click();
    await page.getByTestId("payouts-note").filter({ hasText: /IBAN/ }).waitFor({ timeout: LONG });
    await page.getByLabel("IBAN", { exact: true }).fill("DE89370400440532013000");
    await page.getByRole("button", { name: "Save", exact: true }).click();
    await page.getByTestId("payouts-note").filter({ hasText: "Saved." }).waitFor({ timeout: LONG });
    const saved = await request(server.url, "GET", "/api/admin/payout-settings", { cookie: merchant });
    expect(saved.body.settings).toMatchObject({ debtorName: "Demo Shop GmbH", iban: "DE89370400440532013000" });

    await page.screenshot({ path: "/tmp/showcart-admin-commission.png", fullPage: true });
    expect(errors).toEqual([]);
    await context.close();
  }, 180_000);

  it("adds a webhook endpoint, shows its secret, retries a failed delivery from the log, rotates the secret and deletes it", async () => {
    const statuses = [500];
    const received: { id: string; body: string }[] = [];
    const receiver = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        received.push({ id: String(req.headers["showcart-event-id"]), body: Buffer.concat(chunks).toString("utf8") });
        res.writeHead(statuses.shift() ?? 200).end("ok");
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/showcart`;
    const { page, context, errors } = await merchantPage();
    try {
      await page.getByTestId("tab-webhooks").click();
      await page.getByTestId("webhook-url").fill(url);
      await page.getByTestId("webhook-description").fill("ERP");
      await expect(page.getByTestId("webhook-event-order.paid").isChecked()).resolves.toBe(true);
      await page.getByTestId("webhook-create").click();
      const row = page.getByTestId("webhook-endpoint").filter({ hasText: url });
      await row.waitFor({ timeout: LONG });
      const firstSecret = (await row.getByTestId("webhook-secret").textContent())!;
      expect(firstSecret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);

      // A sale: the first delivery fails (500), the log shows it, Retry sends the same event again now.
      await postOrder(server.url, orderBody((await pinnedOffer()).id));
      await expect.poll(() => received.length, { timeout: LONG }).toBe(1);
      await row.getByTestId("webhook-log-toggle").click();
      const failed = row.locator("[data-testid=webhook-delivery][data-ok=false]");
      await failed.waitFor({ timeout: LONG });
      await failed.getByTestId("webhook-retry").click();
      await row.getByTestId("webhook-log-note").filter({ hasText: "Sent again" }).waitFor({ timeout: LONG });
      // (The outbox's own 5 s backoff may also have sent it meanwhile: at least once, always the same event.)
      await expect.poll(() => received.length, { timeout: LONG }).toBeGreaterThanOrEqual(2);
      for (const r of received) expect([r.id, r.body]).toEqual([received[0]!.id, received[0]!.body]);
      await row.locator("[data-testid=webhook-delivery][data-ok=true]").first().waitFor({ timeout: LONG });
      expect(await seriousAxeFindings(page), "axe: webhooks with the delivery log").toBe("");

      // Hide, reveal again, rotate: a new secret, shown once more.
      await row.getByTestId("webhook-reveal").click(); // hide
      await expect(row.getByTestId("webhook-secret").textContent()).resolves.toMatch(/…$/);
      await row.getByTestId("webhook-reveal").click();
      await expect.poll(() => row.getByTestId("webhook-secret").textContent(), { timeout: LONG }).toBe(firstSecret);
      await row.getByTestId("webhook-rotate").click();
      await row.getByTestId("webhook-confirm-yes").click();
      await row.getByTestId("webhook-note").waitFor({ timeout: LONG });
      const rotated = (await row.getByTestId("webhook-secret").textContent())!;
      expect(rotated).toMatch(/^whsec_/);
      expect(rotated).not.toBe(firstSecret);
      const endpointId = (await row.getAttribute("data-endpoint-id"))!;
      const revealed = await request(server.url, "POST", `/api/admin/webhooks/${endpointId}/secret/reveal`, { cookie: merchant });
      expect(revealed.body.secret).toBe(rotated);

      await page.screenshot({ path: "/tmp/showcart-admin-webhooks.png", fullPage: true });
      await row.getByTestId("webhook-delete").click();
      await row.getByTestId("webhook-confirm-yes").click();
      await row.waitFor({ state: "detached", timeout: LONG });
      expect((await request(server.url, "GET", "/api/admin/webhooks", { cookie: merchant })).body.endpoints).toEqual([]);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
      await new Promise<void>((resolve) => receiver.close(() => resolve()));
    }
  }, 180_000);
});
