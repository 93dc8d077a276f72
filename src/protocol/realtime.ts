import type { AuctionView, CommissionShareView, LiveAnalytics, OfferView, ShowStatus, StudioStats } from "./api.js";
import type { CouponView, MysteryPoolView } from "./api.js";
import type { GiveawayView, PollView } from "./api.js";
import type { ErrorCode } from "./errors.js";

// Server → client envelope. `seq` grows by one per event within an `epoch` of the room.
export interface Envelope<T extends string = string, D = unknown> {
  t: T;
  seq: number;
  d: D;
}

export interface ChatPosted {
  id: string;
  author: string;
  role: "viewer" | "host" | "moderator";
  text: string;
  at: string;
  /** Set when the author was signed in (an account the studio can ask on stage); absent for a guest's message. */
  member?: true;
}

/** The host's pinned chat message (one per show). */
export interface ChatPinned {
  id: string;
  text: string;
  author: string;
  at: string;
}

export interface ServerEvents {
  "chat.posted": ChatPosted;
  /**
   * A frame left out `skipped` viewer messages (more than anyone can read in one frame's time); `before` is the id of
   * the next message the frame carries. A resume from history is trimmed the same way.
   */
  "chat.trimmed": { skipped: number; before: string };
  /** Reactions of the last tick, counted per emoji (one event per node per tick; clients add them up). */
  "reactions.counted": { counts: Partial<Record<Reaction, number>> };
  "offer.pinned": { offer: OfferView };
  "offer.unpinned": { offerId: string };
  /** An offer went on sale without being pinned: the shop tab lists it at once. */
  "offer.opened": { offer: OfferView };
  /** The offers on sale that come from the show's line-up, in line-up order (the shop tab's order). */
  "lineup.changed": { offerIds: string[] };
  "offer.updated": { offerId: string; remaining: number; version?: number };
  "offer.ended": { offerId: string; reason: "expired" | "sold_out" | "closed" };
  "viewers.counted": { viewers: number };
  "show.status": { status: ShowStatus };
  "stats.updated": StudioStats;
  /** Studio only, every 10 s: the live chart's last 30 minutes and the pinned offer's funnel (analytics). */
  "analytics.live": LiveAnalytics;
  /** Units came back for a waitlisted viewer: the one whose entry id hashes to `entryKey` claims them. */
  "waitlist.offered": { offerId: string; entryKey: string };
  /** Chat messages removed by a moderator (or by a ban): clients drop them. */
  "chat.deleted": { ids: string[] };
  "chat.pinned": ChatPinned;
  "chat.unpinned": { id: string };
  /** An auction went live (or a scheduled one was created: status says which). */
  "auction.started": { auction: AuctionView };
  /** An accepted bid: the visible price, the masked leader, and endsAt (a soft close moves it). */
  "auction.bid": {
    auctionId: string;
    price: number;
    minimumBid: number;
    leader: string;
    leaderKey: string;
    bidCount: number;
    endsAt: string | null;
    at: string;
  };
  /** A bid in the soft-close window reset the remaining time. */
  "auction.extended": { auctionId: string; endsAt: string };
  /** Bidding ended (`ended`: the timer ran out; `cancelled` by the studio). The winner must pay within the hold. */
  "auction.closed": { auctionId: string; reason: "ended" | "cancelled"; winner: string | null; winnerKey: string | null; price: number | null };
  /** The previous bidder did not pay: the next one (by maximum) is offered it at their own maximum. */
  "auction.offered_next": { auctionId: string; rank: number; bidder: string; bidderKey: string; price: number };
  /** Entries opened; the commitment (sha256 of the still secret seed) is in the view. */
  "giveaway.opened": { giveaway: GiveawayView };
  /** Entry count, coalesced (at most one per show per tick and node). */
  "giveaway.entries": { giveawayId: string; entries: number };
  /** Entries froze; listHash is the SHA-256 of the canonical entrant list. */
  "giveaway.closed": { giveawayId: string; entries: number; listHash: string };
  /** The draw: winners and the revealed seed (anyone can recompute on /verify/giveaway/:id). */
  "giveaway.drawn": { giveawayId: string; winners: { entryId: string; name: string }[]; seed: string; listHash: string };
  "poll.opened": { poll: PollView };
  /** Live counts per option, coalesced per tick; never sent for hidden-result polls. */
  "poll.counted": { pollId: string; counts: Record<string, number>; total: number };
  /** Final result (counts revealed), winner and, for a product poll, the pinned offer. */
  "poll.closed": { poll: PollView };
  /**
   * Studio only: a commission for this show was written; `pending` is the hosts' pending earnings from it (minor
   * units), `split` the same by host.
   */
  "earnings.updated": { pending: number; currency: string; split: CommissionShareView[] };
  /** Studio only: a new chat report is in the moderation queue. */
  "chat.reported": Record<string, never>;
  /** The host dropped a coupon: claim it with one tap until expiresAt (or until maxClaims accounts have). */
  "coupon.dropped": { coupon: CouponView };
  /** Claims so far (the viewer shows how many are left). */
  "coupon.claimed": { couponId: string; claims: number; maxClaims: number | null };
  "coupon.ended": { couponId: string };
  /** A mystery pool opened: items, published odds and the commitment (sha256 of the secret seed). */
  "mystery.opened": { pool: MysteryPoolView };
  /** An item ran out: the odds renormalised over the items left (proportionally), as a new odds version. */
  "mystery.odds": { poolId: string; oddsVersion: number; items: { id: string; currentOddsBp: number; remaining: number }[]; soldOut: boolean };
  /** The pool closed; `seed` is revealed once no hold of it waits for payment (else null: GET the pool later). */
  "mystery.closed": { poolId: string; seed: string | null };
}
export type ServerEventType = keyof ServerEvents;

// Sent once after connect (and after a resume that cannot be served from history).
export interface Snapshot {
  epoch: string;
  seq: number;
  status: ShowStatus;
  viewers: number;
  offers: OfferView[];
  /** Offers from the show's line-up in its order (see lineup.changed); offers made on the fly are not in it. */
  lineup?: string[];
  chat: ChatPosted[];
  /** The host's pinned chat message, if any. */
  pinnedChat?: ChatPinned | null;
  /** Auctions of the show still running or waiting for the winner's payment. */
  auctions?: AuctionView[];
}

/** Bumped on incompatible changes to frames or events; sent in `hello`. */
export const PROTOCOL_VERSION = 1;

/** An error frame's body: `retryAfterMs` on refusals that pass with time (slow mode, timeouts, limits). */
export interface SocketError {
  code: ErrorCode;
  message: string;
  retryAfterMs?: number;
}

// Frames on the wire: a server frame is either a hello/snapshot or a batch of events.
export type ServerFrame =
  | { t: "hello"; d: { v: typeof PROTOCOL_VERSION; epoch: string; seq: number; resumed: boolean } }
  | { t: "snapshot"; d: Snapshot }
  /** `at`: server time (ms) when the batch's oldest event reached the room on this node (absent on a resume replay). */
  | { t: "batch"; at?: number; d: Envelope[] }
  /** Socket refusals use the same catalogue as the REST answers (errors.ts). */
  | { t: "error"; d: SocketError }
  | { t: "pong"; d: { at: number } }
  /** The server is going away (draining): reconnect after `afterMs`, resuming from the last seq. */
  | { t: "reconnect"; d: { afterMs: number } }
  | PersonalFrame;

/**
 * Frames for one signed-in account's sockets in a show's room (every node that holds one), never the room's: no seq,
 * not in its history. A pending one is sent again after every (re)join.
 */
export type PersonalFrame =
  /** The show's host asks this viewer on stage (from the chat); the invite token is fetched on Accept. */
  | { t: "stage.invited"; d: { hostName: string; expiresAt: string } }
  /** The host withdrew that request before it was answered: the page shows the invitation as no longer open. */
  | { t: "stage.withdrawn"; d: Record<string, never> };

// Client → server commands (imperative names).
/** The reactions a viewer can send; anything else is refused. */
export const REACTIONS = ["❤️", "🔥", "😂", "😮", "👏"] as const;
export type Reaction = (typeof REACTIONS)[number];

export type ClientCommand =
  | { t: "chat.send"; d: { text: string } }
  | { t: "chat.report"; d: { messageId: string; reason: "spam" | "abuse" | "scam" | "other" } }
  | { t: "reaction.send"; d: { emoji: Reaction } }
  | { t: "ping"; d?: unknown };
