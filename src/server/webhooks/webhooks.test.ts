import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backends } from "../../../test/support/db.js";
import { orderBody } from "../../../test/support/fixtures.js";
import { login, postOrder, request } from "../../../test/support/http.js";
import { createBuyer } from "../../../test/support/accounts.js";
import { startTestServer, type TestServer } from "../../../test/support/server.js";
import { retryDelayMs } from "../outbox/index.js";
import { ManualClock } from "../platform/clock.js";
import { postJson } from "./delivery-request.js";
import { assertPublicWebhookHost } from "./endpoint-host.js";
import { signatureHeader, verifySignature } from "./signer.js";

interface Received {
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A local endpoint on 127.0.0.1:0 that answers the scripted statuses in turn (then 200). */
async function receiver(statuses: number[] = []) {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString("utf8") });
      const status = statuses.shift() ?? 200;
      res.writeHead(status, { "content-type": "text/plain" }).end(status === 200 ? "thanks" : `boom ${"x".repeat(3000)}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks?src=showcart`;
  return { url, received, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

describe("webhook signatures", () => {
  it("verifies its own signature and refuses a changed body, another secret or an old timestamp", () => {
    const body = JSON.stringify({ id: "evt_1", type: "order.paid" });
    const header = signatureHeader("whsec_test", 1_800_000_000, body);
    expect(header).toMatch(/^t=1800000000,v1=[0-9a-f]{64}$/);
    expect(verifySignature(header, body, "whsec_test", { nowSeconds: 1_800_000_010 })).toBe(true);
    expect(verifySignature(header, `${body} `, "whsec_test", { nowSeconds: 1_800_000_010 })).toBe(false);
    expect(verifySignature(header, body, "whsec_other", { nowSeconds: 1_800_000_010 })).toBe(false);
    expect(verifySignature(header, body, "whsec_test", { nowSeconds: 1_800_000_000 + 301 })).toBe(false);
    expect(verifySignature("v1=abc", body, "whsec_test", { nowSeconds: 1_800_000_000 })).toBe(false);
  });
});

describe("SSRF guard and delivery request", () => {
  it("refuses internal hosts unless allowed, at registration and on connect", async () => {
    for (const url of ["http://127.0.0.1:9/x", "http://localhost/x", "https://[::1]/x", "http://10.1.2.3/", "http://169.254.169.254/latest"]) {
      await expect(assertPublicWebhookHost(url, false)).rejects.toMatchObject({ code: "invalid_body" });
    }
    await expect(assertPublicWebhookHost("http://127.0.0.1:9/x", true)).resolves.toBeUndefined();
    const r = await receiver();
    try {
      await expect(postJson(r.url, "{}", {}, { timeoutMs: 2000, allowInternal: false })).rejects.toThrow(/internal address/);
      // A name is checked after resolution: localhost → 127.0.0.1 is refused too.
      await expect(postJson(r.url.replace("127.0.0.1", "localhost"), "{}", {}, { timeoutMs: 2000, allowInternal: false })).rejects.toThrow(/internal address/);
      expect(r.received).toHaveLength(0);
    } finally {
      await r.close();
    }
  });

  it("gives up on an endpoint that does not answer within the timeout", async () => {
    const silent = http.createServer(() => {}); // never answers
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    try {
      const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/`;
      await expect(postJson(url, "{}", {}, { timeoutMs: 200, allowInternal: true })).rejects.toThrow(/timed out/);
    } finally {
      silent.closeAllConnections();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });
});

describe.each(backends)("merchant webhooks over HTTP on %s", (backend) => {
  let server: TestServer;
  let clock: ManualClock;
  let merchant: string;
  let host: string;
  let buyer: string;
  let merchantId: string;
  let offerId: string;

  beforeAll(async () => {
    clock = new ManualClock(new Date());
    server = await startTestServer({ backend, synthetic: false, sweepers: false, clock, env: { WEBHOOKS_ALLOW_PRIVATE: "1" } });
    host = await login(server.url, server.demo.hostEmail, server.demo.hostPassword);
    merchant = await login(server.url, server.demo.merchantEmail, server.demo.hostPassword);
    await createBuyer(server, "hooks-buyer@example.com", "a long password", "B");
    buyer = await login(server.url, "hooks-buyer@example.com", "a long password");
    merchantId = (await server.services.shows.show(server.demo.showId)).merchantId;
    const show = await request(server.url, "GET", "/api/shows/demo");
    offerId = show.body.show.offers.find((o: { pinned: boolean }) => o.pinned).id;
  });
  afterAll(async () => server?.close());

  const create = (cookie: string, body: unknown) => request(server.url, "POST", "/api/admin/webhooks", { cookie, body });

  it("POSTs a signed order.paid after a checkout; the secret is shown once", async () => {
    const r = await receiver();
    try {
      const created = await create(merchant, { url: r.url, events: ["order.paid"], description: "ERP" });
      expect(created.status).toBe(201);
      expect(created.headers.get("cache-control")).toBe("no-store");
      const secret: string = created.body.secret;
      expect(secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
      expect(created.body.endpoint).toMatchObject({
        url: r.url,
        events: ["order.paid"],
        merchantId,
        description: "ERP",
        secretHint: `${secret.slice(0, 10)}…`,
      });
      const listed = await request(server.url, "GET", "/api/admin/webhooks", { cookie: merchant });
      expect(JSON.stringify(listed.body)).not.toContain(secret);
      expect(listed.body.endpoints.map((e: { id: string }) => e.id)).toContain(created.body.endpoint.id);

      const placed = await postOrder(server.url, orderBody(offerId));
      expect(placed.status).toBe(201);
      await server.services.outbox.processDue();
      expect(r.received).toHaveLength(1);
      const { headers, body } = r.received[0]!;
      expect(headers["content-type"]).toBe("application/json");
      expect(verifySignature(String(headers["showcart-signature"]), body, secret, { nowSeconds: Math.floor(clock.now().getTime() / 1000) })).toBe(true);
      const event = JSON.parse(body);
      expect(event).toMatchObject({ type: "order.paid", data: { order: { id: placed.body.order.id, status: "paid", total: placed.body.order.total } } });
      expect(Object.keys(event).sort()).toEqual(["createdAt", "data", "id", "type"]);
      expect(headers["showcart-event-id"]).toBe(event.id);

      const log = await request(server.url, "GET", `/api/admin/webhooks/${created.body.endpoint.id}/deliveries`, { cookie: merchant });
      expect(log.body.deliveries).toEqual([
        expect.objectContaining({ eventId: event.id, eventType: "order.paid", attempt: 1, ok: true, statusCode: 200, responseExcerpt: "thanks", error: null }),
      ]);
      expect((await request(server.url, "DELETE", `/api/admin/webhooks/${created.body.endpoint.id}`, { cookie: merchant })).body).toEqual({ ok: true });
      await postOrder(server.url, orderBody(offerId));
      await server.services.outbox.processDue();
      expect(r.received).toHaveLength(1); // deleted: nothing more
    } finally {
      await r.close();
    }
  });

  it("retries a 500 with backoff and delivers the same event id again", async () => {
    const r = await receiver([500]);
    try {
      const created = await create(merchant, { url: r.url, events: ["order.paid"] });
      await postOrder(server.url, orderBody(offerId));
      await server.services.outbox.processDue();
      expect(r.received).toHaveLength(1);
      await server.services.outbox.processDue(); // not due yet
      expect(r.received).toHaveLength(1);
      clock.advance(retryDelayMs(1));
      await server.services.outbox.processDue();
      expect(r.received).toHaveLength(2);
      const [first, second] = r.received;
      expect(second!.headers["showcart-event-id"]).toBe(first!.headers["showcart-event-id"]);
      expect(second!.body).toBe(first!.body);
      expect(
        verifySignature(String(second!.headers["showcart-signature"]), second!.body, created.body.secret, {
          nowSeconds: Math.floor(clock.now().getTime() / 1000),
        }),
      ).toBe(true);
      const log = await request(server.url, "GET", `/api/admin/webhooks/${created.body.endpoint.id}/deliveries`, { cookie: merchant });
      expect(log.body.deliveries.map((d: { attempt: number; statusCode: number; ok: boolean }) => [d.attempt, d.statusCode, d.ok])).toEqual([
        [2, 200, true],
        [1, 500, false],
      ]);
      expect(Buffer.byteLength(log.body.deliveries[1].responseExcerpt)).toBe(1024);
      await request(server.url, "DELETE", `/api/admin/webhooks/${created.body.endpoint.id}`, { cookie: merchant });
    } finally {
      await r.close();
    }
  });

  it("reveals and rotates the signing secret: later deliveries are signed with the new one", async () => {
    const r = await receiver();
    try {
      const created = await create(merchant, { url: r.url, events: ["order.paid"] });
      const id = created.body.endpoint.id;
      const revealed = await request(server.url, "POST", `/api/admin/webhooks/${id}/secret/reveal`, { cookie: merchant });
      expect(revealed.status).toBe(200);
      expect(revealed.headers.get("cache-control")).toBe("no-store");
      expect(revealed.body).toEqual({ secret: created.body.secret });
      const rotated = await request(server.url, "POST", `/api/admin/webhooks/${id}/secret/rotate`, { cookie: merchant });
      expect(rotated.status).toBe(200);
      expect(rotated.headers.get("cache-control")).toBe("no-store");
      const secret: string = rotated.body.secret;
      expect(secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
      expect(secret).not.toBe(created.body.secret);
      expect(rotated.body.endpoint).toMatchObject({ id, secretHint: `${secret.slice(0, 10)}…` });
      expect((await request(server.url, "POST", `/api/admin/webhooks/${id}/secret/reveal`, { cookie: merchant })).body).toEqual({ secret });

      await postOrder(server.url, orderBody(offerId));
      await server.services.outbox.processDue();
      expect(r.received).toHaveLength(1);
      const { headers, body } = r.received[0]!;
      const nowSeconds = Math.floor(clock.now().getTime() / 1000);
      expect(verifySignature(String(headers["showcart-signature"]), body, secret, { nowSeconds })).toBe(true);
      expect(verifySignature(String(headers["showcart-signature"]), body, created.body.secret, { nowSeconds })).toBe(false);
      await request(server.url, "DELETE", `/api/admin/webhooks/${id}`, { cookie: merchant });
      const gone = await request(server.url, "POST", `/api/admin/webhooks/${id}/secret/rotate`, { cookie: merchant });
      expect([gone.status, gone.body.error.code]).toEqual([404, "not_found"]);
    } finally {
      await r.close();
    }
  });

  it("retries a logged delivery on demand with the same event, while retrying and after it was delivered", async () => {
    const r = await receiver([500]);
    try {
      const created = await create(merchant, { url: r.url, events: ["order.paid"] });
      const id = created.body.endpoint.id;
      await postOrder(server.url, orderBody(offerId));
      await server.services.outbox.processDue();
      const log = async () => (await request(server.url, "GET", `/api/admin/webhooks/${id}/deliveries`, { cookie: merchant })).body.deliveries;
      const [failed] = await log();
      expect(failed).toMatchObject({ attempt: 1, ok: false, statusCode: 500 });
      // Still in backoff: the retry makes it due now instead of in 5 s (no clock advance).
      const retried = await request(server.url, "POST", `/api/admin/webhooks/${id}/deliveries/${failed.id}/retry`, { cookie: merchant });
      expect([retried.status, retried.body]).toEqual([202, { ok: true }]);
      await server.services.outbox.processDue();
      expect(r.received).toHaveLength(2);
      expect((await log()).map((d: { attempt: number; ok: boolean }) => [d.attempt, d.ok])).toEqual([
        [2, true],
        [1, false],
      ]);
      // Delivered already: sent once more on demand, same id and body.
      const [delivered] = await log();
      clock.advance(1000); // the log is newest first
      expect((await request(server.url, "POST", `/api/admin/webhooks/${id}/deliveries/${delivered.id}/retry`, { cookie: merchant })).status).toBe(202);
      await server.services.outbox.processDue();
      expect(r.received).toHaveLength(3);
      expect(r.received[2]!.body).toBe(r.received[0]!.body);
      expect(r.received[2]!.headers["showcart-event-id"]).toBe(failed.eventId);
      expect((await log())[0]).toMatchObject({ eventId: failed.eventId, attempt: 1, ok: true });
      // Another endpoint's delivery id, or none: 404.
      const other = await create(merchant, { url: "https://example.com/other", events: ["order.paid"] });
      const cross = await request(server.url, "POST", `/api/admin/webhooks/${other.body.endpoint.id}/deliveries/${failed.id}/retry`, { cookie: merchant });
      const none = await request(server.url, "POST", `/api/admin/webhooks/${id}/deliveries/whd_nope/retry`, { cookie: merchant });
      expect([cross.status, cross.body.error.code, none.status, none.body.error.code]).toEqual([404, "not_found", 404, "not_found"]);
      // Hosts and buyers cannot trigger it.
      for (const cookie of [host, buyer])
        expect((await request(server.url, "POST", `/api/admin/webhooks/${id}/deliveries/${failed.id}/retry`, { cookie })).status).toBe(403);
      await request(server.url, "DELETE", `/api/admin/webhooks/${id}`, { cookie: merchant });
      await request(server.url, "DELETE", `/api/admin/webhooks/${other.body.endpoint.id}`, { cookie: merchant });
    } finally {
      await r.close();
    }
  });

  it("sends offer.sold_out, order.fulfilled and order.refunded", async () => {
    const r = await receiver();
    try {
      const created = await create(merchant, { url: r.url, events: ["offer.sold_out", "order.fulfilled", "order.refunded"] });
      const studio = await request(server.url, "GET", `/api/studio/shows/${server.demo.showId}`, { cookie: merchant });
      const offer = await request(server.url, "POST", `/api/studio/shows/${server.demo.showId}/offers`, {
        cookie: merchant,
        body: { productId: studio.body.products[0].id, showPrice: 500, quantity: 1, durationSeconds: 600, pin: true },
      });
      const placed = await postOrder(server.url, orderBody(offer.body.offer.id));
      const id = placed.body.order.id;
      await request(server.url, "POST", `/api/admin/orders/${id}/fulfil`, { cookie: merchant, body: { carrier: "DHL", trackingNumber: "JD1" } });
      await request(server.url, "POST", `/api/admin/orders/${id}/refund`, { cookie: merchant, body: {} });
      await server.services.outbox.processDue();
      const events = r.received.map((x) => JSON.parse(x.body));
      expect(events.map((e) => e.type).sort()).toEqual(["offer.sold_out", "order.fulfilled", "order.refunded"]);
      expect(events.find((e) => e.type === "offer.sold_out").data.offer).toMatchObject({ id: offer.body.offer.id, remaining: 0 });
      expect(events.find((e) => e.type === "order.refunded").data).toMatchObject({ order: { id, status: "refunded" }, refund: { quantity: 1, amount: 500 } });
      await request(server.url, "DELETE", `/api/admin/webhooks/${created.body.endpoint.id}`, { cookie: merchant });
    } finally {
      await r.close();
    }
  });

  it("lets the merchant's owner and staff manage endpoints; hosts, buyers and strangers get 401/403", async () => {
    const mine = await create(merchant, { url: "https://example.com/hook", events: ["order.paid"] });
    const id = mine.body.endpoint.id;
    expect((await request(server.url, "GET", "/api/admin/webhooks")).status).toBe(401);
    for (const cookie of [host, buyer]) {
      expect((await request(server.url, "GET", "/api/admin/webhooks", { cookie })).status).toBe(403);
      expect((await create(cookie, { url: "https://example.com/x", events: ["order.paid"] })).status).toBe(403);
      expect((await request(server.url, "GET", `/api/admin/webhooks/${id}/deliveries`, { cookie })).status).toBe(403);
      expect((await request(server.url, "DELETE", `/api/admin/webhooks/${id}`, { cookie })).status).toBe(403);
      expect((await request(server.url, "POST", `/api/admin/webhooks/${id}/secret/reveal`, { cookie })).status).toBe(403);
      expect((await request(server.url, "POST", `/api/admin/webhooks/${id}/secret/rotate`, { cookie })).status).toBe(403);
    }
    await server.services.accounts.createAccount({
      email: "hooks-staff@example.com",
      password: "a long password",
      displayName: "Staff",
      role: "staff",
      merchantId,
    });
    const staff = await login(server.url, "hooks-staff@example.com", "a long password");
    expect((await request(server.url, "GET", "/api/admin/webhooks", { cookie: staff })).body.endpoints.map((e: { id: string }) => e.id)).toContain(id);
    // Another merchant's owner neither sees nor touches it.
    const other = await server.services.catalog.createMerchant("Other Shop");
    await server.services.accounts.createAccount({
      email: "other-owner@example.com",
      password: "a long password",
      displayName: "O",
      role: "merchant",
      merchantId: other.id,
    });
    const stranger = await login(server.url, "other-owner@example.com", "a long password");
    expect((await request(server.url, "GET", "/api/admin/webhooks", { cookie: stranger })).body.endpoints).toEqual([]);
    expect((await request(server.url, "DELETE", `/api/admin/webhooks/${id}`, { cookie: stranger })).status).toBe(403);
    expect((await request(server.url, "POST", `/api/admin/webhooks/${id}/secret/reveal`, { cookie: stranger })).status).toBe(403);
    expect((await create(stranger, { url: "https://example.com/x", events: ["order.paid"], merchantId })).status).toBe(403);
    expect((await request(server.url, "DELETE", `/api/admin/webhooks/${id}`, { cookie: staff })).status).toBe(200);
    // A platform admin names the merchant.
    await server.services.accounts.createAccount({
      email: "hooks-admin@example.com",
      password: "a long password",
      displayName: "A",
      role: "admin",
      merchantId: null,
    });
    const admin = await login(server.url, "hooks-admin@example.com", "a long password");
    expect((await request(server.url, "GET", "/api/admin/webhooks", { cookie: admin })).body.error.code).toBe("invalid_query");
    expect((await create(admin, { url: "https://example.com/x", events: ["order.paid"], merchantId: "mer_nope" })).body.error.code).toBe("not_found");
    const byAdmin = await create(admin, { url: "https://example.com/x", events: ["order.paid"], merchantId: other.id });
    expect(byAdmin.status).toBe(201);
    expect((await request(server.url, "GET", "/api/admin/webhooks", { cookie: stranger })).body.endpoints.map((e: { id: string }) => e.id)).toEqual([
      byAdmin.body.endpoint.id,
    ]);
    expect((await request(server.url, "DELETE", `/api/admin/webhooks/${byAdmin.body.endpoint.id}`, { cookie: admin })).status).toBe(200);
  });

  it("answers bad input with 4xx codes", async () => {
    const bad = [
      await create(merchant, { url: "ftp://example.com/x", events: ["order.paid"] }),
      await create(merchant, { url: "not a url", events: ["order.paid"] }),
      await create(merchant, { url: "https://user:pw@example.com/x", events: ["order.paid"] }),
      await create(merchant, { url: "https://example.com/x", events: [] }),
      await create(merchant, { url: "https://example.com/x", events: ["order.lost"] }),
      await create(merchant, { url: "https://example.com/x", events: ["order.paid", "order.paid"] }),
      await create(merchant, { url: "https://example.com/x", events: ["order.paid"], extra: 1 }),
      await request(server.url, "GET", "/api/admin/webhooks?limit=5", { cookie: merchant }),
      await request(server.url, "GET", "/api/admin/webhooks/whe_nope/deliveries", { cookie: merchant }),
      await request(server.url, "DELETE", "/api/admin/webhooks/whe_nope", { cookie: merchant }),
    ];
    expect(bad.map((r) => [r.status, r.body.error.code])).toEqual([
      [400, "invalid_body"],
      [400, "invalid_body"],
      [400, "invalid_body"],
      [400, "invalid_body"],
      [400, "invalid_body"],
      [400, "invalid_body"],
      [400, "invalid_body"],
      [400, "invalid_query"],
      [404, "not_found"],
      [404, "not_found"],
    ]);
  });

  // Last in this block: it moves the shared clock 31 days on.
  it("forgets a delivery past the retention: its log entry and its outbox row go, recent ones stay", async () => {
    const r = await receiver();
    try {
      const id = (await create(merchant, { url: r.url, events: ["order.paid"] })).body.endpoint.id;
      // The demo's pinned offer was sold out above: a new one.
      const [product] = await server.services.catalog.productsOf(merchantId);
      const offer = await server.services.offers.create(server.demo.showId, product!, { showPrice: 500, quantity: 5, durationSeconds: 600, pin: true });
      expect((await postOrder(server.url, orderBody(offer.id))).status).toBe(201);
      await server.services.outbox.processDue();
      // The log as the merchant's page reads it (a new sign-in after the clock moved past the session's lifetime).
      const log = async () => {
        const cookie = await login(server.url, server.demo.merchantEmail, server.demo.hostPassword);
        return (await request(server.url, "GET", `/api/admin/webhooks/${id}/deliveries`, { cookie })).body.deliveries;
      };
      const [sent] = await log();
      expect(sent).toMatchObject({ attempt: 1, ok: true });
      const outboxRows = () =>
        server.db.db.selectFrom("outbox").select("id").where("topic", "=", "webhook.deliver").where("payload", "like", `%${sent.eventId}%`).execute();
      expect(await outboxRows()).toHaveLength(1);
      // Within the retention nothing goes.
      clock.advance(29 * 24 * 3600_000);
      await server.services.outbox.prune(30);
      await server.services.webhooks.pruneDeliveries(30);
      expect(await log()).toHaveLength(1);
      expect(await outboxRows()).toHaveLength(1);
      clock.advance(2 * 24 * 3600_000);
      expect(await server.services.outbox.prune(30)).toBeGreaterThanOrEqual(1);
      expect(await server.services.webhooks.pruneDeliveries(30)).toBeGreaterThanOrEqual(1);
      expect(await log()).toEqual([]);
      expect(await outboxRows()).toEqual([]);
      const cookie = await login(server.url, server.demo.merchantEmail, server.demo.hostPassword);
      const retried = await request(server.url, "POST", `/api/admin/webhooks/${id}/deliveries/${sent.id}/retry`, { cookie });
      expect([retried.status, retried.body.error.code]).toEqual([404, "not_found"]);
    } finally {
      await r.close();
    }
  });
});
