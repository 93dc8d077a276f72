import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { orderBody } from "../support/fixtures.js";
import { login, postOrder, request } from "../support/http.js";
import { createBuyer } from "../support/accounts.js";
import { startTestServer, type TestServer } from "../support/server.js";

describe("merchant order admin over HTTP", () => {
  let server: TestServer;
  let host: string;
  let merchant: string;
  let offerId: string;

  beforeAll(async () => {
    server = await startTestServer({ synthetic: false });
    host = await login(server.url, server.demo.hostEmail, server.demo.hostPassword);
    merchant = await login(server.url, server.demo.merchantEmail, server.demo.hostPassword);
    const show = await request(server.url, "GET", "/api/shows/demo");
    offerId = show.body.show.offers.find((o: { pinned: boolean }) => o.pinned).id;
  });
  afterAll(async () => server?.close());

  it("lets the merchant, not the host, a buyer or a stranger, see and manage orders", async () => {
    const placed = await postOrder(server.url, orderBody(offerId));
    const id = placed.body.order.id;
    expect((await request(server.url, "GET", "/api/admin/orders")).status).toBe(401);
    expect((await request(server.url, "GET", "/api/admin/orders", { cookie: host })).body.error.code).toBe("forbidden");
    expect((await request(server.url, "POST", `/api/admin/orders/${id}/refund`, { cookie: host, body: {} })).body.error.code).toBe("forbidden");
    await createBuyer(server, "shopper@example.com", "a long password", "S");
    const buyer = await login(server.url, "shopper@example.com", "a long password");
    expect((await request(server.url, "GET", `/api/admin/orders/${id}`, { cookie: buyer })).body.error.code).toBe("forbidden");
    const list = await request(server.url, "GET", "/api/admin/orders?status=paid", { cookie: merchant });
    expect(list.status).toBe(200);
    expect(list.body.orders.map((o: { id: string }) => o.id)).toContain(id);
  });

  it("fulfils, refunds and shows the history; the buyer's order page shows it too", async () => {
    const { body } = await postOrder(server.url, orderBody(offerId, { quantity: 2 }));
    const id = body.order.id;
    const shipped = await request(server.url, "POST", `/api/admin/orders/${id}/fulfil`, { cookie: merchant, body: { carrier: "DHL", trackingNumber: "JD42" } });
    expect(shipped.body.order.status).toBe("fulfilled");
    const refunded = await request(server.url, "POST", `/api/admin/orders/${id}/refund`, { cookie: merchant, body: { quantity: 1, reason: "damaged" } });
    expect(refunded.body.order).toMatchObject({ refundedQuantity: 1, status: "fulfilled" });
    const buyerView = await request(server.url, "GET", `/api/orders/${id}`, { headers: { "x-order-token": body.accessToken } });
    expect(buyerView.body.history.map((e: { type: string }) => e.type)).toEqual(["created", "paid", "fulfilled", "refunded"]);
    const bad = [
      await request(server.url, "POST", `/api/admin/orders/${id}/refund`, { cookie: merchant, body: { quantity: 0 } }),
      await request(server.url, "POST", `/api/admin/orders/${id}/fulfil`, { cookie: merchant, body: { carrier: "" } }),
      await request(server.url, "GET", "/api/admin/orders?status=lost", { cookie: merchant }),
      await request(server.url, "POST", "/api/admin/orders/ord_nope/deliver", { cookie: merchant }),
    ];
    expect(bad.map((r) => [r.status, r.body.error.code])).toEqual([
      [400, "invalid_body"],
      [400, "invalid_body"],
      [400, "invalid_query"],
      [404, "not_found"],
    ]);
  });

  it("exports orders as CSV with formula cells defused, and prints a packing slip without prices", async () => {
    const gift = { message: '=HYPERLINK("http://evil") <b>Alles Gute</b>' };
    const { body } = await postOrder(server.url, orderBody(offerId, { gift, buyer: { name: "=cmd|' /C calc'!A0", email: "csv@example.com" } }));
    const csv = await fetch(`${server.url}/api/admin/orders.csv`, { headers: { cookie: merchant } });
    expect(csv.headers.get("content-type")).toContain("text/csv");
    const text = await csv.text();
    const line = text.split("\r\n").find((l) => l.startsWith(body.order.id))!;
    expect(line).toContain("'=cmd|' /C calc'!A0");
    expect(text.split("\r\n")[0]).toMatch(/^id,createdAt,status/);
    const slip = await fetch(`${server.url}/api/admin/orders/${body.order.id}/packing-slip`, { headers: { cookie: merchant } });
    const html = await slip.text();
    expect(html).toContain("&lt;b&gt;Alles Gute&lt;/b&gt;");
    expect(html).not.toMatch(/€|EUR|\d+,\d\d/);
  });
});
