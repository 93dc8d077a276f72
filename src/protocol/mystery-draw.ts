// Mystery-item draws on top of the shared provably fair draw (fairness.ts). Runs on the server and in the browser.
//
// The draw, precisely (docs/api.md "Mystery items" says the same):
//   commitment  = hex(SHA-256(seed)), published when the pool opens; the seed (32 bytes, hex) is revealed when it closes
//   orderHash   = SHA-256(UTF-8(order id))
//   ticket      = drawIndex(seed, orderHash, n = Σ weight of the items in stock, round = unit index)   (fairness.ts:
//                 HMAC-SHA256(seed, orderHash ‖ u32be(unit) ‖ u32be(counter)), rejection sampling, no modulo bias)
//   item        = the first item, in pool order, whose cumulative weight exceeds the ticket
// An item's weight is its published odds in basis points. Items that ran out are left out, so the others keep their
// proportions: renormalisation is proportional (chance = bp / Σ bp of the items still in stock), with no rounding.
import { type FairnessCrypto, drawIndex, toHex } from "./fairness.js";

export const ODDS_TOTAL_BP = 10_000;
export const MAX_POOL_ITEMS = 50;

export interface OddsItem {
  id: string;
  oddsBp: number;
}

/** Why these odds cannot be published, or null: whole basis points ≥ 1 each, unique ids, summing to exactly 10 000. */
export function oddsProblem(items: readonly OddsItem[]): string | null {
  if (items.length < 2) return "a pool needs at least 2 items";
  if (items.length > MAX_POOL_ITEMS) return `at most ${MAX_POOL_ITEMS} items`;
  if (new Set(items.map((i) => i.id)).size !== items.length) return "each item once";
  if (items.some((i) => !Number.isInteger(i.oddsBp) || i.oddsBp < 1)) return "odds are whole basis points, at least 1";
  const sum = items.reduce((s, i) => s + i.oddsBp, 0);
  if (sum !== ODDS_TOTAL_BP) return `odds must sum to 10000 basis points (100 %), not ${sum}`;
  return null;
}

/**
 * The odds to show for the items still in stock: each bp × 10 000 / Σ bp, rounded by largest remainder (ties go to
 * the earlier item) so the shown numbers sum to exactly 10 000. Display only: the draw uses the exact weights.
 */
export function displayOdds(inStock: readonly OddsItem[]): OddsItem[] {
  const total = inStock.reduce((s, i) => s + i.oddsBp, 0);
  if (total === 0) return [];
  const raw = inStock.map((i, idx) => {
    const exact = i.oddsBp * ODDS_TOTAL_BP;
    return { id: i.id, floor: Math.floor(exact / total), rem: exact % total, idx };
  });
  let left = ODDS_TOTAL_BP - raw.reduce((s, r) => s + r.floor, 0);
  const byRemainder = [...raw].sort((a, b) => b.rem - a.rem || a.idx - b.idx);
  const bonus = new Set<number>();
  for (const r of byRemainder) {
    if (left-- <= 0) break;
    bonus.add(r.idx);
  }
  return raw.map((r) => ({ id: r.id, oddsBp: r.floor + (bonus.has(r.idx) ? 1 : 0) }));
}

/** The item a ticket in [0, Σ weight) lands on: cumulative weights in pool order. */
export function itemForTicket<T extends OddsItem>(inStock: readonly T[], ticket: number): T {
  let acc = 0;
  for (const item of inStock) {
    acc += item.oddsBp;
    if (ticket < acc) return item;
  }
  throw new Error(`ticket ${ticket} is outside the pool's total weight ${acc}`);
}

export interface MysteryDraw<T extends OddsItem> {
  item: T;
  /** Uniform in [0, Σ weight): the value the item was picked with. */
  ticket: number;
  /** The HMAC block the ticket was taken from (hex), for the audit log. */
  hmac: string;
}

/** One unit's draw. `inStock` is the pool's items still in stock, in pool order, weighted by their published bp. */
export async function drawMysteryUnit<T extends OddsItem>(
  seed: Uint8Array,
  orderId: string,
  unit: number,
  inStock: readonly T[],
  crypto: FairnessCrypto,
): Promise<MysteryDraw<T>> {
  const total = inStock.reduce((s, i) => s + i.oddsBp, 0);
  if (total < 1) throw new Error("no item in stock");
  const orderHash = await crypto.sha256(new TextEncoder().encode(orderId));
  // Keep the block drawIndex accepted (its last call), so the audit stores exactly what the ticket came from.
  let last: Uint8Array = new Uint8Array();
  const hmac = async (k: Uint8Array, m: Uint8Array) => {
    last = await crypto.hmacSha256(k, m);
    return last;
  };
  const ticket = await drawIndex(seed, orderHash, total, unit, hmac);
  return { item: itemForTicket(inStock, ticket), ticket, hmac: toHex(last) };
}

/**
 * Pearson's χ² statistic of observed counts against expected probabilities (weights, any scale). Used by the fairness
 * test over 100 000 simulated draws; with k items it has k − 1 degrees of freedom.
 */
export function chiSquare(observed: readonly number[], weights: readonly number[]): number {
  const n = observed.reduce((s, x) => s + x, 0);
  const w = weights.reduce((s, x) => s + x, 0);
  let chi = 0;
  for (let i = 0; i < observed.length; i++) {
    const expected = (n * weights[i]) / w;
    chi += (observed[i] - expected) ** 2 / expected;
  }
  return chi;
}
