import type { Account } from "../../src/server/accounts/index.js";
import type { Db } from "../../src/server/db/index.js";
import type { Bus, BusTopic } from "../../src/server/platform/bus.js";
import type { Clock } from "../../src/server/platform/clock.js";
import { AppError } from "../../src/server/platform/errors.js";
import { randomId } from "../../src/server/platform/ids.js";

// What the show games' service tests (giveaways, polls, coupons, mystery, auctions) set up alike.

/** "ok", or the error code the promise was refused with. */
export const outcome = (p: Promise<unknown>): Promise<string> =>
  p.then(
    () => "ok",
    (e: unknown) => (e instanceof AppError ? e.code : String(e)),
  );

/**
 * Buyer accounts written straight into the table: hashing a password per account (argon2) would be most of a game
 * test's time. Named `<name> 1`, `<name> 2`, …
 */
export async function insertBuyers(f: { db: Db; clock: Clock }, count: number, name = "Buyer", first = 1): Promise<Account[]> {
  const accounts: Account[] = Array.from({ length: count }, (_, i) => {
    const id = randomId("acc");
    return { id, email: `${id}@buyer.test`, displayName: `${name} ${first + i}`, role: "buyer", merchantId: null };
  });
  if (count === 0) return accounts;
  await f.db
    .insertInto("accounts")
    .values(
      accounts.map((a) => ({
        id: a.id,
        email: a.email,
        password_hash: "-",
        display_name: a.displayName,
        role: "buyer" as const,
        merchant_id: null,
        created_at: f.clock.now(),
      })),
    )
    .execute();
  return accounts;
}

/** A source of one fresh buyer account per call (for tests that make them as they go). */
export function buyerSource(f: { db: Db; clock: Clock }, name: string): () => Promise<Account> {
  let made = 0;
  return async () => (await insertBuyers(f, 1, name, ++made))[0]!;
}

/** Every event of these topics the bus delivers, in order. */
export function recordEvents(bus: Bus, topics: readonly BusTopic[]): { topic: BusTopic; e: unknown }[] {
  const events: { topic: BusTopic; e: unknown }[] = [];
  for (const topic of topics) bus.subscribe(topic, (e) => events.push({ topic, e }));
  return events;
}

/** The topics of the lifecycle events written as outbox rows (bus.publish, one per event of bus.publishMany) that start with `prefix`. */
export async function outboxedTopics(db: Db, prefix: string): Promise<string[]> {
  const rows = await db.selectFrom("outbox").select(["topic", "payload"]).where("topic", "in", ["bus.publish", "bus.publishMany"]).execute();
  return rows
    .flatMap((r) => {
      const p = JSON.parse(r.payload) as { topic: string; events?: unknown[] };
      return r.topic === "bus.publishMany" ? (p.events ?? []).map(() => p.topic) : [p.topic];
    })
    .filter((t) => t.startsWith(prefix));
}
