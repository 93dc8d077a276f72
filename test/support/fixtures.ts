import type { CreateOrderBody } from "../../src/protocol/api.js";
import { AccountService } from "../../src/server/accounts/index.js";
import { CatalogService } from "../../src/server/catalog/index.js";
import { CommissionService } from "../../src/server/commissions/index.js";
import type { DbHandle } from "../../src/server/db/index.js";
import { OfferService } from "../../src/server/offers/index.js";
import { OrderService } from "../../src/server/orders/index.js";
import { TEST_CARD_OK, TestPaymentProvider } from "../../src/server/payments/index.js";
import { MemoryBus } from "../../src/server/platform/bus.js";
import { ManualClock } from "../../src/server/platform/clock.js";
import { ShowService } from "../../src/server/shows/index.js";
import { Outbox } from "../../src/server/outbox/index.js";

export const silentLog = { warn() {}, error() {}, info() {}, debug() {}, trace() {}, fatal() {}, child: () => silentLog } as never;

/** Real services on a real database, with a manual clock and the in-process bus. */
export async function commerceFixture(handle: DbHandle, opts: { commissionBp?: number } = {}) {
  const clock = new ManualClock("2026-06-01T18:00:00Z");
  const bus = new MemoryBus();
  const db = handle.db;
  const accounts = new AccountService(db, clock);
  const catalog = new CatalogService(db, clock);
  const outbox = new Outbox(db, clock, silentLog, bus);
  const shows = new ShowService(db, clock, outbox);
  const offers = new OfferService(db, clock, bus, outbox);
  const commissions = new CommissionService(db, clock);
  const orders = new OrderService({ db, clock, offers, payments: new TestPaymentProvider(), outbox });
  commissions.subscribeToOrders(orders, shows);
  // As the server does: on PGlite the process-local idempotency key set is authoritative.
  if (handle.kind === "pglite") await orders.loadIdempotencyKeys();
  const merchant = await catalog.createMerchant("Test Shop");
  const host = await accounts.createAccount({
    email: `host-${Math.random()}@t.test`,
    password: "pw-123456",
    displayName: "Host",
    role: "host",
    merchantId: merchant.id,
  });
  const product = await catalog.createProduct({ merchantId: merchant.id, title: "Thing", description: "", imageUrl: "", price: 1000, currency: "EUR" });
  const show = await shows.createShow({
    merchantId: merchant.id,
    hostAccountId: host.id,
    slug: `s-${Math.random().toString(36).slice(2, 10)}`,
    title: "Show",
    commissionRateBp: opts.commissionBp ?? 1000,
  });
  return { outbox, clock, bus, db, accounts, catalog, shows, offers, commissions, orders, merchant, host, product, show };
}

export function orderBody(offerId: string, overrides: Partial<CreateOrderBody> = {}): CreateOrderBody {
  return {
    offerId,
    quantity: 1,
    buyer: { name: "Ada Buyer", email: "ada@example.com" },
    shipping: { name: "Ada Buyer", line1: "Hauptstr. 1", postalCode: "10115", city: "Berlin", country: "DE" },
    payment: { method: "test_card", number: TEST_CARD_OK },
    ...overrides,
  };
}
