import { coreMessages } from "../i18n/coreText.js";
import { type Message, combineMessages, defineMessages, useMessages } from "../i18n/messages.js";

// The auction card's strings live with the card (a lazily loaded chunk), not in i18n/coreText.ts: a viewer of a show without an
// auction never downloads them, and the viewer's first load stays within its weight budget.
const en = {
  "auction.title": "Live auction",
  "auction.scheduled": "Starting soon — pre-bid now",
  "auction.live": "Live",
  "auction.endsIn": "Ends in {time}",
  "auction.ending": "Going, going…",
  "auction.extended": "+{seconds}s: a late bid extended the auction",
  "auction.startPrice": "Starting bid",
  "auction.currentPrice": "Current bid",
  "auction.leader": { one: "{name} leads · {n} bid", other: "{name} leads · {n} bids" },
  "auction.noBids": "No bids yet",
  "auction.winning": "You're winning (your max: {max})",
  "auction.outbid": "You've been outbid — bid again?",
  "auction.bid": "Bid {amount}",
  "auction.maxLabel": "Your maximum bid",
  "auction.maxHint": "We bid for you up to this amount; it stays secret.",
  "auction.placeMax": "Set max bid",
  "auction.signIn": "Sign in to bid",
  "auction.staff": "Hosts and shop staff cannot bid in their own show.",
  "auction.bidPlaced": "Bid placed.",
  "auction.error.bid_too_low": "Too low: the least you can bid is {amount}.",
  "auction.error.auction_closed": "Bidding has ended.",
  "auction.error.cannot_bid_own_show": "Hosts and shop staff cannot bid in their own show.",
  "auction.error.other": "Your bid did not go through. Please try again.",
  "auction.soldTo": "Won by {name} for {amount}",
  "auction.unsold": "Ended without a sale",
  "auction.cancelled": "The auction was cancelled",
  "auction.youWon": "You won! Pay {amount} before your hold runs out.",
  "auction.offeredYou": "It's yours if you want it: the winner did not pay. Pay {amount} (your maximum) before the hold runs out.",
  "auction.pay": "Pay now",
  "auction.closeWarning": "Closing the checkout passes the item to the next bidder.",
  "auction.sold": "Sold",
};
export type AuctionKey = keyof typeof en;

const de: Record<AuctionKey, Message> = {
  "auction.title": "Live-Auktion",
  "auction.scheduled": "Startet gleich — jetzt vorab bieten",
  "auction.live": "Live",
  "auction.endsIn": "Endet in {time}",
  "auction.ending": "Zum Ersten, zum Zweiten…",
  "auction.extended": "+{seconds} s: ein spätes Gebot hat die Auktion verlängert",
  "auction.startPrice": "Startgebot",
  "auction.currentPrice": "Aktuelles Gebot",
  "auction.leader": { one: "{name} führt · {n} Gebot", other: "{name} führt · {n} Gebote" },
  "auction.noBids": "Noch keine Gebote",
  "auction.winning": "Du bist Höchstbietende*r (dein Maximum: {max})",
  "auction.outbid": "Du wurdest überboten — nochmal bieten?",
  "auction.bid": "{amount} bieten",
  "auction.maxLabel": "Dein Maximalgebot",
  "auction.maxHint": "Wir bieten für dich bis zu diesem Betrag; er bleibt geheim.",
  "auction.placeMax": "Maximalgebot setzen",
  "auction.signIn": "Zum Bieten anmelden",
  "auction.staff": "Hosts und Shop-Team können in ihrer eigenen Show nicht bieten.",
  "auction.bidPlaced": "Gebot abgegeben.",
  "auction.error.bid_too_low": "Zu niedrig: mindestens {amount}.",
  "auction.error.auction_closed": "Die Auktion ist beendet.",
  "auction.error.cannot_bid_own_show": "Hosts und Shop-Team können in ihrer eigenen Show nicht bieten.",
  "auction.error.other": "Dein Gebot ist nicht angekommen. Bitte versuch es nochmal.",
  "auction.soldTo": "Ersteigert von {name} für {amount}",
  "auction.unsold": "Ohne Verkauf beendet",
  "auction.cancelled": "Die Auktion wurde abgebrochen",
  "auction.youWon": "Gewonnen! Bezahle {amount}, bevor deine Reservierung abläuft.",
  "auction.offeredYou": "Du kannst es haben: die Gewinnerin hat nicht bezahlt. Bezahle {amount} (dein Maximum), bevor die Reservierung abläuft.",
  "auction.pay": "Jetzt bezahlen",
  "auction.closeWarning": "Wenn du den Checkout schließt, geht der Artikel an die nächste Person.",
  "auction.sold": "Verkauft",
};

// Keys not found here are the shared ones (and importing them keeps the shared dictionary in one chunk with the helper).
export const auctionMessages = combineMessages(defineMessages(en, de), coreMessages);

export function useAuctionText() {
  return useMessages(auctionMessages);
}
