import { createHash, createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { type FairnessCrypto, fromHex, subtleFairnessCrypto } from "./fairness.js";
import { chiSquare, displayOdds, drawMysteryUnit, itemForTicket, oddsProblem } from "./mystery-draw.js";

const nodeCrypto: FairnessCrypto = {
  sha256: async (d) => new Uint8Array(createHash("sha256").update(d).digest()),
  hmacSha256: async (k, m) => new Uint8Array(createHmac("sha256", k).update(m).digest()),
};

// χ² critical values at p = 0.001 (a correct draw fails a fixed-seed run of this test with probability 0.1 %).
const CHI2_999 = { 2: 13.816, 4: 18.467, 5: 20.515 } as const;

const POOL = [
  { id: "gold", oddsBp: 50 },
  { id: "silver", oddsBp: 450 },
  { id: "bag", oddsBp: 1500 },
  { id: "mug", oddsBp: 2500 },
  { id: "socks", oddsBp: 2500 },
  { id: "sticker", oddsBp: 3000 },
];

async function simulate(items: typeof POOL, draws: number, seedHex: string): Promise<number[]> {
  const seed = fromHex(seedHex);
  const counts = items.map(() => 0);
  const index = new Map(items.map((i, n) => [i.id, n]));
  for (let d = 0; d < draws; d++) {
    const { item } = await drawMysteryUnit(seed, `ord_sim_${d}`, d % 3, items, nodeCrypto);
    counts[index.get(item.id) as number]++;
  }
  return counts;
}

describe("mystery draw", () => {
  it("accepts odds of exactly 10 000 basis points and explains anything else", () => {
    expect(oddsProblem(POOL)).toBeNull();
    expect(
      oddsProblem([
        { id: "a", oddsBp: 5000 },
        { id: "b", oddsBp: 4999 },
      ]),
    ).toMatch(/sum to 10000.*9999/);
    expect(
      oddsProblem([
        { id: "a", oddsBp: 5000 },
        { id: "b", oddsBp: 5001 },
      ]),
    ).toMatch(/10001/);
    expect(
      oddsProblem([
        { id: "a", oddsBp: 10_000 },
        { id: "b", oddsBp: 0 },
      ]),
    ).toMatch(/at least 1/);
    expect(
      oddsProblem([
        { id: "a", oddsBp: 5000.5 },
        { id: "b", oddsBp: 4999.5 },
      ]),
    ).toMatch(/whole/);
    expect(
      oddsProblem([
        { id: "a", oddsBp: 5000 },
        { id: "a", oddsBp: 5000 },
      ]),
    ).toMatch(/once/);
    expect(oddsProblem([{ id: "a", oddsBp: 10_000 }])).toMatch(/at least 2/);
  });

  it("maps tickets onto cumulative odds in pool order", () => {
    const items = [
      { id: "a", oddsBp: 1 },
      { id: "b", oddsBp: 9_998 },
      { id: "c", oddsBp: 1 },
    ];
    expect(itemForTicket(items, 0).id).toBe("a");
    expect(itemForTicket(items, 1).id).toBe("b");
    expect(itemForTicket(items, 9_998).id).toBe("b");
    expect(itemForTicket(items, 9_999).id).toBe("c");
    expect(() => itemForTicket(items, 10_000)).toThrow();
  });

  it("renormalises proportionally and shows odds that still sum to 10 000", () => {
    const left = POOL.filter((i) => i.id !== "sticker"); // 7 000 bp remain
    const shown = displayOdds(left);
    expect(shown.reduce((s, i) => s + i.oddsBp, 0)).toBe(10_000);
    // 50/7000 = 71.43 bp, 450/7000 = 642.86, 1500/7000 = 2142.86, 2500/7000 = 3571.43 (twice)
    expect(shown.map((i) => i.oddsBp)).toEqual([72, 643, 2143, 3571, 3571]); // the .43 tie goes to the earlier item
    expect(displayOdds([{ id: "x", oddsBp: 3 }])).toEqual([{ id: "x", oddsBp: 10_000 }]);
  });

  it("is the documented HMAC of the order hash, reproducible from the seed, the same in Node and WebCrypto", async () => {
    const seed = fromHex("ab".repeat(32));
    const a = await drawMysteryUnit(seed, "ord_123", 1, POOL, nodeCrypto);
    const b = await drawMysteryUnit(seed, "ord_123", 1, POOL, subtleFairnessCrypto());
    expect(b).toEqual(a);
    const orderHash = createHash("sha256").update("ord_123").digest();
    const block = createHmac("sha256", seed)
      .update(Buffer.concat([orderHash, Buffer.from([0, 0, 0, 1]), Buffer.from([0, 0, 0, 0])]))
      .digest("hex");
    expect(a.hmac).toBe(block);
    expect(a.ticket).toBe(Number(BigInt(`0x${block}`) % 10_000n));
    expect(a.item).toBe(itemForTicket(POOL, a.ticket));
    // Another unit of the same order is another draw.
    expect((await drawMysteryUnit(seed, "ord_123", 2, POOL, nodeCrypto)).hmac).not.toBe(a.hmac);
  });

  it("matches the published odds over 100 000 simulated draws (χ², 5 degrees of freedom)", async () => {
    const counts = await simulate(POOL, 100_000, "5e".repeat(32));
    const chi = chiSquare(
      counts,
      POOL.map((i) => i.oddsBp),
    );
    expect(chi).toBeLessThan(CHI2_999[5]);
    // The same counts are far off any other odds: the test can tell.
    const skewed = [100, 400, 1500, 2500, 2500, 3000];
    expect(chiSquare(counts, skewed)).toBeGreaterThan(CHI2_999[5] * 5);
    // The rarest item (0.5 %) shows up about 500 times.
    expect(counts[0]).toBeGreaterThan(400);
    expect(counts[0]).toBeLessThan(600);
  });

  it("matches the renormalised odds when items ran out (χ² over 100 000 draws)", async () => {
    const left = POOL.filter((i) => i.id !== "sticker" && i.id !== "mug");
    const counts = await simulate(left, 100_000, "c3".repeat(32));
    expect(
      chiSquare(
        counts,
        left.map((i) => i.oddsBp),
      ),
    ).toBeLessThan(CHI2_999[4]);
    expect(counts[0] / 100_000).toBeCloseTo(50 / 4500, 2);
  });
});
