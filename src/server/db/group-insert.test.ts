import { describe, expect, it } from "vitest";
import { GroupInsert } from "./group-insert.js";

describe("GroupInsert", () => {
  it("writes the first row at once and groups the rows that arrive while a write is in flight", async () => {
    const writes: number[][] = [];
    const g = new GroupInsert<number>(async (rows) => {
      writes.push(rows);
      await new Promise((r) => setTimeout(r, 5));
    });
    await Promise.all(Array.from({ length: 10 }, (_, i) => g.add(i)));
    expect(writes[0]).toEqual([0]);
    expect(writes[1]).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(writes).toHaveLength(2);
  });

  it("splits groups at maxRows", async () => {
    const writes: number[][] = [];
    const g = new GroupInsert<number>(async (rows) => void writes.push(rows), 3);
    await Promise.all(Array.from({ length: 8 }, (_, i) => g.add(i)));
    expect(writes.flat()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(Math.max(...writes.map((w) => w.length))).toBeLessThanOrEqual(3);
  });

  it("retries a failed group row by row, so only the bad row's caller fails", async () => {
    const stored: number[] = [];
    const g = new GroupInsert<number>(async (rows) => {
      await new Promise((r) => setTimeout(r, 1));
      if (rows.includes(13)) throw new Error("bad row");
      stored.push(...rows);
    });
    const results = await Promise.allSettled([1, 2, 13, 4].map((n) => g.add(n)));
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "fulfilled", "rejected", "fulfilled"]);
    expect(stored.sort()).toEqual([1, 2, 4]);
  });
});
