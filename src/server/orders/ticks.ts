import { type Transaction, sql } from "kysely";
import { GroupCommit } from "../platform/group-commit.js";
import type { OrdersTables } from "./schema.js";
import type { OrdersDb } from "./store.js";

type Tx = Transaction<OrdersTables>;
interface Item {
  work: (tx: Tx) => Promise<unknown>;
  /** Refuses the item before any statement of its own (e.g. an offer known to be sold out). */
  check?: () => void;
}

/**
 * Group commit for the orders' short transactions, as auctions do for bids: a flash sale's holds of one offer, the
 * confirmations of one show. Work queued under a key runs in the key's next tick, all of it in one transaction, each
 * item in its own savepoint, so one item's refusal (sold out, over the limit) or failed statement (a duplicate
 * idempotency key) undoes only its own writes; each item runs the statements it would run alone. A tick of one item is
 * a plain transaction (no savepoint): a lone order costs what it did before. Answers go out after the commit, never for
 * a write that could still roll back; if the commit fails, every item of the tick gets its error.
 */
export class OrderTicks {
  readonly #ticks: GroupCommit<Item, unknown>;

  constructor(
    private readonly db: OrdersDb,
    /** Bounds one transaction (and how long it keeps an offer's row lock). */
    maxPerTick = 200,
  ) {
    this.#ticks = new GroupCommit((_key, items) => this.#commit(items), maxPerTick);
  }

  run<T>(key: string, work: (tx: Tx) => Promise<T>, check?: () => void): Promise<T> {
    return this.#ticks.submit(key, { work, ...(check ? { check } : {}) }) as Promise<T>;
  }

  async #commit(items: Item[]): Promise<unknown[]> {
    if (items.length === 1) {
      const only = items[0]!;
      only.check?.();
      return [await this.db.transaction().execute((tx) => only.work(tx))];
    }
    return this.db.transaction().execute(async (tx) => {
      const out: unknown[] = [];
      for (const item of items) {
        try {
          item.check?.();
        } catch (err) {
          out.push(asError(err));
          continue;
        }
        await sql`savepoint order_tick`.execute(tx);
        try {
          out.push(await item.work(tx));
          await sql`release savepoint order_tick`.execute(tx);
        } catch (err) {
          await sql`rollback to savepoint order_tick`.execute(tx);
          await sql`release savepoint order_tick`.execute(tx);
          out.push(asError(err));
        }
      }
      return out;
    });
  }
}

const asError = (err: unknown): Error => (err instanceof Error ? err : new Error(String(err)));
