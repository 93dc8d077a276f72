import { describe, expect, it } from "vitest";
import { Mutex } from "./pglite-driver.js";

describe("the PGlite connection's mutex", () => {
  it("gives the connection to one holder at a time, in the order they asked", async () => {
    const mutex = new Mutex();
    let holding = 0;
    let most = 0;
    const order: number[] = [];
    await Promise.all(
      Array.from({ length: 50 }, async (_, i) => {
        const release = await mutex.lock();
        holding++;
        most = Math.max(most, holding);
        order.push(i);
        // Some holders await I/O while holding, as a transaction awaits its statements.
        if (i % 3 === 0) await new Promise((r) => setTimeout(r, 1));
        holding--;
        release();
      }),
    );
    expect(most).toBe(1);
    expect(order).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it("hands over on a later turn each time while no sliced work runs (what group commit lives on)", async () => {
    const mutex = new Mutex(() => null);
    const seen: string[] = [];
    await Promise.all(
      Array.from({ length: 3 }, async (_, i) => {
        const release = await mutex.lock();
        if (i === 0) setImmediate(() => seen.push("other work"));
        seen.push(`holder ${i}`);
        release();
      }),
    );
    expect(seen).toEqual(["holder 0", "other work", "holder 1", "holder 2"]);
  });

  it("hands over within the releasing turn while sliced work runs and the turn is inside its budget", async () => {
    const mutex = new Mutex(() => 1_000);
    const seen: string[] = [];
    const holders = Array.from({ length: 10 }, async (_, i) => {
      const release = await mutex.lock();
      if (i === 0) setImmediate(() => seen.push("other work"));
      seen.push(`holder ${i}`);
      release();
    });
    await Promise.all(holders);
    await new Promise((r) => setImmediate(r));
    // All ten ran in the first holder's turn: the work queued for the next turn came after them.
    expect(seen.indexOf("other work")).toBe(10);
  });

  it("lets the next turn's work in once a turn has used up its budget", async () => {
    let now = 0; // the mutex's clock: each holder's transaction takes 3 ms of it
    const mutex = new Mutex(
      () => 4,
      () => now,
    );
    const seen: string[] = [];
    const holders = Array.from({ length: 4 }, async (_, i) => {
      const release = await mutex.lock();
      if (i === 0) setImmediate(() => seen.push("other work"));
      seen.push(`holder ${i}`);
      now += 3; // two such transactions exceed the 4 ms budget
      release();
    });
    await Promise.all(holders);
    // Holder 0 started the turn and holder 1 still fit (3 ms < 4 ms); holder 2 waited for the next turn, after the
    // work queued meanwhile.
    expect(seen).toEqual(["holder 0", "holder 1", "other work", "holder 2", "holder 3"]);
  });
});
