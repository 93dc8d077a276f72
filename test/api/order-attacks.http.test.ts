import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backends } from "../support/db.js";
import { orderBody } from "../support/fixtures.js";
import { login, postOrder, request } from "../support/http.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { until } from "../support/until.js";

const CARD = { method: "test_card", number: "4242424242424242" } as const;
const PASSWORD = "a long password";

describe.each(backends)("who may act on an order, a hold or a waitlist entry, on %s", (backend) => {
  let server: TestServer;
  let host: string;
  let merchant: string;
  let buyer: string;
  let stranger: string;
  let productId: string;

  beforeAll(async () => {
    server = await startTestServer({ synthetic: false, backend });
    host = await login(server.url, server.demo.hostEmail, server.demo.hostPassword);
    merchant = await login(server.url, server.demo.merchantEmail, server.demo.hostPassword);
    for (const email of ["winner@example.com", "stranger@example.com"]) {
      await server.services.accounts.createAccount({ email, password: "a long password", displayName: email.split("@")[0]!, role: "buyer", merchantId: null });
    }
    buyer = await login(server.url, "winner@example.com", PASSWORD);
    stranger = await login(server.url, "stranger@example.com", PASSWORD);
    const studio = await request(server.url, "GET", `/api/studio/shows/${server.demo.showId}`, { cookie: host });
    productId = studio.body.products[0].id;
  }, 180_000);
  afterAll(async () => server?.close());

  /** A fresh pinned offer of the demo show. */
  async function newOffer(quantity: number, extra: Record<string, unknown> = {}): Promise<string> {
    const made = await request(server.url, "POST", `/api/studio/shows/${server.demo.showId}/offers`, {
      cookie: host,
      body: { productId, showPrice: 700, quantity, durationSeconds: 600, pin: true, ...extra },
    });
    expect(made.status).toBe(201);
    return made.body.offer.id;
  }
  const remaining = async (offerId: string) => (await server.services.offers.offer(offerId)).remaining;
  const orderRow = (id: string) => server.services.orders.order(id);
  const historyOf = (id: string) => server.services.orders.history(id);

  describe("the order id alone", () => {
    it("opens nothing on a paid order: no order, no personal data, no token", async () => {
      const offerId = await newOffer(5);
      const placed = await postOrder(server.url, orderBody(offerId, { gift: { message: "Secret note" } }));
      expect(placed.body.order.status).toBe("paid");
      const { id } = placed.body.order;
      const token = placed.body.accessToken as string;
      const before = await historyOf(id);

      for (const [method, path, body] of [
        ["GET", `/api/orders/${id}`, undefined],
        ["POST", `/api/orders/${id}/pay`, { payment: CARD }],
        ["POST", `/api/orders/${id}/cancel`, {}],
        ["GET", `/api/orders/${id}/discount`, undefined],
        ["GET", `/api/orders/${id}/mystery`, undefined],
      ] as const) {
        for (const cookie of [undefined, stranger, host]) {
          const res = await request(server.url, method, path, { body, cookie });
          expect([path, res.status, res.body.error?.code]).toEqual([path, 403, "order_access_denied"]);
          const text = JSON.stringify(res.body);
          for (const secret of [token, "Secret note", placed.body.order.buyer.email, placed.body.order.shipping.line1]) expect(text).not.toContain(secret);
        }
      }
      const wrong = await request(server.url, "GET", `/api/orders/${id}`, { headers: { "x-order-token": `${token.slice(0, -2)}xx` } });
      expect([wrong.status, wrong.body.error.code]).toEqual([403, "order_access_denied"]);
      expect((await request(server.url, "GET", "/api/orders/ord_nope", { headers: { "x-order-token": token } })).status).toBe(404);
      expect(await historyOf(id)).toEqual(before);

      // The legitimate ways in: the token, the merchant's staff.
      const own = await request(server.url, "GET", `/api/orders/${id}`, { headers: { "x-order-token": token } });
      expect(own.body).toMatchObject({ access: "token", order: { id, gift: { message: "Secret note" } } });
      expect((await request(server.url, "GET", `/api/orders/${id}`, { cookie: merchant })).body).toMatchObject({ access: "staff", order: { id } });
      const payAgain = await request(server.url, "POST", `/api/orders/${id}/pay`, { body: { payment: CARD }, headers: { "x-order-token": token } });
      expect([payAgain.status, payAgain.body.order.status, payAgain.body.accessToken]).toEqual([200, "paid", token]);
    });

    it("neither cancels nor pays someone else's hold, and the buyer with the token still does", async () => {
      const offerId = await newOffer(3);
      const hold = await postOrder(server.url, { offerId, quantity: 2 });
      const { id } = hold.body.order;
      const token = hold.body.accessToken as string;
      expect(await remaining(offerId)).toBe(1);

      const cancel = await request(server.url, "POST", `/api/orders/${id}/cancel`, { body: {} });
      expect([cancel.status, cancel.body.error.code]).toEqual([403, "order_access_denied"]);
      const pay = await request(server.url, "POST", `/api/orders/${id}/pay`, {
        body: { payment: CARD, buyer: { name: "Thief", email: "thief@example.com" }, shipping: orderBody(offerId).shipping },
      });
      expect([pay.status, pay.body.error.code]).toEqual([403, "order_access_denied"]);
      expect(await orderRow(id)).toMatchObject({ status: "pending_payment", buyer: { email: "" } });
      expect(await remaining(offerId)).toBe(1);

      const paid = await request(server.url, "POST", `/api/orders/${id}/pay`, {
        body: { payment: CARD, buyer: orderBody(offerId).buyer, shipping: orderBody(offerId).shipping },
        headers: { "x-order-token": token },
      });
      expect(paid.body.order.status).toBe("paid");
      const other = await postOrder(server.url, { offerId, quantity: 1 });
      const cancelled = await request(server.url, "POST", `/api/orders/${other.body.order.id}/cancel`, {
        body: {},
        headers: { "x-order-token": other.body.accessToken },
      });
      expect(cancelled.body.order.status).toBe("cancelled");
      expect(await remaining(offerId)).toBe(1);
    });

    it("leaves an auction winner's awarded hold to the winner's session", async () => {
      const offerId = await newOffer(1);
      const winner = await request(server.url, "GET", "/api/auth/me", { cookie: buyer });
      const award = await server.services.orders.placeAwardedOrder({
        offerId,
        unitPrice: 1500,
        accountId: winner.body.account.id,
        buyer: { name: "Winner", email: "winner@example.com" },
        holdMs: 600_000,
        idempotencyKey: `award:${offerId}`,
        data: { auctionId: "auc_test" },
      });

      for (const cookie of [undefined, stranger, host]) {
        expect((await request(server.url, "POST", `/api/orders/${award.id}/cancel`, { body: {}, cookie })).body.error.code).toBe("order_access_denied");
        expect(
          (await request(server.url, "POST", `/api/orders/${award.id}/pay`, { body: { payment: CARD, shipping: orderBody(offerId).shipping }, cookie })).body
            .error.code,
        ).toBe("order_access_denied");
        expect((await request(server.url, "GET", `/api/orders/${award.id}`, { cookie })).status).toBe(403);
      }
      expect((await orderRow(award.id)).status).toBe("pending_payment");

      expect((await request(server.url, "GET", `/api/orders/${award.id}`, { cookie: buyer })).body.access).toBe("owner");
      const paid = await request(server.url, "POST", `/api/orders/${award.id}/pay`, {
        cookie: buyer,
        body: { payment: CARD, shipping: orderBody(offerId).shipping },
      });
      expect(paid.body.order).toMatchObject({ status: "paid", total: 1500 });
    });
  });

  describe("a waitlist entry", () => {
    it("is never handed out for an email; the waitlister still claims and pays the unit that came back", async () => {
      const offerId = await newOffer(1);
      const sold = await postOrder(server.url, orderBody(offerId));
      expect(sold.body.order.status).toBe("paid");

      const joined = await request(server.url, "POST", `/api/offers/${offerId}/waitlist`, { body: { email: "patient@example.com" } });
      expect(joined.status).toBe(201);
      const entryId = joined.body.entry.id as string;
      const holder = { "x-waitlist-token": joined.body.entryToken as string };
      expect(joined.body).toMatchObject({
        entry: { status: "waiting", position: 1 },
        entryToken: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
        linkEmailed: false,
      });

      // The attacker joins with the same email (any case), as a guest and signed in: no entry id, no token.
      for (const cookie of [undefined, stranger]) {
        const taken = await request(server.url, "POST", `/api/offers/${offerId}/waitlist`, { body: { email: "Patient@EXAMPLE.com" }, cookie });
        expect([taken.status, taken.body]).toEqual([201, { entry: null, entryToken: null, linkEmailed: true }]);
        expect(JSON.stringify(taken.body)).not.toContain(entryId);
      }
      // The address is sent a link to its own entry instead (token in the fragment).
      const link = await until("the entry link email", () =>
        server.services.mailer.list?.().find((m) => m.to === "patient@example.com" && m.text.includes(`?waitlist=${entryId}#wt=${holder["x-waitlist-token"]}`)),
      );
      expect(link).toBeTruthy();

      // Even knowing the entry id, neither a guest nor another account reads, leaves or claims it.
      for (const cookie of [undefined, stranger]) {
        for (const headers of [undefined, { "x-waitlist-token": "x".repeat(43) }]) {
          const read = await request(server.url, "GET", `/api/waitlist/${entryId}`, { cookie, headers });
          expect([read.status, read.body.error.code]).toEqual([403, "waitlist_access_denied"]);
          const left = await request(server.url, "POST", `/api/waitlist/${entryId}/leave`, { body: {}, cookie, headers });
          expect([left.status, left.body.error.code]).toEqual([403, "waitlist_access_denied"]);
        }
      }
      expect((await request(server.url, "GET", `/api/waitlist/${entryId}`, { headers: holder })).body.entry).toMatchObject({
        id: entryId,
        status: "waiting",
        position: 1,
      });

      // The unit comes back (refund before shipping): it is held for the waitlister.
      expect((await request(server.url, "POST", `/api/admin/orders/${sold.body.order.id}/refund`, { cookie: merchant, body: {} })).status).toBe(200);
      const offered = await request(server.url, "GET", `/api/waitlist/${entryId}`, { headers: holder });
      expect(offered.body.entry).toMatchObject({ status: "offered", claim: { orderId: expect.any(String), accessToken: expect.any(String) } });
      const claim = offered.body.entry.claim as { orderId: string; accessToken: string };
      for (const cookie of [undefined, stranger]) {
        const pay = await request(server.url, "POST", `/api/orders/${claim.orderId}/pay`, {
          body: { payment: CARD, buyer: { name: "Thief", email: "thief@example.com" }, shipping: orderBody(offerId).shipping },
          cookie,
        });
        expect([pay.status, pay.body.error.code]).toEqual([403, "order_access_denied"]);
      }
      expect(await orderRow(claim.orderId)).toMatchObject({ status: "pending_payment", buyer: { email: "patient@example.com" } });

      const paid = await request(server.url, "POST", `/api/orders/${claim.orderId}/pay`, {
        body: { payment: CARD, buyer: { name: "Patient", email: "patient@example.com" }, shipping: orderBody(offerId).shipping },
        headers: { "x-order-token": claim.accessToken },
      });
      expect(paid.body.order).toMatchObject({ status: "paid", buyer: { email: "patient@example.com" } });
      expect((await request(server.url, "GET", `/api/waitlist/${entryId}`, { headers: holder })).body.entry.status).toBe("claimed");
    });

    it("belongs to the signed-in account that joined: its session opens it, another account's does not", async () => {
      const offerId = await newOffer(1);
      await postOrder(server.url, orderBody(offerId));
      const joined = await request(server.url, "POST", `/api/offers/${offerId}/waitlist`, { body: {}, cookie: buyer });
      const entryId = joined.body.entry.id as string;
      expect((await request(server.url, "GET", `/api/waitlist/${entryId}`, { cookie: buyer })).body.entry.id).toBe(entryId);
      // Joining again from the owning account answers the same entry.
      expect((await request(server.url, "POST", `/api/offers/${offerId}/waitlist`, { body: {}, cookie: buyer })).body.entry.id).toBe(entryId);
      expect((await request(server.url, "GET", `/api/waitlist/${entryId}`, { cookie: stranger })).body.error.code).toBe("waitlist_access_denied");
      expect((await request(server.url, "POST", `/api/waitlist/${entryId}/leave`, { body: {}, cookie: stranger })).status).toBe(403);
      expect((await request(server.url, "POST", `/api/waitlist/${entryId}/leave`, { body: {}, cookie: buyer })).body.entry.status).toBe("left");
      expect((await request(server.url, "GET", "/api/waitlist/wle_nope", { cookie: buyer })).status).toBe(404);
    });
  });
});

describe.each(backends)("holds by one client on %s", (backend) => {
  let server: TestServer;
  let host: string;
  let productId: string;

  beforeAll(async () => {
    server = await startTestServer({ synthetic: false, backend, env: { HOLDS_PER_ADDRESS_PER_MINUTE: "8", HOLDS_PER_DEVICE_PER_MINUTE: "3" } });
    host = await login(server.url, server.demo.hostEmail, server.demo.hostPassword);
    productId = (await request(server.url, "GET", `/api/studio/shows/${server.demo.showId}`, { cookie: host })).body.products[0].id;
  }, 180_000);
  afterAll(async () => server?.close());

  async function newOffer(quantity: number, extra: Record<string, unknown> = {}): Promise<string> {
    const made = await request(server.url, "POST", `/api/studio/shows/${server.demo.showId}/offers`, {
      cookie: host,
      body: { productId, showPrice: 700, quantity, durationSeconds: 600, pin: true, ...extra },
    });
    return made.body.offer.id;
  }
  const hold = (offerId: string, device?: string) => postOrder(server.url, { offerId, quantity: 1 }, undefined, device ? { "x-device-id": device } : {});
  const remaining = async (offerId: string) => (await server.services.offers.offer(offerId)).remaining;

  it("counts anonymous holds against the per-buyer limit by device, else by address; another device still buys", async () => {
    const offerId = await newOffer(5, { perBuyerLimit: 1 });
    expect((await hold(offerId)).status).toBe(201);
    const again = await hold(offerId);
    expect([again.status, again.body.error.code, again.body.error.details]).toEqual([409, "limit_exceeded", { limit: 1, already: 1 }]);
    expect(await remaining(offerId)).toBe(4);
    // A browser sends its device id: buyers behind one address (carrier NAT) are told apart, each limited alike.
    const first = await hold(offerId, "device-aaaaaaaa");
    expect(first.status).toBe(201);
    expect((await hold(offerId, "device-aaaaaaaa")).body.error.code).toBe("limit_exceeded");
    expect(await remaining(offerId)).toBe(3);
    // Giving a hold back frees the buyer's place.
    await request(server.url, "POST", `/api/orders/${first.body.order.id}/cancel`, { body: {}, headers: { "x-order-token": first.body.accessToken } });
    expect((await hold(offerId, "device-aaaaaaaa")).status).toBe(201);
  });

  it("rate-limits placing per device and per address (429 rate_limited, nothing taken)", async () => {
    const offerId = await newOffer(50);
    for (let i = 0; i < 3; i++) expect((await hold(offerId, "device-bbbbbbbb")).status).toBe(201);
    const device = await hold(offerId, "device-bbbbbbbb");
    expect([device.status, device.body.error.code]).toEqual([429, "rate_limited"]);
    // Fresh device ids do not get around the address's limit (8 a minute; 1 + 3 + 4 used by the two tests so far).
    let refused: Awaited<ReturnType<typeof hold>> | null = null;
    for (let i = 0; i < 10 && !refused; i++) {
      const res = await hold(offerId, `device-fresh-${i}-xxxx`);
      if (res.status !== 201) refused = res;
    }
    expect([refused?.status, refused?.body.error.code]).toEqual([429, "rate_limited"]);
    const taken = 50 - (await remaining(offerId));
    expect(taken).toBeLessThanOrEqual(8);
  });
});
