import type { KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs, QueryResult, RootOperationNode, UnknownRow } from "kysely";
import { afterEach, describe, expect, it } from "vitest";
import { backends, openTestDb } from "../../../test/support/db.js";
import { commerceFixture, orderBody } from "../../../test/support/fixtures.js";
import type { DbHandle } from "../db/index.js";

/** Counts the SQL statements Kysely runs (transaction BEGIN/COMMIT are not statements of ours and not counted). */
class StatementCounter implements KyselyPlugin {
  count = 0;
  /** The outbox's own work after commit (claiming, marking relayed or processed): its batching varies with timing. */
  outboxWork = 0;
  seen: string[] = [];
  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    const node = args.node;
    const tables = [...JSON.stringify(node).matchAll(/"kind":"IdentifierNode","name":"([a-z_]+)"/g)].map((m) => m[1]);
    if (node.kind !== "InsertQueryNode" && tables[0] === "outbox") this.outboxWork++;
    else {
      this.count++;
      this.seen.push(`${node.kind}:${tables[0] ?? "?"}`);
    }
    return args.node;
  }
  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return args.result;
  }
}

/** Waits until no statement has run for 150 ms: the outbox marks relayed rows after commit, on its own schedule. */
async function settled(counter: StatementCounter): Promise<void> {
  for (let i = 0; i < 40; i++) {
    const before = counter.count + counter.outboxWork;
    await new Promise((r) => setTimeout(r, 150));
    if (counter.count + counter.outboxWork === before) return;
  }
}

describe.each(backends)("order statements on %s", (backend) => {
  let handle: DbHandle;
  afterEach(async () => handle?.close());

  // The hot path: a warmed-up one-tap order (show and offer caches filled) runs a fixed number of statements of its
  // own. The outbox's work after commit (claiming and marking relayed or processed rows) is counted apart: its batching
  // follows timing (7 to 9 statements seen, and more on a loaded machine: 24 for the old bound of 22 once), so it was
  // what made the old PostgreSQL figure an upper bound. PostgreSQL reads once more: its idempotency key set is not
  // authoritative (several nodes) and the order's key is looked up.
  const expected = backend === "pglite" ? 17 : 18;
  it(`places a one-tap order in ${expected} statements of its own`, async () => {
    handle = await openTestDb(backend);
    const counter = new StatementCounter();
    const f = await commerceFixture({ ...handle, db: handle.db.withPlugin(counter) });
    const offer = await f.offers.create(f.show.id, f.product, { showPrice: 799, quantity: 10, durationSeconds: 600, pin: true });
    await f.orders.placeOrder(orderBody(offer.id), "warm-up");
    await settled(counter);
    counter.count = 0;
    counter.seen = [];
    const { order } = await f.orders.placeOrder(orderBody(offer.id, { buyer: { name: "B", email: "b@example.com" } }), "counted");
    expect(order.status).toBe("paid");
    await settled(counter);
    expect(counter.count, counter.seen.join(" ")).toBe(expected);
  });
});
