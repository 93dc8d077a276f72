import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { orderBody } from "../../../test/support/fixtures.js";
import { login, postOrder, request } from "../../../test/support/http.js";
import { createBuyer } from "../../../test/support/accounts.js";
import { startTestServer, type TestServer } from "../../../test/support/server.js";

describe("signed-in buyers, holds and limits over HTTP", () => {
  let server: TestServer;
  let buyer: string;
  let offerId: string;

  beforeAll(async () => {
    server = await startTestServer({ synthetic: false });
    await createBuyer(server, "one@tap.test", "a long password", "One Tap");
    buyer = await login(server.url, "one@tap.test", "a long password");
    const show = await request(server.url, "GET", "/api/shows/demo");
    offerId = show.body.show.offers.find((o: { pinned: boolean }) => o.pinned).id;
  });
  afterAll(async () => server?.close());

  it("saves an address and a card (answering only brand and last 4), then one-taps with useSaved", async () => {
    const tap = { offerId, quantity: 1, useSaved: true };
    const before = await request(server.url, "POST", "/api/orders", { cookie: buyer, body: tap, headers: { "idempotency-key": "tap-before-saving" } });
    expect([before.status, before.body.error.code]).toEqual([400, "invalid_body"]);
    const anonymous = await postOrder(server.url, tap);
    expect(anonymous.status).toBe(401);

    const address = { name: "One Tap", line1: "Tapweg 1", postalCode: "10115", city: "Berlin", country: "DE" };
    expect((await request(server.url, "POST", "/api/me/address", { cookie: buyer, body: address })).status).toBe(200);
    const card = await request(server.url, "POST", "/api/me/payment-method", { cookie: buyer, body: { method: "test_card", number: "4242 4242 4242 4242" } });
    expect(card.body.details).toEqual({ address, paymentMethod: { brand: "visa", last4: "4242" } });
    expect(JSON.stringify(card.body)).not.toMatch(/4242424242424242|pm_test/);
    expect(
      (await request(server.url, "POST", "/api/me/payment-method", { cookie: buyer, body: { method: "test_card", number: "1234 5678 9012 3456" } })).body.error
        .code,
    ).toBe("invalid_body");
    expect((await request(server.url, "GET", "/api/me/checkout-details")).status).toBe(401);

    const paid = await request(server.url, "POST", "/api/orders", { cookie: buyer, body: tap, headers: { "idempotency-key": "tap-one-first" } });
    expect([paid.status, paid.body.error]).toEqual([201, undefined]);
    expect(paid.body.order).toMatchObject({ status: "paid", buyer: { name: "One Tap", email: "one@tap.test" }, shipping: address });
    const replay = await request(server.url, "POST", "/api/orders", { cookie: buyer, body: tap, headers: { "idempotency-key": "tap-one-first" } });
    expect([replay.body.order.id, replay.headers.get("idempotent-replayed")]).toEqual([paid.body.order.id, "true"]);
  });

  it("holds without buyer details, pays with them, and answers limit_exceeded over the per-buyer limit", async () => {
    const host = await login(server.url, server.demo.hostEmail, server.demo.hostPassword);
    const studio = await request(server.url, "GET", `/api/studio/shows/${server.demo.showId}`, { cookie: host });
    const limited = await request(server.url, "POST", `/api/studio/shows/${server.demo.showId}/offers`, {
      cookie: host,
      body: { productId: studio.body.products[0].id, showPrice: 500, quantity: 10, durationSeconds: 600, pin: true, perBuyerLimit: 2 },
    });
    const id = limited.body.offer.id;
    expect(
      (
        await request(server.url, "POST", `/api/studio/shows/${server.demo.showId}/offers`, {
          cookie: host,
          body: { productId: studio.body.products[0].id, showPrice: 1, quantity: 1, durationSeconds: 60, perBuyerLimit: 0 },
        })
      ).status,
    ).toBe(400);

    const hold = await postOrder(server.url, { offerId: id, quantity: 2 });
    expect(hold.body.order).toMatchObject({ status: "pending_payment", buyer: { email: "" } });
    const holder = { "x-order-token": hold.body.accessToken };
    expect(
      (
        await request(server.url, "POST", `/api/orders/${hold.body.order.id}/pay`, {
          body: { payment: { method: "test_card", number: "4242424242424242" } },
          headers: holder,
        })
      ).body.error.code,
    ).toBe("invalid_body");
    const { buyer: who, shipping } = orderBody(id);
    const paid = await request(server.url, "POST", `/api/orders/${hold.body.order.id}/pay`, {
      body: { buyer: who, shipping, payment: { method: "test_card", number: "4242424242424242" } },
      headers: holder,
    });
    expect(paid.body.order.status).toBe("paid");

    const again = await postOrder(server.url, orderBody(id));
    expect([again.status, again.body.error.code, again.body.error.details]).toEqual([409, "limit_exceeded", { limit: 2, already: 2 }]);
    const tooMany = await request(server.url, "POST", "/api/orders", {
      cookie: buyer,
      body: { offerId: id, quantity: 3 },
      headers: { "idempotency-key": "too-many-1" },
    });
    expect(tooMany.body.error.code).toBe("limit_exceeded");
    expect((await request(server.url, "GET", `/api/shows/${server.demo.showId}`)).body.show.offers.find((o: { id: string }) => o.id === id)).toMatchObject({
      perBuyerLimit: 2,
      remaining: 8,
    });
  });

  it("refuses waitlists for offers on sale, and needs an email from guests", async () => {
    const on = await request(server.url, "POST", `/api/offers/${offerId}/waitlist`, { body: { email: "w@example.com" } });
    expect([on.status, on.body.error.code]).toEqual([409, "conflict"]);
    expect((await request(server.url, "POST", `/api/offers/${offerId}/waitlist`, { body: {} })).body.error.code).toBe("invalid_body");
    expect((await request(server.url, "POST", "/api/offers/ofr_nope/waitlist", { body: { email: "w@example.com" } })).status).toBe(404);
    expect((await request(server.url, "GET", "/api/waitlist/wle_nope")).status).toBe(404);
  });
});
