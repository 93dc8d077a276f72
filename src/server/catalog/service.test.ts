import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backends, openTestDb } from "../../../test/support/db.js";
import { commerceFixture, orderBody } from "../../../test/support/fixtures.js";
import type { DbHandle } from "../db/index.js";
import { AppError } from "../platform/errors.js";
import { vatIncluded } from "./vat.js";

const code = (p: Promise<unknown>) =>
  p.then(
    () => "ok",
    (e: unknown) => (e instanceof AppError ? e.code : String(e)),
  );

describe("VAT contained in a gross price", () => {
  it("rounds half up to the cent", () => {
    expect(vatIncluded(1999, 1900)).toBe(319); // 319.17
    expect(vatIncluded(1070, 700)).toBe(70); // exactly 70
    expect(vatIncluded(11_900, 1900)).toBe(1900);
    expect(vatIncluded(107, 700)).toBe(7);
    expect(vatIncluded(8, 700)).toBe(1); // 0.523 → 1
    expect(vatIncluded(7, 700)).toBe(0); // 0.458 → 0
    expect(vatIncluded(535, 700)).toBe(35); // exactly 35
    expect(vatIncluded(1177, 1900)).toBe(188); // 187.93
    expect(vatIncluded(4601, 2100)).toBe(799); // 798.52 (NL 21 %)
    expect(vatIncluded(0, 1900)).toBe(0);
    expect(vatIncluded(1999, 0)).toBe(0);
    expect(() => vatIncluded(-1, 1900)).toThrow(RangeError);
    expect(() => vatIncluded(10.5, 1900)).toThrow(RangeError);
  });

  it("is within half a cent of the exact VAT for every gross amount up to 100 €", () => {
    const off: string[] = [];
    for (const rate of [700, 1900, 2100, 2500]) {
      for (let gross = 0; gross <= 10_000; gross++) {
        const exact = (gross * rate) / (10_000 + rate);
        if (Math.abs(vatIncluded(gross, rate) - exact) > 0.5) off.push(`${gross}@${rate}`);
      }
    }
    expect(off).toEqual([]);
  });
});

describe.each(backends)("catalog on %s", (backend) => {
  // One database for the file (opening PGlite and migrating is most of the cost); each test gets its own merchant.
  let handle: DbHandle;
  beforeAll(async () => {
    handle = await openTestDb(backend);
  }, 180_000);
  afterAll(async () => handle?.close());

  async function setup() {
    const f = await commerceFixture(handle);
    const product = await f.catalog.createProductWithVariants(f.merchant.id, {
      title: "Hoodie",
      description: "Warm",
      price: 4999,
      vatRateBp: 1900,
      variants: [
        { sku: "HOOD-M-BLK", size: "M", colour: "Black", stock: 10 },
        { sku: "HOOD-L-BLK", size: "L", colour: "Black", stock: 2 },
      ],
    });
    return {
      ...f,
      hoodie: product,
      hoodieProduct: await f.catalog.product(product.id),
      variant: await f.catalog.variant(product.variants.find((v) => v.sku === "HOOD-M-BLK")!.id),
    };
  }
  const stockOf = async (f: Awaited<ReturnType<typeof setup>>, variantId: string) => (await f.catalog.variant(variantId)).stock;

  it("creates, lists, edits and archives products with variants; SKUs are unique per merchant", async () => {
    const f = await setup();
    expect(f.hoodie).toMatchObject({ title: "Hoodie", price: 4999, currency: "EUR", vatRateBp: 1900, thumbUrl: null });
    expect(f.hoodie.variants.map((v) => [v.sku, v.size, v.colour, v.stock])).toEqual([
      ["HOOD-L-BLK", "L", "Black", 2],
      ["HOOD-M-BLK", "M", "Black", 10],
    ]);
    expect(await code(f.catalog.addVariant(f.hoodie.id, { sku: "hood-m-blk", stock: 1 }))).toBe("conflict");
    // A product whose variant SKU is taken is not created at all.
    const before = (await f.catalog.adminProducts(f.merchant.id)).length;
    expect(
      await code(f.catalog.createProductWithVariants(f.merchant.id, { title: "X", price: 1, vatRateBp: 700, variants: [{ sku: "HOOD-L-BLK", stock: 1 }] })),
    ).toBe("conflict");
    expect((await f.catalog.adminProducts(f.merchant.id)).length).toBe(before);

    const edited = await f.catalog.updateProduct(f.hoodie.id, { price: 3999, vatRateBp: 700 });
    expect(edited).toMatchObject({ price: 3999, vatRateBp: 700, title: "Hoodie" });
    const v = await f.catalog.updateVariant(f.variant.id, { stock: 7, colour: "Navy" });
    expect(v).toMatchObject({ stock: 7, colour: "Navy", sku: "HOOD-M-BLK" });
    await f.catalog.archiveVariant(f.hoodie.variants[0]!.id);
    expect((await f.catalog.adminProduct(f.hoodie.id)).variants).toHaveLength(1);
    await f.catalog.archiveProduct(f.hoodie.id);
    expect((await f.catalog.productsOf(f.merchant.id)).map((p) => p.id)).not.toContain(f.hoodie.id);
    expect(await code(f.catalog.adminProduct(f.hoodie.id))).toBe("not_found");
  });

  it("never takes a variant's stock below zero when offers are created concurrently", async () => {
    const f = await setup();
    const quantities = Array.from({ length: 16 }, (_, i) => 1 + (i % 3)); // 32 units asked of 10
    const results = await Promise.allSettled(
      quantities.map((q) => f.offers.create(f.show.id, f.hoodieProduct, { showPrice: 100, quantity: q, durationSeconds: 600 }, f.variant)),
    );
    const taken = results.reduce((s, r, i) => s + (r.status === "fulfilled" ? quantities[i]! : 0), 0);
    const refused = results.filter((r) => r.status === "rejected").map((r) => (r.reason as AppError).code);
    expect(new Set(refused)).toEqual(new Set(["insufficient_stock"]));
    expect(taken).toBeLessThanOrEqual(10);
    expect(taken).toBeGreaterThanOrEqual(8); // whatever is left is smaller than the smallest refused request
    expect(await stockOf(f, f.variant.id)).toBe(10 - taken);
  });

  it("returns unsold units to the variant when the offer ends or expires, and later releases too", async () => {
    const f = await setup();
    const offer = await f.offers.create(f.show.id, f.hoodieProduct, { showPrice: 2999, quantity: 6, durationSeconds: 600, pin: true }, f.variant);
    expect(offer.title).toBe("Hoodie (M / Black)");
    expect(await stockOf(f, f.variant.id)).toBe(4);
    const { order } = await f.orders.placeOrder(orderBody(offer.id, { quantity: 2 }), "cat-1");
    expect(order).toMatchObject({ status: "paid", total: 5998, vatRateBp: 1900, vat: vatIncluded(5998, 1900) });
    expect(order.vat).toBe(958); // 5998 × 1900 / 11900 = 957.68
    await f.offers.end(offer.id);
    expect(await stockOf(f, f.variant.id)).toBe(8); // 4 on the shelf + 4 unsold
    expect((await f.offers.offer(offer.id)).remaining).toBe(0);
    // A refund before shipping of a closed offer's order restocks the variant, not the closed offer.
    await f.orders.refund(order.id, { quantity: 1 });
    expect(await stockOf(f, f.variant.id)).toBe(9);
    expect((await f.offers.offer(offer.id)).remaining).toBe(0);

    const second = await f.offers.create(f.show.id, f.hoodieProduct, { showPrice: 2999, quantity: 3, durationSeconds: 60 }, f.variant);
    expect(await stockOf(f, f.variant.id)).toBe(6);
    f.clock.advance(61_000);
    expect(await f.offers.closeExpired()).toBeGreaterThanOrEqual(1);
    expect(await stockOf(f, f.variant.id)).toBe(9);
    expect((await f.offers.offer(second.id)).remaining).toBe(0);
    expect(await code(f.offers.create(f.show.id, f.hoodieProduct, { showPrice: 1, quantity: 10, durationSeconds: 60 }, f.variant))).toBe("insufficient_stock");
  });

  it("copies the product's VAT rate to the offer, so a later rate change does not touch orders of it", async () => {
    const f = await setup();
    const book = await f.catalog.createProduct({
      merchantId: f.merchant.id,
      title: "Book",
      description: "",
      imageUrl: "",
      price: 2140,
      currency: "EUR",
      vatRateBp: 700,
    });
    const offer = await f.offers.create(f.show.id, book, { showPrice: 1070, quantity: 5, durationSeconds: 600, pin: true });
    await f.catalog.updateProduct(book.id, { vatRateBp: 1900 });
    const { order } = await f.orders.placeOrder(orderBody(offer.id), "cat-vat");
    expect(order).toMatchObject({ total: 1070, vatRateBp: 700, vat: 70 });
    expect((await f.orders.order(order.id)).vat).toBe(70);
  });
});
