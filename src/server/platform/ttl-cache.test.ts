import { describe, expect, it } from "vitest";
import { ManualClock } from "./clock.js";
import { TtlCache } from "./ttl-cache.js";

describe("TtlCache", () => {
  it("loads once per ttl per key, shares a load in flight, forgets failures and deleted keys", async () => {
    const clock = new ManualClock(new Date("2026-11-25T12:00:00Z"));
    const cache = new TtlCache<number>(clock, 1000);
    let loads = 0;
    const load = () => Promise.resolve(++loads);
    expect(await Promise.all([cache.get("a", load), cache.get("a", load)])).toEqual([1, 1]);
    clock.advance(999);
    expect(await cache.get("a", load)).toBe(1);
    clock.advance(1);
    expect(await cache.get("a", load)).toBe(2);
    cache.delete("a");
    expect(await cache.get("a", load)).toBe(3);
    await expect(cache.get("b", () => Promise.reject(new Error("down")))).rejects.toThrow("down");
    await Promise.resolve();
    expect(await cache.get("b", load)).toBe(4);
  });
});
