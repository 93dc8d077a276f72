import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backends, openTestDb } from "../../../test/support/db.js";
import { commerceFixture } from "../../../test/support/fixtures.js";
import type { DbHandle } from "../db/index.js";
import type { BusEvents } from "../platform/bus.js";
import { AppError } from "../platform/errors.js";
import type { StockSource } from "./index.js";

const code = (p: Promise<unknown>) =>
  p.then(
    () => "ok",
    (e: unknown) => (e instanceof AppError ? e.code : String(e)),
  );

describe.each(backends)("inventory on %s", (backend) => {
  // One database for the file; each test gets its own merchant and show.
  let handle: DbHandle;
  beforeAll(async () => {
    handle = await openTestDb(backend);
  }, 180_000);
  afterAll(async () => handle?.close());

  async function setup() {
    const f = await commerceFixture(handle);
    const updates: BusEvents["offer.updated"][] = [];
    f.bus.subscribe("offer.updated", (e) => updates.push(e));
    const inventory = f.offers.inventory;
    // One transaction with its own event batch, published after commit as the services do.
    const change = async (kind: "reserve" | "release", source: StockSource, quantity: number) => {
      const events = f.outbox.batch();
      const left = await f.db
        .transaction()
        .execute((tx) => (kind === "reserve" ? inventory.reserve(tx, source, quantity, events) : inventory.release(tx, source, quantity, events)));
      await events.publish();
      return left;
    };
    return { ...f, inventory, updates, change };
  }

  it("never sells the 11th of 10 units to 50 concurrent reservations", async () => {
    const f = await setup();
    const offer = await f.offers.create(f.show.id, f.product, { showPrice: 500, quantity: 10, durationSeconds: 600, pin: true });
    const results = await Promise.all(Array.from({ length: 50 }, () => code(f.change("reserve", { kind: "offer", offerId: offer.id }, 1))));
    expect(results.filter((r) => r === "ok")).toHaveLength(10);
    expect(results.filter((r) => r === "sold_out")).toHaveLength(40);
    expect(await f.offers.offer(offer.id)).toMatchObject({ remaining: 0, stockVersion: 10 });
  });

  it("bumps the offer's stock version and emits offer.updated with every change of its remaining", async () => {
    const f = await setup();
    const offer = await f.offers.create(f.show.id, f.product, { showPrice: 500, quantity: 5, durationSeconds: 600, pin: true });
    const r = await f.change("reserve", { kind: "offer", offerId: offer.id }, 2);
    expect(r).toMatchObject({ offerId: offer.id, showId: f.show.id, remaining: 3, unitPrice: 500, version: 1 });
    expect(await f.change("release", { kind: "offer", offerId: offer.id }, 1)).toBe(4);
    expect(f.updates).toEqual([
      { showId: f.show.id, offerId: offer.id, remaining: 3, version: 1 },
      { showId: f.show.id, offerId: offer.id, remaining: 4, version: 2 },
    ]);
    expect(f.inventory.knownShort(offer.id, 5)).toBe(true);
    expect(f.inventory.knownShort(offer.id, 4)).toBe(false);
  });

  it("takes an auction's awarded unit from the ended offer with a version bump and offer.updated", async () => {
    const f = await setup();
    // As auctions do: an offer of one unit, ended at once; the winner's hold takes the unit sale state aside.
    const offer = await f.offers.create(f.show.id, f.product, { showPrice: 100, quantity: 1, durationSeconds: 60 });
    await f.offers.end(offer.id);
    expect(await code(f.change("reserve", { kind: "offer", offerId: offer.id }, 1))).toBe("offer_not_active");
    expect(await f.change("reserve", { kind: "award", offerId: offer.id }, 1)).toBe(0);
    expect(await f.offers.offer(offer.id)).toMatchObject({ remaining: 0, stockVersion: 1 });
    expect(f.updates).toEqual([{ showId: f.show.id, offerId: offer.id, remaining: 0, version: 1 }]);
    expect(await code(f.change("reserve", { kind: "award", offerId: offer.id }, 1))).toBe("sold_out");
    // The award lapsed: the unit goes back to the offer, for the next bidder.
    expect(await f.change("release", { kind: "offer", offerId: offer.id }, 1)).toBe(1);
    expect(f.updates.at(-1)).toEqual({ showId: f.show.id, offerId: offer.id, remaining: 1, version: 2 });
  });

  it("an awarded auction hold bumps the offer's stock version and sends offer.updated", async () => {
    const f = await setup();
    const offer = await f.offers.create(f.show.id, f.product, { showPrice: 100, quantity: 1, durationSeconds: 60 });
    await f.offers.end(offer.id);
    const award = {
      offerId: offer.id,
      unitPrice: 420,
      accountId: f.host.id,
      buyer: { name: "Bidder", email: "bidder@example.com" },
      holdMs: 60_000,
      idempotencyKey: `award:${offer.id}`,
      data: {},
    };
    const order = await f.orders.placeAwardedOrder(award);
    expect(order).toMatchObject({ status: "pending_payment", quantity: 1, total: 420 });
    expect(await f.offers.offer(offer.id)).toMatchObject({ remaining: 0, stockVersion: 1 });
    expect(f.updates).toEqual([{ showId: f.show.id, offerId: offer.id, remaining: 0, version: 1 }]);
    // Cancelled: the unit goes back to the offer, again versioned.
    await f.orders.cancel(order.id);
    expect(f.updates.at(-1)).toEqual({ showId: f.show.id, offerId: offer.id, remaining: 1, version: 2 });
  });

  it("takes an award of a closed offer made from a variant from the variant, where its release goes too", async () => {
    const f = await setup();
    const created = await f.catalog.createProductWithVariants(f.merchant.id, {
      title: "Hoodie",
      description: "",
      price: 4999,
      vatRateBp: 1900,
      variants: [{ sku: "INV-M", stock: 3 }],
    });
    const variant = await f.catalog.variant(created.variants[0]!.id);
    const offer = await f.offers.create(f.show.id, await f.catalog.product(created.id), { showPrice: 100, quantity: 1, durationSeconds: 60 }, variant);
    expect((await f.catalog.variant(variant.id)).stock).toBe(2);
    await f.offers.end(offer.id);
    expect((await f.catalog.variant(variant.id)).stock).toBe(3);
    expect(await f.change("reserve", { kind: "award", offerId: offer.id }, 1)).toBe(2);
    expect(await f.change("release", { kind: "offer", offerId: offer.id }, 1)).toBe(0);
    expect((await f.catalog.variant(variant.id)).stock).toBe(3);
    expect(await code(f.change("reserve", { kind: "variant", variantId: variant.id }, 4))).toBe("insufficient_stock");
    // Offer stock did not move: no version bump, no offer.updated.
    expect(await f.offers.offer(offer.id)).toMatchObject({ remaining: 0, stockVersion: 1 });
    expect(f.updates).toEqual([]);
  });
});
