import type { GameKind, SavedBuyerDetails } from "../../protocol/api.js";
import type { Envelope } from "../../protocol/realtime.js";
import { lazyComponent } from "../platform/lazy.js";
import type { BuyerAccount } from "../buyers/useBuyer.js";

// Each game's panel (and its texts) loads only once the show has that game.
const AuctionPanel = lazyComponent(() => import("./AuctionCard.js").then((m) => m.AuctionPanel));
const GiveawayPanel = lazyComponent(() => import("./GiveawayPanel.js").then((m) => m.GiveawayPanel));
const PollPanel = lazyComponent(() => import("./PollPanel.js").then((m) => m.PollPanel));
const MysteryPanel = lazyComponent(() => import("./MysteryPanel.js").then((m) => m.MysteryPanel));
const CouponPanel = lazyComponent(() => import("./CouponDrop.js").then((m) => m.CouponPanel));

export interface GamePanelsProps {
  showId: string;
  /** Games the show has: ShowView.games at load, plus any whose first event the page has seen since. */
  games: ReadonlySet<GameKind>;
  account: BuyerAccount | null | undefined;
  saved: SavedBuyerDetails | null;
  /** The page's room events; returns an unsubscribe function. */
  subscribe(fn: (ev: Envelope) => void): () => void;
  onCouponClaimed(code: string | null): void;
  onAgeConfirmed(ok: boolean): void;
  /** Grows whenever a checkout closes: coupon and mystery panels re-read what the buyer holds. */
  refreshKey: number;
}

/**
 * The show's games (auctions, giveaways, polls, mystery pools, coupon drops), loaded after the page's first paint so
 * the player, offer and chat come first; each panel mounts once its game exists.
 */
export function GamePanels(p: GamePanelsProps) {
  const games = p.games;
  return (
    <>
      {games.has("giveaway") && <GiveawayPanel showId={p.showId} account={p.account} subscribe={p.subscribe} />}
      {games.has("poll") && <PollPanel showId={p.showId} account={p.account} subscribe={p.subscribe} />}
      {games.has("coupon") && (
        <CouponPanel showId={p.showId} account={p.account} subscribe={p.subscribe} onClaimed={p.onCouponClaimed} refreshKey={p.refreshKey} />
      )}
      {games.has("mystery") && (
        <MysteryPanel showId={p.showId} account={p.account} subscribe={p.subscribe} onAgeConfirmed={p.onAgeConfirmed} refreshKey={p.refreshKey} />
      )}
      {games.has("auction") && <AuctionPanel showId={p.showId} account={p.account} saved={p.saved} subscribe={p.subscribe} />}
    </>
  );
}
