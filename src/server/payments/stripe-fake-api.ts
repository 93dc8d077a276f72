import { createHash } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { randomBytes } from "node:crypto";

// Tests only: a local stand-in for api.stripe.com that answers with the recorded responses in stripe-fixtures/,
// with ids, amounts and states filled in. It keeps PaymentIntents and refunds in memory, replays a request whose
// Idempotency-Key it has seen (as Stripe does for 24 h) and refuses a POST without one, so a missing key fails a test.

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

const rand = (n: number) => randomBytes(n).toString("base64url").replace(/[-_]/g, "x").slice(0, n);

export class FakeStripeApi {
  readonly requests: RecordedRequest[] = [];
  readonly intents = new Map<string, Intent>();
  readonly refunds = new Map<string, Record<string, any>>();
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
    });
    return pi;
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
    if (req.headers.authorization !== "Bearer sk_test_showcart")
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
      const [status, body] = this.#post(path, params);
      this.#replays.set(key, { status, body, params: raw });
      return [status, body];
    }
    // Stripe's test PaymentMethods (pm_card_visa…) stand for one card each: the same card gives the same fingerprint.
    const pmPath = /^\/v1\/payment_methods\/([^/]+)$/.exec(path);
    if (req.method === "GET" && pmPath) {
      const id = pmPath[1]!;
      const card = stripeFixture("payment_method.card");
      card.id = id;
      card.card.fingerprint = id === "pm_card_visa" ? card.card.fingerprint : createHash("sha256").update(id).digest("base64url").slice(0, 16);
      return [200, card];
    }
    const m = /^\/v1\/payment_intents\/([^/]+)$/.exec(path);
    if (req.method === "GET" && m) {
      const pi = this.intents.get(m[1]!);
      return pi ? [200, pi] : [404, { error: { type: "invalid_request_error", code: "resource_missing", message: `No such payment_intent: '${m[1]}'` } }];
    }
    return [404, { error: { type: "invalid_request_error", message: `Unrecognized request URL (${req.method}: ${path})` } }];
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
        created: Math.floor(Date.now() / 1000),
      };
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
      const pm = p.payment_method ?? "";
      const keep = {
        id: pi.id,
        client_secret: pi.client_secret,
        amount: pi.amount,
        currency: pi.currency,
        metadata: pi.metadata,
        description: pi.description,
        payment_method: pm,
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
