import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_BAG_LINES } from "../../src/protocol/api.js";
import { backends } from "../support/db.js";
import { TEST_CARD_OK } from "../../src/server/payments/index.js";
import { orderBody } from "../support/fixtures.js";
import { login, postOrder, request } from "../support/http.js";
import { startTestServer, type TestServer } from "../support/server.js";

const DECLINED = "4000000000000002";
const buyer = (email: string) => ({ name: "Bea Bag", email });
const shipping = { name: "Bea Bag", line1: "Hauptstr. 1", postalCode: "10115", city: "Berlin", country: "DE" };
const pay = { method: "test_card" as const, number: TEST_CARD_OK };

// Bags: several offers of one live show in one order and one payment, over real HTTP, on PGlite and PostgreSQL.
describe.each(backends)("bags over HTTP on %s", (backend) => {
  let server: TestServer;
  let host: string;
  let merchant: string;
  let showId: string;
  let productId: string;
  let productTitle: string;

  beforeAll(async () => {
    server = await startTestServer({ backend, demo: true, synthetic: false });
    showId = server.demo.showId;
    host = await login(server.url, server.demo.hostEmail, server.demo.hostPassword);
    merchant = await login(server.url, server.demo.merchantEmail, server.demo.hostPassword);
    const studio = await request(server.url, "GET", `/api/studio/shows/${showId}`, { cookie: host });
    productId = studio.body.products[1].id;
    productTitle = studio.body.products[1].title;
    // Live: every open offer of the show sells, not only the pinned card (the shop tab).
    await server.services.shows.setStatus(showId, "live");
  }, 180_000);
  afterAll(async () => server?.close());

  async function newOffer(quantity: number, extra: { perBuyerLimit?: number; show?: string } = {}) {
    const res = await request(server.url, "POST", `/api/studio/shows/${extra.show ?? showId}/offers`, {
      cookie: host,
      body: { productId, showPrice: 1000, quantity, durationSeconds: 600, ...(extra.perBuyerLimit ? { perBuyerLimit: extra.perBuyerLimit } : {}) },
    });
    expect(res.status).toBe(201);
    return res.body.offer as { id: string; remaining: number };
  }
  const remaining = async (offerId: string) => (await server.services.offers.offer(offerId)).remaining;
  const postBag = (body: unknown, key: string = randomUUID()) => request(server.url, "POST", "/api/orders/bag", { body, headers: { "idempotency-key": key } });
  const paidBag = (lines: { offerId: string; quantity: number }[], email = "bea@example.com") =>
    postBag({ lines, buyer: buyer(email), shipping, payment: pay });

  it("200 concurrent bags over two offers of 10: no oversell on either, and a bag that cannot get every line gets none", async () => {
    const a = await newOffer(10);
    const b = await newOffer(10);
    // Half the bags want one of each, half one of A and two of B: B runs out first, so bags keep failing on B
    // after A's unit was already taken in their transaction — that unit must come back.
    const bags = Array.from({ length: 200 }, (_, i) => [
      { offerId: a.id, quantity: 1 },
      { offerId: b.id, quantity: i % 2 ? 2 : 1 },
    ]);
    const results = await Promise.all(bags.map((lines, i) => paidBag(lines, `racer${i}@example.com`)));
    const codes = new Map<string, number>();
    let soldA = 0;
    let soldB = 0;
    for (const [i, r] of results.entries()) {
      const k = r.status === 201 ? `201 ${r.body.order.status}` : `${r.status} ${r.body.error.code}`;
      codes.set(k, (codes.get(k) ?? 0) + 1);
      if (r.status === 201) {
        expect(r.body.order.lines).toEqual(bags[i]!.map((l) => ({ ...l, unitPrice: 1000, vatRateBp: expect.any(Number) })));
        soldA += bags[i]![0]!.quantity;
        soldB += bags[i]![1]!.quantity;
      }
    }
    expect([...codes.keys()].sort()).toEqual(["201 paid", "409 sold_out"]);
    expect(soldA).toBeLessThanOrEqual(10);
    expect(soldB).toBe(10);
    // Every unit not in a paid bag is still on sale: nothing was kept by a bag that failed.
    expect(await remaining(a.id)).toBe(10 - soldA);
    expect(await remaining(b.id)).toBe(0);
    const lines = await server.db.db.selectFrom("order_lines").select(["offer_id", "quantity"]).where("offer_id", "in", [a.id, b.id]).execute();
    const sum = (id: string) => lines.filter((l) => l.offer_id === id).reduce((s, l) => s + l.quantity, 0);
    expect([sum(a.id), sum(b.id)]).toEqual([soldA, soldB]);
  });

  it("checks each line's per-buyer limit, counting bags and single orders alike; a refused bag takes nothing", async () => {
    const a = await newOffer(10, { perBuyerLimit: 1 });
    const b = await newOffer(10);
    const tooMany = await paidBag([
      { offerId: b.id, quantity: 1 },
      { offerId: a.id, quantity: 2 },
    ]);
    expect(tooMany.status).toBe(409);
    expect(tooMany.body.error.code).toBe("limit_exceeded");
    expect(tooMany.body.error.details).toMatchObject({ limit: 1, offerId: a.id });
    expect([await remaining(a.id), await remaining(b.id)]).toEqual([10, 10]);

    const ok = await paidBag([
      { offerId: a.id, quantity: 1 },
      { offerId: b.id, quantity: 3 },
    ]);
    expect(ok.status).toBe(201);
    const again = await paidBag([
      { offerId: b.id, quantity: 1 },
      { offerId: a.id, quantity: 1 },
    ]);
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe("limit_exceeded");
    // A single order of the same offer sees the bag's line, and a bag sees a single order's units.
    const single = await postOrder(server.url, orderBody(a.id, { buyer: buyer("bea@example.com") }));
    expect(single.status).toBe(409);
    expect(single.body.error.code).toBe("limit_exceeded");
    expect([await remaining(a.id), await remaining(b.id)]).toEqual([9, 7]);
  });

  it("gives back every line when the payment is declined, and when a held bag is cancelled", async () => {
    const a = await newOffer(5);
    const b = await newOffer(5);
    const lines = [
      { offerId: a.id, quantity: 2 },
      { offerId: b.id, quantity: 1 },
    ];
    const declined = await postBag({ lines, buyer: buyer("declined@example.com"), shipping, payment: { method: "test_card", number: DECLINED } });
    expect(declined.status).toBe(402);
    expect(declined.body.error.code).toBe("payment_declined");
    expect([await remaining(a.id), await remaining(b.id)]).toEqual([5, 5]);

    // A hold: both lines reserved until paid; a declined card keeps the hold, cancelling gives both back.
    const held = await postBag({ lines });
    expect(held.status).toBe(201);
    expect(held.body.order).toMatchObject({
      status: "pending_payment",
      quantity: 3,
      total: 3000,
      lines: [
        { offerId: a.id, quantity: 2 },
        { offerId: b.id, quantity: 1 },
      ],
    });
    expect([await remaining(a.id), await remaining(b.id)]).toEqual([3, 4]);
    const token = { "x-order-token": held.body.accessToken };
    const payDeclined = await request(server.url, "POST", `/api/orders/${held.body.order.id}/pay`, {
      headers: token,
      body: { buyer: buyer("held@example.com"), shipping, payment: { method: "test_card", number: DECLINED } },
    });
    expect(payDeclined.status).toBe(402);
    expect([await remaining(a.id), await remaining(b.id)]).toEqual([3, 4]);
    const cancelled = await request(server.url, "POST", `/api/orders/${held.body.order.id}/cancel`, { headers: token, body: {} });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.order.lines).toHaveLength(2);
    expect([await remaining(a.id), await remaining(b.id)]).toEqual([5, 5]);

    // Held again and paid with one payment: one order, both lines, the merchant sees both.
    const again = await postBag({ lines });
    const paid = await request(server.url, "POST", `/api/orders/${again.body.order.id}/pay`, {
      headers: { "x-order-token": again.body.accessToken },
      body: { buyer: buyer("held@example.com"), shipping, payment: pay },
    });
    expect(paid.status).toBe(200);
    expect(paid.body.order).toMatchObject({ status: "paid", total: 3000, lines: [{ offerId: a.id }, { offerId: b.id }] });
    const list = await request(server.url, "GET", `/api/admin/orders?showId=${showId}`, { cookie: merchant });
    // Each line named (what the merchant packs), in the list, the detail and the CSV.
    const listed = list.body.orders.find((o: { id: string }) => o.id === again.body.order.id);
    expect(listed.lines.map((l: { offerId: string; title: string }) => [l.offerId, l.title])).toEqual([
      [a.id, productTitle],
      [b.id, productTitle],
    ]);
    const detail = await request(server.url, "GET", `/api/admin/orders/${again.body.order.id}`, { cookie: merchant });
    expect(detail.body.order.lines.map((l: { title: string }) => l.title)).toEqual([productTitle, productTitle]);
    const csv = await (await fetch(`${server.url}/api/admin/orders.csv?showId=${showId}`, { headers: { cookie: merchant } })).text();
    expect(csv.split("\r\n")[0]).toMatch(/,items$/);
    expect(csv.split("\r\n").find((l) => l.startsWith(again.body.order.id))).toContain(
      `${lines[0]!.quantity} × ${productTitle}; ${lines[1]!.quantity} × ${productTitle}`,
    );
    const page = await request(server.url, "GET", `/api/orders/${again.body.order.id}`, { headers: { "x-order-token": again.body.accessToken } });
    expect(page.body.order.lines.map((l: { offerId: string }) => l.offerId)).toEqual([a.id, b.id]);

    // A bag is refunded whole; before shipping every line goes back on sale.
    const partial = await request(server.url, "POST", `/api/admin/orders/${again.body.order.id}/refund`, { cookie: merchant, body: { quantity: 1 } });
    expect(partial.status).toBe(400);
    expect(partial.body.error.code).toBe("invalid_body");
    const refunded = await request(server.url, "POST", `/api/admin/orders/${again.body.order.id}/refund`, { cookie: merchant, body: {} });
    expect(refunded.status).toBe(200);
    expect(refunded.body.order.status).toBe("refunded");
    expect([await remaining(a.id), await remaining(b.id)]).toEqual([5, 5]);
  });

  it("replays a bag for the same Idempotency-Key; 422 for another bag under it", async () => {
    const a = await newOffer(5);
    const b = await newOffer(5);
    const body = {
      lines: [
        { offerId: a.id, quantity: 1 },
        { offerId: b.id, quantity: 1 },
      ],
      buyer: buyer("replay@example.com"),
      shipping,
      payment: pay,
    };
    const first = await postBag(body, "bag-replay-key-1");
    const second = await postBag(body, "bag-replay-key-1");
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.headers.get("idempotent-replayed")).toBe("true");
    expect(second.body.order).toMatchObject({ id: first.body.order.id, lines: first.body.order.lines });
    const other = await postBag({ ...body, lines: [{ offerId: a.id, quantity: 2 }] }, "bag-replay-key-1");
    expect(other.status).toBe(422);
    expect(other.body.error.code).toBe("idempotency_mismatch");
    expect([await remaining(a.id), await remaining(b.id)]).toEqual([4, 4]);
  });

  it("answers a bag with a sold-out line early with the checkout's 409 naming that offer; a key that bought still replays", async () => {
    const a = await newOffer(5);
    const b = await newOffer(1);
    const body = {
      lines: [
        { offerId: a.id, quantity: 1 },
        { offerId: b.id, quantity: 1 },
      ],
      buyer: buyer("early@example.com"),
      shipping,
      payment: pay,
    };
    const bought = await postBag(body, "bag-early-key-1");
    expect(bought.status).toBe(201);
    // B is gone: the answer names it, and comes before the schema (which would refuse this email with 400).
    const late = await postBag({ ...body, buyer: { name: "", email: "not-an-email" } });
    expect(late.status).toBe(409);
    expect(late.body).toEqual({ error: { code: "sold_out", message: "Sold out.", details: { offerId: b.id } } });
    const retry = await postBag(body, "bag-early-key-1");
    expect(retry.status).toBe(201);
    expect(retry.headers.get("idempotent-replayed")).toBe("true");
    expect(retry.body.order.id).toBe(bought.body.order.id);
    // Nothing was taken by the refused bag: A lost only the bought unit.
    expect([await remaining(a.id), await remaining(b.id)]).toEqual([4, 0]);
  });

  it("sells any open offer of the live show, except one that sells only while pinned (offer_not_pinned) until it is pinned", async () => {
    const open = await newOffer(3);
    const single = await postOrder(server.url, orderBody(open.id));
    expect(single.status).toBe(201);
    const onlyPinned = await newOffer(3);
    await server.db.db.updateTable("offers").set({ sells_only_while_pinned: true }).where("id", "=", onlyPinned.id).execute();
    const refused = await postOrder(server.url, orderBody(onlyPinned.id));
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe("offer_not_pinned");
    const inBag = await paidBag([
      { offerId: open.id, quantity: 1 },
      { offerId: onlyPinned.id, quantity: 1 },
    ]);
    expect(inBag.status).toBe(409);
    expect(inBag.body.error).toMatchObject({ code: "offer_not_pinned", details: { offerId: onlyPinned.id } });
    expect(await remaining(open.id)).toBe(2);
    await server.services.offers.setPinned(onlyPinned.id, true);
    expect((await postOrder(server.url, orderBody(onlyPinned.id))).status).toBe(201);
  });

  it("refuses bad bags with a 4xx and a listed code, never a 500", async () => {
    const a = await newOffer(5);
    const b = await newOffer(5);
    const show = await server.services.shows.show(showId);
    const other = await server.services.shows.createShow({
      merchantId: show.merchantId,
      hostAccountId: show.hostAccountId,
      slug: `bag-other-${backend}`,
      title: "Other show",
      commissionRateBp: 1000,
    });
    await server.services.shows.setStatus(other.id, "live");
    const elsewhere = await newOffer(5, { show: other.id });
    const many = Array.from({ length: MAX_BAG_LINES + 1 }, (_, i) => ({ offerId: `ofr_many${i}`, quantity: 1 }));
    const cases: [string, unknown, number, string][] = [
      ["empty bag", { lines: [] }, 400, "invalid_body"],
      ["no lines", {}, 400, "invalid_body"],
      [
        "the same offer twice",
        {
          lines: [
            { offerId: a.id, quantity: 1 },
            { offerId: a.id, quantity: 1 },
          ],
        },
        400,
        "invalid_body",
      ],
      [`more than ${MAX_BAG_LINES} lines`, { lines: many }, 400, "invalid_body"],
      ["zero quantity", { lines: [{ offerId: a.id, quantity: 0 }] }, 400, "invalid_body"],
      ["unknown field", { lines: [{ offerId: a.id, quantity: 1 }], coupon: "X" }, 400, "invalid_body"],
      ["payment without buyer", { lines: [{ offerId: a.id, quantity: 1 }], payment: pay }, 400, "invalid_body"],
      [
        "offers of two shows",
        {
          lines: [
            { offerId: a.id, quantity: 1 },
            { offerId: elsewhere.id, quantity: 1 },
          ],
        },
        400,
        "bag_mixed_shows",
      ],
      [
        "unknown offer",
        {
          lines: [
            { offerId: a.id, quantity: 1 },
            { offerId: "ofr_nosuchoffer", quantity: 1 },
          ],
        },
        404,
        "not_found",
      ],
      [
        "more than is left",
        {
          lines: [
            { offerId: a.id, quantity: 1 },
            { offerId: b.id, quantity: 6 },
          ],
        },
        409,
        "sold_out",
      ],
    ];
    for (const [name, body, status, code] of cases) {
      const res = await postBag(body);
      expect({ name, status: res.status, code: res.body?.error?.code }).toEqual({ name, status, code });
    }
    const noKey = await request(server.url, "POST", "/api/orders/bag", { body: { lines: [{ offerId: a.id, quantity: 1 }] } });
    expect(noKey.body.error.code).toBe("idempotency_key_required");
    expect([await remaining(a.id), await remaining(b.id)]).toEqual([5, 5]);
  });
});
