import type { Bus } from "../platform/bus.js";

/** How long an owner keeps an auction without renewing: a dead owner's auctions move to another node after this. */
export const OWNER_LEASE_MS = 3000;

/**
 * Which node owns an auction's bids: the holder of a lease on the bus (Redis with several nodes; with one process
 * always this one). The owner renews its lease while bids reach it; a node that forwards a bid and hears nothing
 * forgets the owner and asks again, taking the lease once it has lapsed. Ownership only decides where bids queue:
 * every tick still locks the auction's row, so two nodes that both believe they own it (a lease lapsing during a
 * pause) stay correct, just slower. Lease times are real time (process liveness), not the auction clock.
 */
export class AuctionOwners {
  readonly #known = new Map<string, { node: string; until: number }>();

  constructor(
    private readonly bus: Bus,
    private readonly leaseMs = OWNER_LEASE_MS,
    private readonly now = () => performance.now(),
  ) {}

  get self(): string {
    return this.bus.nodeId;
  }

  /** The owner's node id; taking or renewing the lease at most every third of its length. */
  async ownerOf(auctionId: string): Promise<string> {
    const t = this.now();
    const k = this.#known.get(auctionId);
    if (k && k.until > t) return k.node;
    const node = await this.bus.lease(`auction-owner:${auctionId}`, this.leaseMs);
    if (this.#known.size > 10_000) this.#known.clear();
    this.#known.set(auctionId, { node, until: t + this.leaseMs / 3 });
    return node;
  }

  /** The owner did not answer: ask the bus again next time. */
  forget(auctionId: string): void {
    this.#known.delete(auctionId);
  }
}
