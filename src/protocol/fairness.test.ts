import { createHash, createHmac, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  type FairnessCrypto,
  canonicalEntrantList,
  commitmentOf,
  drawIndex,
  drawWinners,
  entrantListHash,
  fromHex,
  subtleFairnessCrypto,
  toHex,
} from "./fairness.js";

const nodeCrypto: FairnessCrypto = {
  sha256: async (d) => new Uint8Array(createHash("sha256").update(d).digest()),
  hmacSha256: async (k, m) => new Uint8Array(createHmac("sha256", k).update(m).digest()),
};

describe("provably fair draw", () => {
  it("the commitment is the hex SHA-256 of the seed", async () => {
    const seed = fromHex("00".repeat(32));
    expect(await commitmentOf(seed, nodeCrypto.sha256)).toBe("66687aadf862bd776c8fc18b8e9f8e20089714856ee233b3902a591d0d5f2925");
  });

  it("sorts the entrant list canonically and hashes its UTF-8 lines", async () => {
    expect(canonicalEntrantList(["gve_b", "gve_a", "gve_C"])).toBe("gve_C\ngve_a\ngve_b");
    const h = await entrantListHash(["b", "a"], nodeCrypto.sha256);
    expect(toHex(h)).toBe(createHash("sha256").update("a\nb").digest("hex"));
  });

  it("matches the documented formula for a known vector", async () => {
    const seed = fromHex("11".repeat(32));
    const listHash = await entrantListHash(["e1", "e2", "e3"], nodeCrypto.sha256);
    const msg = Buffer.concat([listHash, Buffer.from([0, 0, 0, 0]), Buffer.from([0, 0, 0, 0])]);
    const x = BigInt(`0x${createHmac("sha256", seed).update(msg).digest("hex")}`);
    // For n = 3 the rejection limit is 2^256 − 1 (3 divides 2^256 − 1), so a reject is practically impossible here.
    expect(await drawIndex(seed, listHash, 3, 0, nodeCrypto.hmacSha256)).toBe(Number(x % 3n));
  });

  it("rejects blocks above the largest multiple of n instead of reducing them (no modulo bias)", async () => {
    // A fake HMAC: all-ones first (2^256 − 1 is above the limit 2^256 − 4 for n = 6), then the value 7.
    let calls = 0;
    const fake = async () => {
      calls++;
      return calls === 1 ? new Uint8Array(32).fill(0xff) : Uint8Array.from({ length: 32 }, (_, i) => (i === 31 ? 7 : 0));
    };
    expect(await drawIndex(new Uint8Array(32), new Uint8Array(32), 6, 0, fake)).toBe(1);
    expect(calls).toBe(2);
  });

  it("Node crypto and WebCrypto give the same winners (the browser recomputes the server's draw)", async () => {
    const subtle = subtleFairnessCrypto();
    for (let t = 0; t < 20; t++) {
      const seed = new Uint8Array(randomBytes(32));
      const ids = Array.from({ length: 1 + t * 7 }, (_, i) => `gve_${i}_${t}`);
      const a = await drawWinners(seed, ids, 3, nodeCrypto);
      const b = await drawWinners(seed, ids, 3, subtle);
      expect(b.winners).toEqual(a.winners);
      expect(toHex(b.listHash)).toBe(toHex(a.listHash));
      expect(await commitmentOf(seed, subtle.sha256)).toBe(await commitmentOf(seed, nodeCrypto.sha256));
    }
  });

  it("never draws the same entrant twice and caps winners at the number of entrants", async () => {
    const seed = new Uint8Array(randomBytes(32));
    const r = await drawWinners(seed, ["a", "b", "c"], 5, nodeCrypto);
    expect(r.winners).toHaveLength(3);
    expect(new Set(r.winners).size).toBe(3);
    expect((await drawWinners(seed, [], 1, nodeCrypto)).winners).toEqual([]);
  });

  it("the winner index is uniform (chi-square over 60,000 simulated draws, n = 12)", async () => {
    const n = 12;
    const draws = 60_000;
    const counts = new Array(n).fill(0);
    const listHash = new Uint8Array(32);
    for (let i = 0; i < draws; i++) {
      const seed = new Uint8Array(randomBytes(32));
      counts[await drawIndex(seed, listHash, n, 0, nodeCrypto.hmacSha256)]++;
    }
    const expected = draws / n;
    const chi2 = counts.reduce((s, c) => s + (c - expected) ** 2 / expected, 0);
    // 11 degrees of freedom: P(χ² > 31.26) = 0.001, so a fair draw fails this about once in a thousand runs.
    expect(chi2).toBeLessThan(31.26);
  });

  it("later rounds are uniform too (chi-square over the second winner, n = 5)", async () => {
    const ids = ["a", "b", "c", "d", "e"];
    const counts: Record<string, number> = { a: 0, b: 0, c: 0, d: 0, e: 0 };
    const draws = 20_000;
    for (let i = 0; i < draws; i++) {
      const r = await drawWinners(new Uint8Array(randomBytes(32)), ids, 2, nodeCrypto);
      counts[r.winners[1]]++;
    }
    const expected = draws / 5;
    const chi2 = Object.values(counts).reduce((s, c) => s + (c - expected) ** 2 / expected, 0);
    // 4 degrees of freedom: P(χ² > 18.47) = 0.001.
    expect(chi2).toBeLessThan(18.47);
  });
});
