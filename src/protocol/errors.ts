// Every error code the API can answer with, its HTTP status and default message.
// docs/api.md lists the same table; a test keeps the two in step.
export const errorCodes = {
  invalid_body: { status: 400, message: "The request body is not valid." },
  invalid_json: { status: 400, message: "The request body is not valid JSON." },
  invalid_query: { status: 400, message: "The query string is not valid." },
  idempotency_key_required: { status: 400, message: "This request needs an Idempotency-Key header." },
  invalid_signature: { status: 400, message: "The webhook signature is not valid." },
  unauthenticated: { status: 401, message: "Sign in first." },
  invalid_credentials: { status: 401, message: "Email or password is wrong." },
  payment_declined: { status: 402, message: "The payment was declined." },
  forbidden: { status: 403, message: "You may not do that." },
  not_found: { status: 404, message: "Not found." },
  method_not_allowed: { status: 405, message: "Method not allowed." },
  sold_out: { status: 409, message: "Sold out." },
  offer_not_active: { status: 409, message: "This offer is not on sale right now." },
  idempotency_in_progress: { status: 409, message: "A request with this Idempotency-Key is still running." },
  conflict: { status: 409, message: "The resource changed; try again." },
  insufficient_stock: { status: 409, message: "Not enough stock of this variant." },
  hold_expired: { status: 409, message: "The reservation ran out; the units are back on sale." },
  limit_exceeded: { status: 409, message: "You have reached the limit per buyer for this offer." },
  bid_too_low: { status: 409, message: "The bid is below the minimum next bid." },
  auction_closed: { status: 409, message: "This auction is not taking bids (ended, cancelled or not started)." },
  cannot_bid_own_show: { status: 403, message: "The show's hosts and the merchant's staff cannot bid in its auctions." },
  already_entered: { status: 409, message: "You have already entered this giveaway." },
  giveaway_closed: { status: 409, message: "This giveaway is not taking entries." },
  not_eligible: { status: 403, message: "You are not eligible for this giveaway." },
  already_voted: { status: 409, message: "You have already voted in this poll." },
  poll_closed: { status: 409, message: "This poll is not open for votes." },
  coupon_expired: { status: 409, message: "This coupon has expired." },
  coupon_exhausted: { status: 409, message: "This coupon has been claimed as often as it may be." },
  coupon_already_used: { status: 409, message: "You have already used this coupon." },
  coupon_invalid: { status: 422, message: "There is no such coupon for this show." },
  already_publishing: { status: 409, message: "This show already has a publisher (OBS or another browser)." },
  body_too_large: { status: 413, message: "The request body is too large." },
  unsupported_media_type: { status: 415, message: "Send JSON (Content-Type: application/json)." },
  idempotency_mismatch: { status: 422, message: "This Idempotency-Key was used with a different request." },
  rate_limited: { status: 429, message: "Too many requests; slow down." },
  chat_slow_mode: { status: 429, message: "Slow mode is on: wait a little before your next message." },
  chat_muted: { status: 403, message: "You are timed out of this chat for a while." },
  chat_banned: { status: 403, message: "You may not chat in this shop's shows." },
  chat_buyers_only: { status: 403, message: "Only buyers of this shop can chat right now." },
  chat_blocked_word: { status: 422, message: "Your message contains a word that is not allowed here." },
  chat_link_blocked: { status: 422, message: "Links are not allowed in this chat." },
  internal: { status: 500, message: "Something went wrong on our side." },
  unavailable: { status: 503, message: "Temporarily unavailable." },
  payment_pending: { status: 503, message: "The payment provider has not confirmed the payment yet; the units stay reserved." },
} as const;

export type ErrorCode = keyof typeof errorCodes;

export interface ErrorBody {
  error: { code: ErrorCode; message: string; details?: unknown };
}
