import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../../src/server/platform/clock.js";
import { IDEMPOTENCY_TTL_MS } from "../../src/server/http/idempotency.js";
import { orderBody } from "../support/fixtures.js";
import { login, postOrder, request } from "../support/http.js";
import { startTestServer, type TestServer } from "../support/server.js";

describe("Idempotency-Key on creating POSTs", () => {
  let server: TestServer;
  let merchant: string;
  const clock = new ManualClock();
  const product = { title: "Idempotent mug", price: 1299, vatRateBp: 1900 };

  beforeAll(async () => {
    server = await startTestServer({ synthetic: false, clock });
    merchant = await login(server.url, server.demo.merchantEmail, server.demo.hostPassword);
  });
  afterAll(async () => server?.close());

  const createProduct = (key: string | undefined, body: unknown = product) =>
    request(server.url, "POST", "/api/admin/products", { cookie: merchant, body, headers: key === undefined ? {} : { "idempotency-key": key } });
  const productCount = async () => (await request(server.url, "GET", "/api/admin/products", { cookie: merchant })).body.products.length as number;

  it("answers the same key and body with the stored answer, and creates once", async () => {
    const before = await productCount();
    const first = await createProduct("create-mug-0001");
    expect(first.status).toBe(201);
    expect(first.headers.get("idempotent-replayed")).toBeNull();
    // The same body with its fields in another order is the same request.
    const again = await createProduct("create-mug-0001", { vatRateBp: 1900, price: 1299, title: "Idempotent mug" });
    expect(again.status).toBe(201);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(again.body.product.id).toBe(first.body.product.id);
    expect(await productCount()).toBe(before + 1);
  });

  it("refuses the key with another body (422) and stores 4xx answers too", async () => {
    await createProduct("create-mug-0002");
    const other = await createProduct("create-mug-0002", { ...product, price: 1 });
    expect([other.status, other.body.error.code]).toEqual([422, "idempotency_mismatch"]);
    const bad = await createProduct("create-bad-0001", { title: "" });
    const badAgain = await createProduct("create-bad-0001", { title: "" });
    expect([bad.status, badAgain.status, badAgain.headers.get("idempotent-replayed")]).toEqual([400, 400, "true"]);
    expect(badAgain.body).toEqual(bad.body);
  });

  // Before the 24-hour test below: the demo offer ends long before the clock gets there.
  it("replays a refund instead of refunding twice", async () => {
    const show = await request(server.url, "GET", "/api/shows/demo");
    const offerId = show.body.show.offers.find((o: { pinned: boolean }) => o.pinned).id;
    const placed = await postOrder(server.url, orderBody(offerId, { quantity: 2 }));
    expect(placed.status).toBe(201);
    const id = placed.body.order.id;
    const refund = () =>
      request(server.url, "POST", `/api/admin/orders/${id}/refund`, {
        cookie: merchant,
        body: { quantity: 1 },
        headers: { "idempotency-key": `refund-${id}` },
      });
    const [a, b] = [await refund(), await refund()];
    expect([a.status, b.status, b.headers.get("idempotent-replayed")]).toEqual([200, 200, "true"]);
    const order = await request(server.url, "GET", `/api/admin/orders/${id}`, { cookie: merchant });
    expect(order.body.order.refundedQuantity).toBe(1);
  });

  it("creates again without a key, refuses a malformed key, and forgets keys after 24 hours", async () => {
    const before = await productCount();
    await createProduct(undefined);
    await createProduct(undefined);
    expect(await productCount()).toBe(before + 2);
    const short = await createProduct("short");
    expect([short.status, short.body.error.code]).toEqual([400, "idempotency_key_required"]);
    const first = await createProduct("create-mug-0003");
    clock.advance(IDEMPOTENCY_TTL_MS + 1000);
    const later = await createProduct("create-mug-0003");
    expect(later.status).toBe(201);
    expect(later.headers.get("idempotent-replayed")).toBeNull();
    expect(later.body.product.id).not.toBe(first.body.product.id);
  });
});
