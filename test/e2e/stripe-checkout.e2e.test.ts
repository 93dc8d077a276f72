import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeStripeApi } from "../../src/server/payments/stripe-fake-api.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { launchChromium, newVisitor } from "./browser.js";

// The checkout sheet's Stripe path in Chromium: the server runs PAYMENT_PROVIDER=stripe against the recorded-response
// Stripe API (as in src/server/payments/stripe.http.test.ts). This machine cannot reach js.stripe.com, so the script
// at https://js.stripe.com/v3/ is answered by a small stand-in with the calls the sheet makes (elements().create,
// mount, createPaymentMethod, handleNextAction). Real Stripe.js and its iframe are NOT exercised here.
const LONG = 30_000;

const STRIPE_JS_STAND_IN = `
window.Stripe = function (key) {
  window.__stripeKey = key;
  return {
    elements: function () {
      return { create: function () {
        var handlers = [];
        return {
          mount: function (el) {
            var input = document.createElement("input");
            input.setAttribute("data-testid", "stand-in-card");
            input.addEventListener("input", function () { handlers.forEach(function (h) { h({ complete: input.value.length >= 16 }); }); });
            el.appendChild(input);
          },
          destroy: function () {},
          on: function (_e, h) { handlers.push(h); },
        };
      } };
    },
    createPaymentMethod: function () { return Promise.resolve({ paymentMethod: { id: "pm_card_authenticationRequired" } }); },
    handleNextAction: function (opts) { return window.__bankApproves(opts.clientSecret).then(function () { return {}; }); },
  };
};`;

let api: FakeStripeApi;
let server: TestServer;
let browser: Browser;

beforeAll(async () => {
  api = await new FakeStripeApi().start();
  [server, browser] = await Promise.all([
    startTestServer({
      demo: true,
      synthetic: false,
      env: {
        PAYMENT_PROVIDER: "stripe",
        STRIPE_SECRET_KEY: "sk_test_showcart",
        STRIPE_API_BASE: api.url,
        STRIPE_TIMEOUT_MS: "3000",
        STRIPE_PUBLISHABLE_KEY: "pk_test_showcartE2E",
      },
    }),
    launchChromium(),
  ]);
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await api?.stop();
});

describe("checkout with Stripe (Stripe.js stand-in)", () => {
  it("loads Stripe.js only when the sheet opens, pays by PaymentMethod id and sees 3-D Secure through", async () => {
    const visitor = await newVisitor(browser, server.url);
    const stripeLoads: string[] = [];
    await visitor.context.route("https://js.stripe.com/**", (route) => {
      stripeLoads.push(route.request().url());
      return route.fulfill({ status: 200, contentType: "text/javascript", body: STRIPE_JS_STAND_IN });
    });
    const page = await visitor.context.newPage();
    const bank: string[] = [];
    await page.exposeFunction("__bankApproves", (clientSecret: string) => {
      bank.push(clientSecret);
      api.completeAction(clientSecret.split("_secret_")[0]!);
    });
    await page.goto(`/shows/${server.demo.slug}`);
    await page.getByTestId("offer-card").waitFor({ timeout: LONG });
    expect(stripeLoads).toEqual([]); // not with the page

    await page.getByTestId("buy").click();
    await page.getByTestId("stand-in-card").waitFor({ timeout: LONG });
    expect(stripeLoads).toEqual(["https://js.stripe.com/v3/"]);
    await expect(page.evaluate(() => (window as unknown as { __stripeKey: string }).__stripeKey)).resolves.toBe("pk_test_showcartE2E");
    await expect(page.getByTestId("test-card-note").count()).resolves.toBe(0);

    await page.getByTestId("checkout-name").fill("Stripe Käuferin");
    await page.getByTestId("checkout-email").fill("stripe@example.com");
    await page.getByTestId("checkout-line1").fill("Kartenweg 3");
    await page.getByTestId("checkout-postalCode").fill("20095");
    await page.getByTestId("checkout-city").fill("Hamburg");
    // An incomplete card is stopped in the browser.
    await page.getByTestId("checkout-submit").click();
    await expect(page.getByTestId("checkout-pay-notice").getAttribute("data-code")).resolves.toBe("checkout.cardIncomplete");
    await page.getByTestId("stand-in-card").fill("4000002760003184");
    await page.getByTestId("checkout-submit").click();
    await page.getByTestId("order-confirmation").waitFor({ timeout: LONG });

    const orderId = (await page.getByTestId("order-id").textContent())!;
    expect(bank).toHaveLength(1);
    const intent = [...api.intents.values()].find((pi) => pi.metadata.order_id === orderId)!;
    expect(intent.status).toBe("succeeded");
    expect(bank[0]).toBe(intent.client_secret);
    // The server saw a Stripe PaymentMethod id, never card digits.
    const confirms = api.requests.filter((r) => r.path.endsWith("/confirm"));
    expect(confirms.length).toBeGreaterThan(0);
    expect(confirms.every((r) => r.params.payment_method === "pm_card_authenticationRequired")).toBe(true);
    expect(JSON.stringify(api.requests)).not.toContain("4000002760003184");
    expect(visitor.errors).toEqual([]);
    await visitor.context.close();
  }, 120_000);
});
