import type { KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs, QueryResult, RootOperationNode, UnknownRow } from "kysely";
import { afterEach, describe, expect, it } from "vitest";
import { backends, openTestDb } from "../../../test/support/db.js";
import { commerceFixture, orderBody } from "../../../test/support/fixtures.js";
import type { DbHandle } from "../db/index.js";

/** Counts the SQL statements Kysely runs (transaction BEGIN/COMMIT are not statements of ours and not counted). */
class StatementCounter implements KyselyPlugin {
  count = 0;
  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    this.count++;
    return args.node;
  }
  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return args.result;
  }
}

describe.each(backends)("order statements on %s", (backend) => {
  let handle: DbHandle;
  afterEach(async () => handle?.close());

  // The hot path: a warmed-up one-tap order (show and offer caches filled) runs a fixed number of statements. PostgreSQL
  // runs more: the idempotency key set is not authoritative there (several nodes), and the outbox relays differently.
  const expected = backend === "pglite" ? 16 : 20;
  it(`places a one-tap order in ${expected} statements`, async () => {
    handle = await openTestDb(backend);
    const counter = new StatementCounter();
    const f = await commerceFixture({ ...handle, db: handle.db.withPlugin(counter) });
    const offer = await f.offers.create(f.show.id, f.product, { showPrice: 799, quantity: 10, durationSeconds: 600, pin: true });
    await f.orders.placeOrder(orderBody(offer.id), "warm-up");
    counter.count = 0;
    const { order } = await f.orders.placeOrder(orderBody(offer.id, { buyer: { name: "B", email: "b@example.com" } }), "counted");
    expect(order.status).toBe("paid");
    expect(counter.count).toBe(expected);
  });
});
