import { createHash, createHmac, randomBytes } from "node:crypto";
import { type FairnessCrypto, commitmentOf, toHex } from "../../protocol/fairness.js";

/** The fairness primitives of src/protocol/fairness.ts on Node's crypto (the browser's verifier uses WebCrypto). */
export const nodeFairnessCrypto: FairnessCrypto = {
  sha256: async (d) => new Uint8Array(createHash("sha256").update(d).digest()),
  hmacSha256: async (k, m) => new Uint8Array(createHmac("sha256", k).update(m).digest()),
};

export const randomSeed = (): Uint8Array => new Uint8Array(randomBytes(32));

/**
 * Commit-reveal: a game stores the seed and shows only its SHA-256 (the commitment) until it reveals the seed, so
 * anyone can check afterwards that the draw used the seed committed before the first entry or sale.
 */
export async function commitSeed(
  seed: Uint8Array,
  sha256: FairnessCrypto["sha256"] = nodeFairnessCrypto.sha256,
): Promise<{ seedHex: string; commitment: string }> {
  if (seed.length !== 32) throw new Error("a game seed must be 32 bytes");
  return { seedHex: toHex(seed), commitment: await commitmentOf(seed, sha256) };
}
