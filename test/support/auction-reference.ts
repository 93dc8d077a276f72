/**
 * The proxy-bidding rules of docs/api.md written plainly, from the whole table of maxima rather than from the running
 * state that applyBid and the ticks keep: each bidder's highest maximum and when they reached it; the leader is the
 * highest maximum (equal: reached first); the price is the start price with one bidder, else the second-highest
 * maximum + increment capped at the highest; a leader raising their own maximum leaves the price alone. A new bid
 * must reach price + increment (the first: the start price; the leader: above their own maximum too).
 */
export function referenceAuction(startPrice: number, increment: number) {
  const best = new Map<string, { max: number; order: number }>();
  let price = startPrice;
  let order = 0;
  const ranked = () => [...best.entries()].sort((x, y) => y[1].max - x[1].max || x[1].order - y[1].order);
  return {
    bid(accountId: string, max: number): { ok: true; price: number; leaderId: string } | { ok: false; minimum: number } {
      const top = ranked()[0];
      const raising = top?.[0] === accountId;
      const minimum = !top ? startPrice : raising ? Math.max(top[1].max + 1, price + increment) : price + increment;
      if (max < minimum) return { ok: false, minimum };
      const mine = best.get(accountId);
      if (!mine || max > mine.max) best.set(accountId, { max, order: order++ });
      const now = ranked();
      if (top && !raising) price = Math.min(now[0]![1].max, now[1]![1].max + increment);
      return { ok: true, price, leaderId: now[0]![0] };
    },
    get state() {
      return { price, leaderId: ranked()[0]?.[0] ?? null };
    },
  };
}
