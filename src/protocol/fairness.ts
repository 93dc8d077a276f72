// Provably fair draws (giveaways, mystery items). One implementation for the server and the browser: the crypto
// primitives are passed in, so Node (node:crypto) and the verification page (WebCrypto) run the same arithmetic.
//
// The draw, precisely (docs/api.md "Provably fair draws" says the same):
//   commitment  = hex(SHA-256(seed))                          seed: 32 random bytes, published as hex at the draw
//   list        = entrant ids sorted by UTF-16 code units (JS default sort), joined with "\n", UTF-8 encoded
//   listHash    = SHA-256(list)
//   block(r, c) = HMAC-SHA256(key = seed, msg = listHash ‖ u32be(r) ‖ u32be(c))      r = round, c = counter 0,1,2…
//   x           = block read as a 256-bit big-endian unsigned integer
//   drawIndex   = x mod n for the first c with x < floor(2^256 / n) · n  (rejection sampling: no modulo bias)
//   winners     = round r draws drawIndex(n − r) over the sorted list with earlier winners removed (no repeats).

export type Sha256 = (data: Uint8Array) => Promise<Uint8Array>;
export type HmacSha256 = (key: Uint8Array, msg: Uint8Array) => Promise<Uint8Array>;

export interface FairnessCrypto {
  sha256: Sha256;
  hmacSha256: HmacSha256;
}

const TWO_256 = 1n << 256n;
/** A draw that needs more counters than this means the primitives are broken (chance of a reject < n / 2^256). */
const MAX_COUNTER = 1024;

function u32be(n: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, n >>> 0, false);
  return out;
}

function concatBytes(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export function bytesToBigInt(bytes: Uint8Array): bigint {
  let x = 0n;
  for (const b of bytes) x = (x << 8n) | BigInt(b);
  return x;
}

export function toHex(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += b.toString(16).padStart(2, "0");
  return s;
}

export function fromHex(hex: string): Uint8Array {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) throw new Error("not a hex string");
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** Index in [0, n) for one round of a draw; uniform because blocks at or above the largest multiple of n are rejected. */
export async function drawIndex(seed: Uint8Array, listHash: Uint8Array, n: number, round: number, hmac: HmacSha256): Promise<number> {
  if (!Number.isInteger(n) || n < 1) throw new Error("drawIndex needs n >= 1");
  const bigN = BigInt(n);
  const limit = (TWO_256 / bigN) * bigN;
  for (let counter = 0; counter < MAX_COUNTER; counter++) {
    const block = await hmac(seed, concatBytes(listHash, u32be(round), u32be(counter)));
    const x = bytesToBigInt(block);
    if (x < limit) return Number(x % bigN);
  }
  throw new Error("drawIndex: no block below the rejection limit (broken HMAC?)");
}

/** The canonical entrant list: ids sorted by code units, one per line, no trailing newline. */
export function canonicalEntrantList(ids: readonly string[]): string {
  return sortedEntrants(ids).join("\n");
}

export function sortedEntrants(ids: readonly string[]): string[] {
  return [...ids].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

export async function entrantListHash(ids: readonly string[], sha256: Sha256): Promise<Uint8Array> {
  return sha256(new TextEncoder().encode(canonicalEntrantList(ids)));
}

export async function commitmentOf(seed: Uint8Array, sha256: Sha256): Promise<string> {
  return toHex(await sha256(seed));
}

/** Winners in draw order (round 0 first). `count` is capped at the number of entrants. */
export async function drawWinners(
  seed: Uint8Array,
  entrantIds: readonly string[],
  count: number,
  crypto: FairnessCrypto,
): Promise<{ listHash: Uint8Array; winners: string[]; indexes: number[] }> {
  const remaining = sortedEntrants(entrantIds);
  const listHash = await entrantListHash(entrantIds, crypto.sha256);
  const winners: string[] = [];
  const indexes: number[] = [];
  const rounds = Math.min(count, remaining.length);
  for (let round = 0; round < rounds; round++) {
    const i = await drawIndex(seed, listHash, remaining.length, round, crypto.hmacSha256);
    indexes.push(i);
    winners.push(remaining.splice(i, 1)[0]);
  }
  return { listHash, winners, indexes };
}

/** WebCrypto primitives: the browser's crypto.subtle (also present as globalThis.crypto in Node 20). */
export function subtleFairnessCrypto(subtle: SubtleCrypto = globalThis.crypto.subtle): FairnessCrypto {
  // Copy into a fresh ArrayBuffer so subtle accepts views of shared or offset buffers.
  const buf = (b: Uint8Array): ArrayBuffer => b.slice().buffer as ArrayBuffer;
  return {
    sha256: async (data) => new Uint8Array(await subtle.digest("SHA-256", buf(data))),
    hmacSha256: async (key, msg) => {
      const k = await subtle.importKey("raw", buf(key), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
      return new Uint8Array(await subtle.sign("HMAC", k, buf(msg)));
    },
  };
}
