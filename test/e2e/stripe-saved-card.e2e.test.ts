import { randomUUID } from "node:crypto";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeStripeApi } from "../../src/server/payments/stripe-fake-api.js";
import { createBuyer } from "../support/accounts.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { launchChromium, signedInVisitor } from "./browser.js";

// One tap with Stripe in Chromium: a signed-in buyer saves a card from the account menu (Stripe's card field, a
// SetupIntent confirmed by Stripe.js), then buys with one tap, the bank asking for 3-D Secure. The server runs
// PAYMENT_PROVIDER=stripe against the Stripe stand-in; this machine cannot reach js.stripe.com, so Stripe.js is a small
// stand-in too: its confirmCardSetup sends what Stripe.js sends (publishable key, client secret, the card) to the API
// stand-in through the test, and handleNextAction lets the bank approve. Real Stripe.js is NOT exercised here.
const LONG = 30_000;
const PK = "pk_test_showcartE2E";

const STRIPE_JS_STAND_IN = `
window.Stripe = function (key) {
  return {
    elements: function () {
      return { create: function () {
        var handlers = [];
        return {
          mount: function (el) {
            var input = document.createElement("input");
            input.setAttribute("data-testid", "stand-in-card");
            input.setAttribute("aria-label", "Card number");
            input.addEventListener("input", function () { handlers.forEach(function (h) { h({ complete: input.value.length >= 16 }); }); });
            el.appendChild(input);
            window.__cardInput = input;
          },
          destroy: function () {},
          on: function (_e, h) { handlers.push(h); },
        };
      } };
    },
    confirmCardSetup: function (clientSecret) {
      return window.__confirmSetup(key, clientSecret, window.__cardInput.value);
    },
    handleNextAction: function (opts) { return window.__bankApproves(opts.clientSecret).then(function () { return {}; }); },
  };
};`;

// The test cards a typed number stands for (Stripe's test numbers and their pm_card_… names).
const TEST_CARDS: Record<string, string> = { "4242424242424242": "pm_card_visa", "4000002760003184": "pm_card_authenticationRequired" };

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
        STRIPE_PUBLISHABLE_KEY: PK,
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

describe("one tap with a card saved through Stripe (Stripe.js stand-in)", () => {
  it("saves the card from the account menu through a SetupIntent, then one tap pays with it through 3-D Secure", async () => {
    const { account, cookie } = await createBuyer(server, "saved@stripe.test", "a long password", "Stripe Sparerin");
    const visitor = await signedInVisitor(browser, server.url, cookie);
    await visitor.context.route("https://js.stripe.com/**", (route) =>
      route.fulfill({ status: 200, contentType: "text/javascript", body: STRIPE_JS_STAND_IN }),
    );
    const page = await visitor.context.newPage();
    const setups: string[] = [];
    await page.exposeFunction("__confirmSetup", async (key: string, clientSecret: string, number: string) => {
      setups.push(clientSecret);
      const res = await fetch(`${api.url}/v1/setup_intents/${clientSecret.split("_secret_")[0]}/confirm`, {
        method: "POST",
        headers: { authorization: `Bearer ${key}`, "content-type": "application/x-www-form-urlencoded", "idempotency-key": randomUUID() },
        body: new URLSearchParams({ client_secret: clientSecret, payment_method: TEST_CARDS[number.replace(/\s/g, "")] ?? "pm_unknown" }).toString(),
      });
      const body = await res.json();
      if (!res.ok) return { error: { message: body.error.message } };
      // 3-D Secure while saving: Stripe.js shows the bank's dialog; here the bank approves.
      if (body.status === "requires_action") return { setupIntent: api.completeSetupAction(body.id) };
      return { setupIntent: body };
    });
    const bank: string[] = [];
    await page.exposeFunction("__bankApproves", (clientSecret: string) => {
      bank.push(clientSecret);
      api.completeAction(clientSecret.split("_secret_")[0]!);
    });

    await page.goto(`/shows/${server.demo.slug}`);
    await page.getByTestId("offer-card").waitFor({ timeout: LONG });
    await page.getByTestId("account-button").click();
    await page.getByTestId("saved-name").fill("Stripe Sparerin");
    await page.getByTestId("saved-line1").fill("Kartenweg 5");
    await page.getByTestId("saved-postalCode").fill("20095");
    await page.getByTestId("saved-city").fill("Hamburg");
    await page.getByTestId("saved-address-submit").click();
    await page.getByTestId("saved-status").waitFor({ timeout: LONG });

    // Stripe's field instead of a number input; the card that always asks the bank.
    await expect(page.getByTestId("saved-card-number").count()).resolves.toBe(0);
    await page.getByTestId("stand-in-card").fill("4000002760003184");
    await page.getByTestId("saved-card-submit").click();
    await page.getByTestId("saved-card").waitFor({ timeout: LONG });
    await expect(page.getByTestId("saved-card").textContent()).resolves.toMatch(/VISA •••• 3184/);
    expect(setups).toHaveLength(1);
    const customer = [...api.customers.values()].find((c) => c.metadata.account_id === account.id)!;
    expect(api.setupIntents.get(setups[0]!.split("_secret_")[0]!)).toMatchObject({ status: "succeeded", customer: customer.id, usage: "off_session" });
    await page.keyboard.press("Escape");

    // One tap: the saved card and address; the bank asks, Stripe.js (stand-in) handles it, the order is paid.
    await page.getByTestId("buy").click();
    await page.getByTestId("checkout-saved").waitFor({ timeout: LONG });
    await expect(page.getByTestId("checkout-saved-card").textContent()).resolves.toMatch(/3184/);
    await page.getByTestId("hold-timer").waitFor({ timeout: LONG });
    await page.getByTestId("checkout-submit").click();
    await page.getByTestId("order-confirmation").waitFor({ timeout: LONG });
    const orderId = (await page.getByTestId("order-id").textContent())!;
    const intent = [...api.intents.values()].find((pi) => pi.metadata.order_id === orderId)!;
    expect(intent).toMatchObject({ status: "succeeded", customer: customer.id });
    expect(bank).toEqual([intent.client_secret]);
    expect(JSON.stringify(api.requests)).not.toContain("4000002760003184");
    expect(visitor.errors).toEqual([]);
    await visitor.context.close();
  }, 180_000);
});
