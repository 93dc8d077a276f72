import type { AuctionView, OfferView, ShowStatus, StudioStats } from "./api.js";

// Server → client envelope. `seq` grows by one per event within an `epoch` of the room.
export interface Envelope<T extends string = string, D = unknown> {
  t: T;
  seq: number;
  d: D;
}

export interface ChatPosted {
  id: string;
  author: string;
  role: "viewer" | "host";
  text: string;
  at: string;
}

export interface ServerEvents {
  "chat.posted": ChatPosted;
  /** Reactions of the last tick, counted per emoji (one event per node per tick; clients add them up). */
  "reactions.counted": { counts: Partial<Record<Reaction, number>> };
  "offer.pinned": { offer: OfferView };
  "offer.unpinned": { offerId: string };
  "offer.updated": { offerId: string; remaining: number };
  "offer.ended": { offerId: string; reason: "expired" | "sold_out" | "closed" };
  "viewers.counted": { viewers: number };
  "show.status": { status: ShowStatus };
  "stats.updated": StudioStats;
  /** Units came back for a waitlisted viewer: the one whose entry id hashes to `entryKey` claims them. */
  "waitlist.offered": { offerId: string; entryKey: string };
  /** An auction went live (or a scheduled one was created: status says which). */
  "auction.started": { auction: AuctionView };
  /** An accepted bid: the visible price, the masked leader, and endsAt (a soft close moves it). */
  "auction.bid": { auctionId: string; price: number; minimumBid: number; leader: string; leaderKey: string; bidCount: number; endsAt: string | null; at: string };
  /** A bid in the soft-close window reset the remaining time. */
  "auction.extended": { auctionId: string; endsAt: string };
  /** Bidding ended (`ended`: the timer ran out; `cancelled` by the studio). The winner must pay within the hold. */
  "auction.closed": { auctionId: string; reason: "ended" | "cancelled"; winner: string | null; winnerKey: string | null; price: number | null };
  /** The previous bidder did not pay: the next one (by maximum) is offered it at their own maximum. */
  "auction.offered_next": { auctionId: string; rank: number; bidder: string; bidderKey: string; price: number };
}
export type ServerEventType = keyof ServerEvents;

// Sent once after connect (and after a resume that cannot be served from history).
export interface Snapshot {
  epoch: string;
  seq: number;
  status: ShowStatus;
  viewers: number;
  offers: OfferView[];
  chat: ChatPosted[];
  /** Auctions of the show still running or waiting for the winner's payment. */
  auctions?: AuctionView[];
}

/** Bumped on incompatible changes to frames or events; sent in `hello`. */
export const PROTOCOL_VERSION = 1;

// Frames on the wire: a server frame is either a hello/snapshot or a batch of events.
export type ServerFrame =
  | { t: "hello"; d: { v: typeof PROTOCOL_VERSION; epoch: string; seq: number; resumed: boolean } }
  | { t: "snapshot"; d: Snapshot }
  | { t: "batch"; d: Envelope[] }
  | { t: "error"; d: { code: string; message: string } }
  | { t: "pong"; d: { at: number } }
  /** The server is going away (draining): reconnect after `afterMs`, resuming from the last seq. */
  | { t: "reconnect"; d: { afterMs: number } };

// Client → server commands (imperative names).
/** The reactions a viewer can send; anything else is refused. */
export const REACTIONS = ["❤️", "🔥", "😂", "😮", "👏"] as const;
export type Reaction = (typeof REACTIONS)[number];

export type ClientCommand = { t: "chat.send"; d: { text: string } } | { t: "reaction.send"; d: { emoji: Reaction } } | { t: "ping"; d?: unknown };
