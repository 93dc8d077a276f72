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

/** Waits until no statement has run for 150 ms: the outbox marks relayed rows after commit, on its own schedule. */
async function settled(counter: StatementCounter): Promise<void> {
  for (let i = 0; i < 40; i++) {
    const before = counter.count;
    await new Promise((r) => setTimeout(r, 150));
    if (counter.count === before) return;
  }
}

describe.each(backends)("order statements on %s", (backend) => {
  let handle: DbHandle;
  afterEach(async () => handle?.close());

  // The hot path: a warmed-up one-tap order (show and offer caches filled) runs a fixed number of statements, counted
  // once the outbox has marked its events relayed (that happens after commit, on the outbox's schedule, so counting
  // before it settles gave 19–21 on PostgreSQL). PostgreSQL differs: the idempotency key set is not authoritative
  // there (several nodes), and the outbox relays differently.
  // On PostgreSQL the relay's marking still varies by batching (19 or 21 in repeated runs): an upper bound there.
  // One of them reads the offers' titles for the confirmation email, which names what was bought (issue #14).
  const expected = backend === "pglite" ? 21 : 22;
  it(`places a one-tap order in ${backend === "pglite" ? "" : "at most "}${expected} statements`, async () => {
    handle = await openTestDb(backend);
    const counter = new StatementCounter();
    const f = await commerceFixture({ ...handle, db: handle.db.withPlugin(counter) });
    const offer = await f.offers.create(f.show.id, f.product, { showPrice: 799, quantity: 10, durationSeconds: 600, pin: true });
    await f.orders.placeOrder(orderBody(offer.id), "warm-up");
    await settled(counter);
    counter.count = 0;
    const { order } = await f.orders.placeOrder(orderBody(offer.id, { buyer: { name: "B", email: "b@example.com" } }), "counted");
    expect(order.status).toBe("paid");
    await settled(counter);
    if (backend === "pglite") expect(counter.count).toBe(expected);
    else expect(counter.count).toBeLessThanOrEqual(expected);
  });
});
