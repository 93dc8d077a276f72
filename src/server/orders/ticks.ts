import { type Transaction, sql } from "kysely";
import { GroupCommit } from "../platform/group-commit.js";
import type { OrdersTables } from "./schema.js";
import type { OrdersDb } from "./store.js";

type Tx = Transaction<OrdersTables>;
interface Item {
  work: (tx: Tx) => Promise<unknown>;
  /** Refuses the item before any statement of its own (e.g. an offer known to be sold out). */
  check?: () => void;
  together?: SetWise<unknown>;
}

/**
 * The set-wise form of a tick's work: `run` decides all the items' inputs in one transaction of its own, with one
 * statement per table for the whole tick where it can (one stock UPDATE, one multi-row INSERT of orders, of history
 * rows, of outbox rows), and answers one result or Error per input (an Error only for an item it refused without a
 * write of its own). If it throws, nothing of it was committed and the tick runs again item by item (`work`, each in
 * its savepoint): the exact answers in every case the set-wise form does not cover (the last units, a duplicate key,
 * a subscriber's refusal).
 */
export interface SetWise<P> {
  run: (inputs: P[]) => Promise<unknown[]>;
  input: P;
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

  /** How many ticks of several items went set-wise, and how many of those ran again item by item (for the bench and tests). */
  readonly stats = { setWise: 0, fellBack: 0 };

  run<T>(key: string, work: (tx: Tx) => Promise<T>, check?: () => void, together?: SetWise<unknown>): Promise<T> {
    return this.#ticks.submit(key, { work, ...(check ? { check } : {}), ...(together ? { together } : {}) }) as Promise<T>;
  }

  async #commit(items: Item[]): Promise<unknown[]> {
    const run = items[0]?.together?.run;
    if (items.length > 1 && run && items.every((i) => i.together?.run === run)) return this.#setWise(items, run);
    return this.#itemByItem(items);
  }

  async #setWise(items: Item[], run: SetWise<unknown>["run"]): Promise<unknown[]> {
    const out: unknown[] = new Array(items.length);
    const open: number[] = [];
    items.forEach((item, i) => {
      try {
        item.check?.();
        open.push(i);
      } catch (err) {
        out[i] = asError(err);
      }
    });
    if (open.length < 2) {
      const rest = await this.#itemByItem(open.map((i) => items[i]!));
      for (const [k, i] of open.entries()) out[i] = rest[k];
      return out;
    }
    this.stats.setWise++;
    let results: unknown[];
    try {
      results = await run(open.map((i) => items[i]!.together!.input));
    } catch {
      this.stats.fellBack++;
      results = await this.#itemByItem(open.map((i) => items[i]!));
    }
    for (const [k, i] of open.entries()) out[i] = results[k];
    return out;
  }

  async #itemByItem(items: Item[]): Promise<unknown[]> {
    if (items.length === 0) return [];
    if (items.length === 1) {
      const only = items[0]!;
      try {
        only.check?.();
        return [await this.db.transaction().execute((tx) => only.work(tx))];
      } catch (err) {
        return [asError(err)];
      }
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
