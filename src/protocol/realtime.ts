import type { OfferView, ShowStatus, StudioStats } from "./api.js";

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
  "offer.pinned": { offer: OfferView };
  "offer.unpinned": { offerId: string };
  "offer.updated": { offerId: string; remaining: number };
  "offer.ended": { offerId: string; reason: "expired" | "sold_out" | "closed" };
  "viewers.counted": { viewers: number };
  "show.status": { status: ShowStatus };
  "stats.updated": StudioStats;
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
}

// Frames on the wire: a server frame is either a hello/snapshot or a batch of events.
export type ServerFrame =
  | { t: "hello"; d: { epoch: string; seq: number; resumed: boolean } }
  | { t: "snapshot"; d: Snapshot }
  | { t: "batch"; d: Envelope[] }
  | { t: "error"; d: { code: string; message: string } }
  | { t: "pong"; d: { at: number } };

// Client → server commands (imperative names).
export type ClientCommand = { t: "chat.send"; d: { text: string } } | { t: "ping"; d?: unknown };
