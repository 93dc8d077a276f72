import { createHash } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { randomBytes } from "node:crypto";

// Tests only: a local stand-in for api.stripe.com that answers with the recorded responses in stripe-fixtures/,
// with ids, amounts and states filled in. It keeps PaymentIntents and refunds in memory, replays a request whose
// Idempotency-Key it has seen (as Stripe does for 24 h) and refuses a POST without one, so a missing key fails a test.
// Saved cards follow Stripe's documented flow: Customers, SetupIntents confirmed from the browser (publishable key and
// client secret, as Stripe.js does), the PaymentMethod attached to the Customer on success, usable on a PaymentIntent of
// that Customer only, and never again once detached. customer.json and setup_intent.*.json are written after Stripe's
// API reference (object shapes), not recorded.

const fixtureDir = new URL("./stripe-fixtures/", import.meta.url);
export function stripeFixture(name: string): any {
  return JSON.parse(fs.readFileSync(new URL(`${name}.json`, fixtureDir), "utf8"));
}

export interface RecordedRequest {
  method: string;
  path: string;
  idempotencyKey: string | undefined;
  params: Record<string, string>;
}

type Intent = Record<string, any> & { id: string; status: string };

/** Stripe's test PaymentMethods that a SetupIntent may be confirmed with: the card each stands for. */
const TEST_CARDS: Record<string, { brand: string; last4: string }> = {
  pm_card_visa: { brand: "visa", last4: "4242" },
  pm_card_mastercard: { brand: "mastercard", last4: "4444" },
  pm_card_chargeDeclined: { brand: "visa", last4: "0002" },
  pm_card_visa_chargeDeclined: { brand: "visa", last4: "0002" },
  // 4000 0027 6000 3184: "requires authentication on all transactions, regardless of how the card is set up".
  pm_card_authenticationRequired: { brand: "visa", last4: "3184" },
  pm_card_threeDSecure2Required: { brand: "visa", last4: "3220" },
};
const ALWAYS_AUTHENTICATES = new Set(["pm_card_authenticationRequired", "pm_card_threeDSecure2Required"]);
const DECLINES = new Set(["pm_card_chargeDeclined", "pm_card_visa_chargeDeclined"]);

/** The same card gives the same fingerprint (pm_card_visa keeps the recorded one). */
function fingerprintOf(testCard: string, recorded: string): string {
  return testCard === "pm_card_visa" ? recorded : createHash("sha256").update(testCard).digest("base64url").slice(0, 16);
}

const rand = (n: number) => randomBytes(n).toString("base64url").replace(/[-_]/g, "x").slice(0, n);

export class FakeStripeApi {
  readonly requests: RecordedRequest[] = [];
  readonly intents = new Map<string, Intent>();
  readonly refunds = new Map<string, Record<string, any>>();
  readonly customers = new Map<string, Record<string, any>>();
  readonly setupIntents = new Map<string, Intent>();
  /** PaymentMethods made by confirming a SetupIntent: the test card each stands for and the Customer it is attached to. */
  readonly savedMethods = new Map<string, { testCard: string; customer: string | null; detached: boolean }>();
  /** Answer nothing for requests whose path matches (a hung connection: the client times out). */
  hang: RegExp | null = null;
  #replays = new Map<string, { status: number; body: unknown; params: string }>();
  #server: http.Server;
  #open = new Set<http.ServerResponse>();
  url = "";

  constructor() {
    this.#server = http.createServer((req, res) => {
      let raw = "";
      req.on("data", (c) => (raw += c));
      req.on("end", () => this.#serve(req, res, raw));
    });
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.#server.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    for (const res of this.#open) res.destroy();
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  /** The buyer passes 3-D Secure in the browser: the intent succeeds. */
  completeAction(intentId: string): Intent {
    const pi = this.#intent(intentId);
    Object.assign(pi, stripeFixture("payment_intent.succeeded"), {
      id: pi.id,
      client_secret: pi.client_secret,
      amount: pi.amount,
      amount_received: pi.amount,
      currency: pi.currency,
      metadata: pi.metadata,
      description: pi.description,
      customer: pi.customer ?? null,
      payment_method: pi.payment_method,
      latest_charge: `ch_${rand(24)}`,
    });
    return pi;
  }

  /** The buyer fails 3-D Secure: the intent goes back to requires_payment_method. */
  failAction(intentId: string): Intent {
    const pi = this.#intent(intentId);
    Object.assign(pi, stripeFixture("payment_intent.authentication_failed"), {
      id: pi.id,
      client_secret: pi.client_secret,
      amount: pi.amount,
      currency: pi.currency,
      metadata: pi.metadata,
      description: pi.description,
      customer: pi.customer ?? null,
    });
    return pi;
  }

  /** The buyer passes 3-D Secure while saving the card (Stripe.js): the SetupIntent succeeds, the card is attached. */
  completeSetupAction(setupIntentId: string): Intent {
    const si = this.setupIntents.get(setupIntentId);
    if (si?.status !== "requires_action") throw new Error(`no SetupIntent ${setupIntentId} awaiting action`);
    const saved = this.savedMethods.get(si.payment_method)!;
    saved.customer = si.customer;
    Object.assign(si, { status: "succeeded", next_action: null });
    return si;
  }

  #intent(id: string): Intent {
    const pi = this.intents.get(id);
    if (!pi) throw new Error(`no intent ${id}`);
    return pi;
  }

  #serve(req: http.IncomingMessage, res: http.ServerResponse, raw: string): void {
    const url = new URL(req.url ?? "/", "http://x");
    const params = Object.fromEntries(new URLSearchParams(raw));
    const key = req.headers["idempotency-key"] as string | undefined;
    this.requests.push({ method: req.method ?? "", path: url.pathname, idempotencyKey: key, params });
    if (this.hang?.test(url.pathname)) {
      this.#open.add(res);
      return;
    }
    const [status, body] = this.#answer(req, url.pathname, params, raw, key);
    res.writeHead(status, { "content-type": "application/json", "request-id": `req_${rand(14)}`, ...(key ? { "idempotency-key": key } : {}) });
    res.end(JSON.stringify(body));
  }

  #answer(req: http.IncomingMessage, path: string, params: Record<string, string>, raw: string, key: string | undefined): [number, unknown] {
    // Stripe.js confirms a SetupIntent with the publishable key and the intent's client secret.
    const fromBrowser =
      (req.headers.authorization ?? "").startsWith("Bearer pk_test_") && req.method === "POST" && /^\/v1\/setup_intents\/[^/]+\/confirm$/.test(path);
    if (req.headers.authorization !== "Bearer sk_test_showcart" && !fromBrowser)
      return [401, { error: { type: "invalid_request_error", message: "Invalid API Key provided" } }];
    if (req.method === "POST") {
      if (!key) return [400, { error: { type: "invalid_request_error", message: "Showcart's test server requires an Idempotency-Key on every POST" } }];
      const seen = this.#replays.get(key);
      if (seen) {
        if (seen.params !== raw)
          return [
            400,
            {
              error: {
                type: "idempotency_error",
                message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`,
              },
            },
          ];
        return [seen.status, seen.body];
      }
      const [status, body] = this.#postSaving(path, params, fromBrowser) ?? this.#post(path, params);
      this.#replays.set(key, { status, body, params: raw });
      return [status, body];
    }
    // Stripe's test PaymentMethods (pm_card_visa…) stand for one card each: the same card gives the same fingerprint.
    const pmPath = /^\/v1\/payment_methods\/([^/]+)$/.exec(path);
    if (req.method === "GET" && pmPath) {
      const id = pmPath[1]!;
      const saved = this.savedMethods.get(id);
      if (saved) return [200, this.#savedMethod(id)];
      const card = stripeFixture("payment_method.card");
      card.id = id;
      card.card.fingerprint = fingerprintOf(id, card.card.fingerprint);
      return [200, card];
    }
    const siPath = /^\/v1\/setup_intents\/([^/]+)$/.exec(path);
    if (req.method === "GET" && siPath) {
      const si = this.setupIntents.get(siPath[1]!);
      return si
        ? [200, si]
        : [404, { error: { type: "invalid_request_error", code: "resource_missing", param: "intent", message: `No such setupintent: '${siPath[1]}'` } }];
    }
    const m = /^\/v1\/payment_intents\/([^/]+)$/.exec(path);
    if (req.method === "GET" && m) {
      const pi = this.intents.get(m[1]!);
      return pi ? [200, pi] : [404, { error: { type: "invalid_request_error", code: "resource_missing", message: `No such payment_intent: '${m[1]}'` } }];
    }
    return [404, { error: { type: "invalid_request_error", message: `Unrecognized request URL (${req.method}: ${path})` } }];
  }

  /** Customers, SetupIntents and detaching: null for any other path. */
  #postSaving(path: string, p: Record<string, string>, fromBrowser: boolean): [number, unknown] | null {
    const now = Math.floor(Date.now() / 1000);
    if (path === "/v1/customers") {
      const customer = {
        ...stripeFixture("customer"),
        id: `cus_${rand(14)}`,
        email: p.email ?? null,
        metadata: p["metadata[account_id]"] ? { account_id: p["metadata[account_id]"] } : {},
        created: now,
      };
      this.customers.set(customer.id, customer);
      return [200, customer];
    }
    if (path === "/v1/setup_intents") {
      if (p.customer && !this.customers.has(p.customer)) return [400, noSuchCustomer(p.customer)];
      const id = `seti_${rand(24)}`;
      const si: Intent = {
        ...stripeFixture("setup_intent.requires_payment_method"),
        id,
        client_secret: `${id}_secret_${rand(32)}`,
        customer: p.customer ?? null,
        usage: p.usage ?? "off_session",
        metadata: p["metadata[account_id]"] ? { account_id: p["metadata[account_id]"] } : {},
        created: now,
      };
      this.setupIntents.set(id, si);
      return [200, structuredClone(si)];
    }
    let m = /^\/v1\/setup_intents\/([^/]+)\/confirm$/.exec(path);
    if (m) {
      const si = this.setupIntents.get(m[1]!);
      if (!si) return [404, stripeFixture("error.resource_missing")];
      if (fromBrowser && p.client_secret !== si.client_secret)
        return [
          400,
          {
            error: {
              type: "invalid_request_error",
              param: "client_secret",
              message: "The client_secret provided does not match the client_secret associated with the SetupIntent.",
            },
          },
        ];
      if (!["requires_payment_method", "requires_confirmation", "requires_action"].includes(si.status))
        return [
          400,
          {
            error: {
              type: "invalid_request_error",
              code: "setup_intent_unexpected_state",
              message: `You cannot confirm this SetupIntent because it has a status of ${si.status}.`,
              setup_intent: structuredClone(si),
            },
          },
        ];
      const testCard = p.payment_method ?? "";
      if (!TEST_CARDS[testCard]) {
        const err = stripeFixture("error.resource_missing");
        err.error.message = `No such PaymentMethod: '${testCard}'`;
        return [400, err];
      }
      if (DECLINES.has(testCard)) {
        const err = stripeFixture("error.card_declined");
        delete err.error.payment_intent;
        delete err.error.charge;
        Object.assign(si, { status: "requires_payment_method", payment_method: null, last_setup_error: { ...err.error } });
        err.error.setup_intent = structuredClone(si);
        return [402, err];
      }
      // Stripe makes a PaymentMethod of its own from the test card; it is attached to the Customer once the setup succeeds.
      const pmId = `pm_${rand(24)}`;
      const authenticates = ALWAYS_AUTHENTICATES.has(testCard);
      this.savedMethods.set(pmId, { testCard, customer: authenticates ? null : si.customer, detached: false });
      const fixture = stripeFixture(authenticates ? "setup_intent.requires_action" : "setup_intent.succeeded");
      Object.assign(si, {
        status: fixture.status,
        next_action: fixture.next_action,
        latest_attempt: `setatt_${rand(24)}`,
        payment_method: pmId,
        last_setup_error: null,
      });
      return [200, structuredClone(si)];
    }
    m = /^\/v1\/payment_methods\/([^/]+)\/detach$/.exec(path);
    if (m) {
      const saved = this.savedMethods.get(m[1]!);
      if (!saved) {
        const err = stripeFixture("error.resource_missing");
        err.error.message = `No such PaymentMethod: '${m[1]}'`;
        return [404, err];
      }
      if (!saved.customer)
        return [
          400,
          { error: { type: "invalid_request_error", message: "The payment method you provided is not attached to a customer so detachment is impossible." } },
        ];
      Object.assign(saved, { customer: null, detached: true });
      return [200, this.#savedMethod(m[1]!)];
    }
    return null;
  }

  #savedMethod(id: string): Record<string, any> {
    const saved = this.savedMethods.get(id)!;
    const pm = stripeFixture("payment_method.card");
    const card = TEST_CARDS[saved.testCard]!;
    Object.assign(pm, { id, customer: saved.customer, created: Math.floor(Date.now() / 1000) });
    Object.assign(pm.card, {
      brand: card.brand,
      display_brand: card.brand,
      last4: card.last4,
      fingerprint: fingerprintOf(saved.testCard, pm.card.fingerprint),
    });
    return pm;
  }

  #post(path: string, p: Record<string, string>): [number, unknown] {
    if (path === "/v1/payment_intents") {
      const id = `pi_${rand(24)}`;
      const pi: Intent = {
        ...stripeFixture("payment_intent.requires_payment_method"),
        id,
        client_secret: `${id}_secret_${rand(25)}`,
        amount: Number(p.amount),
        currency: p.currency,
        description: p.description ?? null,
        metadata: { order_id: p["metadata[order_id]"] },
        customer: p.customer ?? null,
        created: Math.floor(Date.now() / 1000),
      };
      if (pi.customer && !this.customers.has(pi.customer)) return [400, noSuchCustomer(pi.customer)];
      this.intents.set(id, pi);
      return [200, structuredClone(pi)];
    }
    let m = /^\/v1\/payment_intents\/([^/]+)\/confirm$/.exec(path);
    if (m) {
      const pi = this.intents.get(m[1]!);
      if (!pi) return [404, stripeFixture("error.resource_missing")];
      if (!["requires_payment_method", "requires_confirmation", "requires_action"].includes(pi.status)) {
        const err = stripeFixture("error.payment_intent_unexpected_state");
        err.error.payment_intent = structuredClone(pi);
        return [400, err];
      }
      const given = p.payment_method ?? "";
      const saved = this.savedMethods.get(given);
      if (saved?.detached)
        return [
          400,
          {
            error: {
              type: "invalid_request_error",
              param: "payment_method",
              message:
                "The provided PaymentMethod was previously used with a PaymentIntent without Customer attachment, shared with a connected account without Customer attachment, or was detached from a Customer. It may not be used again.",
            },
          },
        ];
      if (saved && saved.customer !== (pi.customer ?? null))
        return [
          400,
          {
            error: {
              type: "invalid_request_error",
              param: "payment_method",
              message: `The customer does not have a payment method with the ID ${given}. The payment method must be attached to the customer.`,
            },
          },
        ];
      // A saved card behaves like the test card it was set up with.
      const pm = saved ? saved.testCard : given;
      const keep = {
        id: pi.id,
        client_secret: pi.client_secret,
        amount: pi.amount,
        currency: pi.currency,
        metadata: pi.metadata,
        description: pi.description,
        customer: pi.customer ?? null,
        payment_method: given,
      };
      if (pm === "pm_card_visa" || pm === "pm_card_mastercard") {
        Object.assign(pi, stripeFixture("payment_intent.succeeded"), keep, { amount_received: pi.amount, latest_charge: `ch_${rand(24)}` });
        return [200, structuredClone(pi)];
      }
      if (pm === "pm_card_chargeDeclined" || pm === "pm_card_visa_chargeDeclined") {
        const err = stripeFixture("error.card_declined");
        Object.assign(pi, err.error.payment_intent, keep);
        err.error.payment_intent = structuredClone(pi);
        return [402, err];
      }
      if (pm === "pm_card_authenticationRequired" || pm === "pm_card_threeDSecure2Required") {
        const redirect = p.return_url !== undefined;
        Object.assign(pi, stripeFixture(redirect ? "payment_intent.requires_action.redirect" : "payment_intent.requires_action"), keep);
        if (redirect)
          pi.next_action.redirect_to_url = {
            return_url: p.return_url,
            url: `https://hooks.stripe.com/3d_secure_2/hosted?payment_intent=${pi.id}&payment_intent_client_secret=${pi.client_secret}`,
          };
        return [200, structuredClone(pi)];
      }
      const err = stripeFixture("error.resource_missing");
      err.error.message = `No such PaymentMethod: '${pm}'`;
      return [400, err];
    }
    m = /^\/v1\/payment_intents\/([^/]+)$/.exec(path);
    if (m) {
      // Update: only the customer is changed by our client.
      const pi = this.intents.get(m[1]!);
      if (!pi) return [404, stripeFixture("error.resource_missing")];
      if (p.customer !== undefined) {
        if (!this.customers.has(p.customer)) return [400, noSuchCustomer(p.customer)];
        pi.customer = p.customer;
      }
      return [200, structuredClone(pi)];
    }
    m = /^\/v1\/payment_intents\/([^/]+)\/cancel$/.exec(path);
    if (m) {
      const pi = this.intents.get(m[1]!);
      if (!pi) return [404, stripeFixture("error.resource_missing")];
      if (pi.status === "succeeded") return [400, stripeFixture("error.payment_intent_unexpected_state")];
      Object.assign(pi, {
        status: "canceled",
        cancellation_reason: p.cancellation_reason ?? null,
        canceled_at: Math.floor(Date.now() / 1000),
        next_action: null,
      });
      return [200, structuredClone(pi)];
    }
    if (path === "/v1/refunds") {
      const pi = this.intents.get(p.payment_intent ?? "");
      if (pi?.status !== "succeeded")
        return [
          400,
          { error: { type: "invalid_request_error", code: "charge_not_refundable", message: "This PaymentIntent has no successful charge to refund." } },
        ];
      const refund = {
        ...stripeFixture("refund.succeeded"),
        id: `re_${rand(24)}`,
        amount: Number(p.amount ?? pi.amount),
        currency: pi.currency,
        payment_intent: pi.id,
        charge: pi.latest_charge,
        created: Math.floor(Date.now() / 1000),
      };
      this.refunds.set(refund.id, refund);
      return [200, refund];
    }
    return [404, { error: { type: "invalid_request_error", message: `Unrecognized request URL (POST: ${path})` } }];
  }
}

function noSuchCustomer(id: string) {
  return { error: { type: "invalid_request_error", code: "resource_missing", param: "customer", message: `No such customer: '${id}'` } };
}
