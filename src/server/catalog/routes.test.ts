import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { orderBody } from "../../../test/support/fixtures.js";
import { login, postOrder, request } from "../../../test/support/http.js";
import { createBuyer } from "../../../test/support/accounts.js";
import { startTestServer, type TestServer } from "../../../test/support/server.js";

async function upload(base: string, productId: string, cookie: string, data: Buffer, type: string) {
  const res = await fetch(`${base}/api/admin/products/${productId}/image`, {
    method: "POST",
    headers: { cookie, "x-showcart-csrf": "1", "content-type": type },
    body: new Uint8Array(data),
  });
  return { status: res.status, body: (await res.json()) as any };
}

describe("merchant catalog over HTTP", () => {
  let server: TestServer;
  let merchant: string;
  let host: string;
  let buyer: string;

  beforeAll(async () => {
    server = await startTestServer({ synthetic: false });
    merchant = await login(server.url, server.demo.merchantEmail, server.demo.hostPassword);
    host = await login(server.url, server.demo.hostEmail, server.demo.hostPassword);
    await createBuyer(server, "cat-buyer@example.com", "a long password", "B");
    buyer = await login(server.url, "cat-buyer@example.com", "a long password");
  }, 180_000);
  afterAll(async () => server?.close());

  const newProduct = { title: "Tee", description: "Cotton", price: 1999, vatRateBp: 1900, variants: [{ sku: "TEE-S", size: "S", colour: "White", stock: 5 }] };

  it("lets the merchant, not the host, a buyer or a stranger, manage products", async () => {
    const created = await request(server.url, "POST", "/api/admin/products", { cookie: merchant, body: newProduct });
    expect(created.status).toBe(201);
    const id = created.body.product.id;
    expect(created.body.product).toMatchObject({ title: "Tee", price: 1999, currency: "EUR", vatRateBp: 1900, variants: [{ sku: "TEE-S", stock: 5 }] });

    expect((await request(server.url, "GET", "/api/admin/products")).status).toBe(401);
    for (const cookie of [host, buyer]) {
      const denied = [
        await request(server.url, "GET", "/api/admin/products", { cookie }),
        await request(server.url, "POST", "/api/admin/products", { cookie, body: newProduct }),
        await request(server.url, "PATCH", `/api/admin/products/${id}`, { cookie, body: { price: 1 } }),
        await request(server.url, "DELETE", `/api/admin/products/${id}`, { cookie }),
        await request(server.url, "POST", `/api/admin/products/${id}/variants`, { cookie, body: { sku: "X", stock: 1 } }),
        await request(server.url, "GET", "/api/admin/sales", { cookie }),
        await request(server.url, "GET", "/api/admin/offers", { cookie }),
        await upload(server.url, id, cookie, Buffer.from("x"), "image/png"),
      ];
      expect(denied.map((r) => r.status)).toEqual(Array(denied.length).fill(403));
    }

    const list = await request(server.url, "GET", "/api/admin/products", { cookie: merchant });
    expect(list.body.products.map((p: { id: string }) => p.id)).toContain(id);
    const patched = await request(server.url, "PATCH", `/api/admin/products/${id}`, { cookie: merchant, body: { price: 2499, vatRateBp: 700 } });
    expect(patched.body.product).toMatchObject({ price: 2499, vatRateBp: 700 });
    const variant = await request(server.url, "POST", `/api/admin/products/${id}/variants`, { cookie: merchant, body: { sku: "TEE-M", size: "M", stock: 3 } });
    expect(variant.status).toBe(201);
    const restocked = await request(server.url, "PATCH", `/api/admin/products/${id}/variants/${variant.body.variant.id}`, {
      cookie: merchant,
      body: { stock: 9 },
    });
    expect(restocked.body.variant.stock).toBe(9);
  });

  it("answers bad input with 4xx codes, never 500", async () => {
    const { body } = await request(server.url, "POST", "/api/admin/products", {
      cookie: merchant,
      body: { ...newProduct, variants: [{ sku: "BAD-1", stock: 1 }] },
    });
    const id = body.product.id;
    const cases: [string, Promise<{ status: number; body: any }>, number, string][] = [
      ["negative price", request(server.url, "POST", "/api/admin/products", { cookie: merchant, body: { ...newProduct, price: -1 } }), 400, "invalid_body"],
      [
        "VAT over 30 %",
        request(server.url, "POST", "/api/admin/products", { cookie: merchant, body: { ...newProduct, vatRateBp: 5000 } }),
        400,
        "invalid_body",
      ],
      ["USD", request(server.url, "POST", "/api/admin/products", { cookie: merchant, body: { ...newProduct, currency: "USD" } }), 400, "invalid_body"],
      ["unknown field", request(server.url, "POST", "/api/admin/products", { cookie: merchant, body: { ...newProduct, colour: "red" } }), 400, "invalid_body"],
      [
        "negative stock",
        request(server.url, "POST", `/api/admin/products/${id}/variants`, { cookie: merchant, body: { sku: "N", stock: -1 } }),
        400,
        "invalid_body",
      ],
      [
        "sku with spaces",
        request(server.url, "POST", `/api/admin/products/${id}/variants`, { cookie: merchant, body: { sku: "a b", stock: 1 } }),
        400,
        "invalid_body",
      ],
      ["taken sku", request(server.url, "POST", `/api/admin/products/${id}/variants`, { cookie: merchant, body: { sku: "bad-1", stock: 1 } }), 409, "conflict"],
      ["empty patch", request(server.url, "PATCH", `/api/admin/products/${id}`, { cookie: merchant, body: {} }), 400, "invalid_body"],
      ["not JSON", request(server.url, "POST", "/api/admin/products", { cookie: merchant, raw: "{nope" }), 400, "invalid_json"],
      ["unknown product", request(server.url, "PATCH", "/api/admin/products/prd_nope", { cookie: merchant, body: { price: 1 } }), 404, "not_found"],
      [
        "unknown variant",
        request(server.url, "PATCH", `/api/admin/products/${id}/variants/var_nope`, { cookie: merchant, body: { stock: 1 } }),
        404,
        "not_found",
      ],
      ["query", request(server.url, "GET", "/api/admin/products?x=1", { cookie: merchant }), 400, "invalid_query"],
    ];
    for (const [name, p, status, code] of cases) {
      const res = await p;
      expect({ name, status: res.status, code: res.body?.error?.code }).toEqual({ name, status, code });
    }
  });

  it("stores an uploaded picture as 400 and 800 px WebP, served immutable; refuses non-images and > 10 MB", async () => {
    const { body } = await request(server.url, "POST", "/api/admin/products", { cookie: merchant, body: { ...newProduct, variants: [] } });
    const id = body.product.id;
    const png = await sharp({ create: { width: 1200, height: 900, channels: 3, background: { r: 228, g: 36, b: 91 } } })
      .png()
      .toBuffer();
    const res = await upload(server.url, id, merchant, png, "image/png");
    expect(res.status).toBe(200);
    expect(res.body.product.imageUrl).toMatch(/^\/media\/products\/prd_[\w-]+\/img_[\w-]+-800\.webp$/);
    expect(res.body.product.thumbUrl).toMatch(/-400\.webp$/);
    for (const [url, width] of [
      [res.body.product.imageUrl, 800],
      [res.body.product.thumbUrl, 400],
    ] as const) {
      const img = await fetch(server.url + url);
      expect(img.headers.get("content-type")).toBe("image/webp");
      expect(img.headers.get("cache-control")).toContain("immutable");
      const meta = await sharp(Buffer.from(await img.arrayBuffer())).metadata();
      expect({ format: meta.format, width: meta.width, height: meta.height }).toEqual({ format: "webp", width, height: width * 0.75 });
    }
    // A small picture is not enlarged.
    const tiny = await sharp({ create: { width: 50, height: 40, channels: 4, background: "#00ff0080" } })
      .webp()
      .toBuffer();
    const small = await upload(server.url, id, merchant, tiny, "image/webp");
    const smallMeta = await sharp(Buffer.from(await (await fetch(server.url + small.body.product.imageUrl)).arrayBuffer())).metadata();
    expect(smallMeta.width).toBe(50);

    const refused = [
      await upload(server.url, id, merchant, Buffer.from("<svg xmlns='http://www.w3.org/2000/svg'/>"), "image/png"),
      await upload(server.url, id, merchant, png.subarray(0, 200), "image/png"),
      await upload(server.url, id, merchant, png, "image/svg+xml"),
      await upload(server.url, id, merchant, png, "application/octet-stream"),
      await upload(server.url, id, merchant, Buffer.alloc(10 * 1024 * 1024 + 1, 1), "image/jpeg"),
      await upload(server.url, "prd_nope", merchant, png, "image/png"),
    ];
    expect(refused.map((r) => [r.status, r.body.error.code])).toEqual([
      [415, "unsupported_media_type"],
      [415, "unsupported_media_type"],
      [415, "unsupported_media_type"],
      [415, "unsupported_media_type"],
      [413, "body_too_large"],
      [404, "not_found"],
    ]);
    expect(
      (await fetch(`${server.url}/api/admin/products/${id}/image`, { method: "POST", headers: { "content-type": "image/png" }, body: new Uint8Array(png) }))
        .status,
    ).toBe(401);
    expect((await fetch(`${server.url}/media/products/${id}/img_nope-800.webp`)).status).toBe(404);
    expect((await fetch(`${server.url}/media/products/${id}/..%2f..%2fsecrets.key`)).status).toBe(404);
  });

  it("creates an offer from a variant, reserving its stock, and lists offers and per-show sales", async () => {
    const { body } = await request(server.url, "POST", "/api/admin/products", {
      cookie: merchant,
      body: { ...newProduct, variants: [{ sku: "OFR-1", size: "L", stock: 4 }] },
    });
    const product = body.product;
    const variantId = product.variants[0].id;
    const base = `/api/studio/shows/${server.demo.showId}/offers`;
    const offerBody = { productId: product.id, variantId, showPrice: 1500, quantity: 3, durationSeconds: 600, pin: true };
    const made = await request(server.url, "POST", base, { cookie: merchant, body: offerBody });
    expect(made.status).toBe(201);
    expect(made.body.offer.title).toBe("Tee (L)");
    expect((await request(server.url, "GET", `/api/admin/products/${product.id}`, { cookie: merchant })).body.product.variants[0].stock).toBe(1);
    const short = await request(server.url, "POST", base, { cookie: merchant, body: { ...offerBody, pin: false } });
    expect([short.status, short.body.error.code, short.body.error.details]).toEqual([409, "insufficient_stock", { stock: 1 }]);
    const other = await request(server.url, "POST", "/api/admin/products", {
      cookie: merchant,
      body: { ...newProduct, variants: [{ sku: "OFR-2", stock: 4 }] },
    });
    const mismatch = await request(server.url, "POST", base, { cookie: merchant, body: { ...offerBody, variantId: other.body.product.variants[0].id } });
    expect([mismatch.status, mismatch.body.error.code]).toEqual([400, "invalid_body"]);

    const order = await postOrder(server.url, orderBody(made.body.offer.id, { quantity: 2 }));
    expect(order.body.order).toMatchObject({ status: "paid", total: 3000, vatRateBp: 1900, vat: 479 });
    await request(server.url, "POST", `/api/admin/orders/${order.body.order.id}/refund`, { cookie: merchant, body: { quantity: 1 } });

    const offers = await request(server.url, "GET", `/api/admin/offers?showId=${server.demo.showId}`, { cookie: merchant });
    expect(offers.body.offers.find((o: { id: string }) => o.id === made.body.offer.id)).toMatchObject({ variantId, vatRateBp: 1900, remaining: 2 });
    expect((await request(server.url, "GET", "/api/admin/offers?showId=shw_other", { cookie: merchant })).status).toBe(404);
    const shows = await request(server.url, "GET", "/api/admin/sales", { cookie: merchant });
    const demo = shows.body.shows.find((s: { id: string }) => s.id === server.demo.showId);
    expect(demo).toMatchObject({ slug: "demo", refundedUnits: 1, refunds: 1500, currency: "EUR" });
    expect(demo.unitsSold).toBeGreaterThanOrEqual(1);
    expect(demo.commission).toBeGreaterThan(0);
  });
});
