import type { OfferView, ShowStatus } from "../../protocol/api.js";
import type { ChatPosted, Envelope, ServerEvents, Snapshot } from "../../protocol/realtime.js";
import { isStaleStock } from "../../protocol/stock.js";

export const CHAT_HISTORY_LIMIT = 200;

/** What a page knows about a live room; rebuilt from a snapshot and advanced by events. */
export interface RoomState {
  status: ShowStatus;
  viewers: number;
  offers: OfferView[];
  /** The show's line-up offers on sale, in line-up order (the shop tab's order; absent before the first snapshot). */
  lineupOrder?: string[];
  chat: ChatPosted[];
  /** Messages the server left out of a busy room's frame (`chat.trimmed`), by the id of the message they came before. */
  chatSkipped?: ReadonlyMap<string, number>;
  /** The latest batch of reactions (seq tells two equal batches apart), for the floating animation. */
  reactions?: { seq: number; counts: ServerEvents["reactions.counted"]["counts"] };
}

export function roomFromSnapshot(s: Snapshot): RoomState {
  return { status: s.status, viewers: s.viewers, offers: s.offers, lineupOrder: s.lineup, chat: s.chat.slice(-CHAT_HISTORY_LIMIT) };
}

function hasMessage(state: RoomState, id: string): boolean {
  // Newest first: a repeat is one of the last few.
  for (let i = state.chat.length - 1; i >= 0; i--) if (state.chat[i]!.id === id) return true;
  return false;
}

function mapOffer(state: RoomState, offerId: string, fn: (o: OfferView) => OfferView): OfferView[] {
  return state.offers.map((o) => (o.id === offerId ? fn(o) : o));
}

export function applyRoomEvent(state: RoomState, ev: Envelope): RoomState {
  switch (ev.t as keyof ServerEvents) {
    // A joining client's snapshot is read after its seq is taken, so a message posted meanwhile is in the snapshot and
    // arrives again as an event: once is enough. Likewise a marker before a message the snapshot already had (what it
    // counts was in the snapshot too).
    case "chat.posted": {
      const msg = ev.d as ServerEvents["chat.posted"];
      if (hasMessage(state, msg.id)) return state;
      const chat = state.chat.length >= CHAT_HISTORY_LIMIT ? state.chat.slice(1) : state.chat.slice();
      chat.push(msg);
      return { ...state, chat };
    }
    case "chat.trimmed": {
      const { skipped, before } = ev.d as ServerEvents["chat.trimmed"];
      if (hasMessage(state, before)) return state;
      // The list keeps the last CHAT_HISTORY_LIMIT messages; markers of messages long gone are let go with them.
      return { ...state, chatSkipped: new Map([...[...(state.chatSkipped ?? [])].slice(-CHAT_HISTORY_LIMIT), [before, skipped]]) };
    }
    case "offer.pinned": {
      const { offer } = ev.d as ServerEvents["offer.pinned"];
      // One pinned offer at a time: pinning one unpins the rest.
      const others = state.offers.filter((o) => o.id !== offer.id).map((o) => (o.pinned ? { ...o, pinned: false } : o));
      return { ...state, offers: [...others, { ...offer, pinned: true }] };
    }
    case "offer.opened": {
      const { offer } = ev.d as ServerEvents["offer.opened"];
      // Read after its commit, so a figure of it may have arrived first: the newer stock figure stays.
      const known = state.offers.find((o) => o.id === offer.id);
      if (known && isStaleStock(known.stockVersion, offer.stockVersion)) return state;
      return withOffer(state, known ? { ...offer, pinned: known.pinned } : offer);
    }
    case "lineup.changed":
      return { ...state, lineupOrder: (ev.d as ServerEvents["lineup.changed"]).offerIds };
    case "offer.unpinned": {
      const { offerId } = ev.d as ServerEvents["offer.unpinned"];
      return { ...state, offers: mapOffer(state, offerId, (o) => ({ ...o, pinned: false })) };
    }
    case "offer.updated": {
      const { offerId, remaining, version } = ev.d as ServerEvents["offer.updated"];
      // The server's stream only ever sends newer figures, but a snapshot (or an API answer) may be newer than an event
      // still in flight across a reconnect: the protocol's one rule keeps the newer figure.
      return {
        ...state,
        offers: mapOffer(state, offerId, (o) => (isStaleStock(o.stockVersion, version) ? o : { ...o, remaining, stockVersion: version ?? o.stockVersion })),
      };
    }
    case "offer.ended": {
      const { offerId, reason } = ev.d as ServerEvents["offer.ended"];
      // Kept (not removed) so a pinned card can say "sold out"/"ended" until the host pins something else.
      return {
        ...state,
        offers: mapOffer(state, offerId, (o) => ({
          ...o,
          status: "ended",
          remaining: reason === "sold_out" ? 0 : o.remaining,
        })),
      };
    }
    case "viewers.counted":
      return { ...state, viewers: (ev.d as ServerEvents["viewers.counted"]).viewers };
    case "show.status":
      return { ...state, status: (ev.d as ServerEvents["show.status"]).status };
    case "reactions.counted":
      return { ...state, reactions: { seq: ev.seq, counts: (ev.d as ServerEvents["reactions.counted"]).counts } };
    default:
      return state;
  }
}

/** Merges an offer from an API response; the events that follow (higher seq) still have the last word. */
export function withOffer(state: RoomState, offer: OfferView): RoomState {
  const others = state.offers.filter((o) => o.id !== offer.id);
  return {
    ...state,
    offers: [...(offer.pinned ? others.map((o) => (o.pinned ? { ...o, pinned: false } : o)) : others), offer],
  };
}

export function pinnedOffer(state: RoomState): OfferView | undefined {
  return state.offers.find((o) => o.pinned);
}
