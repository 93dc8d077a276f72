import type { z } from "zod";
import type { ErrorCode } from "../../../protocol/errors.js";
import * as api from "../../../protocol/api.js";
import { embedSettingsBody, oembedQuery } from "../../../protocol/embed.js";
import { createWebhookBody, listWebhooksQuery, webhookDeliveriesQuery } from "../../../protocol/webhooks.js";

/**
 * Who may call a route, as its module's access rule decides (docs/api.md, "Access"). The document derives each
 * operation's 401/403 answers from it.
 */
export type Access =
  | "public"
  | "signed-in"
  | "staff" // the shop's owner or staff, or a platform admin (admin routes take ?merchantId=)
  | "admin" // a platform admin
  | "host" // signed in and managing the show (its host, co-host, the shop's staff, an admin)
  | "host-or-stream-key" // as "host", or the show's stream key as Authorization: Bearer (WHIP encoders such as OBS)
  | "order" // the order's link (access token), the buyer's sign-in or the shop's staff
  | "waitlist-entry" // the entry's token or the sign-in that joined
  | "push-subscription" // the sign-in that made it or its token (a guest's reminder token when subscribing)
  | "link-token" // a token in the path (unsubscribe links)
  | "stripe-signature" // Stripe's Stripe-Signature header
  | "stage-token" // Authorization: Bearer <stage token> of a stage participant (accepting an invite gives it)
  | "metrics-token"; // Authorization: Bearer METRICS_TOKEN

export interface RouteDoc {
  summary: string;
  tag: string;
  access: Access;
  /** The zod schema the handler parses the JSON body with. */
  body?: z.ZodType;
  /** The zod schema the handler parses the query string with. */
  query?: z.ZodType;
  /** The request body's media type when it is not JSON (the body is then a string: a WHIP offer is SDP). */
  consumes?: string;
  /** Error codes the route itself answers with, besides those of its access rule, body and path. */
  errors?: ErrorCode[];
  /** What the answer is when it is not JSON (a page, a playlist, a file, a WebSocket). */
  produces?: string;
  /** The route answers only with this setting (the document lists it anyway). */
  onlyWith?: string;
}

/**
 * Every route the server registers, keyed "METHOD /path" as Fastify holds it (every GET also answers HEAD). The
 * bodies and queries are the protocol's zod schemas the handlers parse with; no response has a zod schema yet (the
 * views are TypeScript interfaces in src/protocol/api), so answers are described by prose only. test/api/openapi
 * checks this table against the routes a running server registers, both ways.
 */
export const routeCatalogue: Record<string, RouteDoc> = {
  // platform
  "GET /api/ping": { summary: "Liveness of the HTTP layer: { ok: true }", tag: "platform", access: "public" },
  "GET /healthz": { summary: "Database and RTMP health; 503 takes the node out of a load balancer", tag: "platform", access: "public" },
  "GET /metrics": {
    summary: "Prometheus metrics",
    tag: "platform",
    access: "metrics-token",
    produces: "text/plain",
    onlyWith: "METRICS_TOKEN (on the main port)",
  },
  "GET /api/openapi.json": { summary: "This document (OpenAPI 3.1, generated from the zod schemas)", tag: "platform", access: "public" },
  "GET /api/docs": { summary: "This document as a readable page", tag: "platform", access: "public", produces: "text/html" },

  // accounts
  "POST /api/auth/login": { summary: "Sign in; sets the session cookie", tag: "accounts", access: "public", body: api.loginBody },
  "POST /api/auth/signup": { summary: "Start a viewer sign-up (emails a confirmation link)", tag: "accounts", access: "public", body: api.signUpBody },
  "POST /api/auth/signup/confirm": { summary: "Confirm a sign-up with the emailed token", tag: "accounts", access: "public", body: api.signUpConfirmBody },
  "POST /api/auth/password-reset": {
    summary: "Ask for a password reset email",
    tag: "accounts",
    access: "public",
    body: api.passwordResetRequestBody,
  },
  "POST /api/auth/password-reset/confirm": {
    summary: "Set a new password with the emailed token",
    tag: "accounts",
    access: "public",
    body: api.passwordResetBody,
  },
  "POST /api/auth/logout": { summary: "End the session", tag: "accounts", access: "public" },
  "GET /api/auth/me": { summary: "The signed-in account (or null)", tag: "accounts", access: "public" },
  "PATCH /api/auth/me": { summary: "Change the account's name or language", tag: "accounts", access: "signed-in", body: api.updateMeBody },
  "POST /api/admin/invites": { summary: "Invite staff or a host by email", tag: "accounts", access: "staff", body: api.inviteBody },
  "GET /api/admin/invites": { summary: "The shop's open invites", tag: "accounts", access: "staff", query: api.adminMerchantQuery },
  "DELETE /api/admin/invites/:inviteId": { summary: "Withdraw an invite", tag: "accounts", access: "staff" },
  "POST /api/auth/invite-info": { summary: "What an invite token is for", tag: "accounts", access: "public", body: api.inviteInfoBody },
  "POST /api/auth/accept-invite": { summary: "Accept an invite and create the account", tag: "accounts", access: "public", body: api.acceptInviteBody },
  "GET /api/auth/setup": { summary: "Whether the install still needs its first shop and admin", tag: "accounts", access: "public" },
  "POST /api/auth/setup": { summary: "First run: create the shop and its owner", tag: "accounts", access: "public", body: api.setupBody },
  "POST /api/auth/verify-email": { summary: "Verify the owner's email with the emailed token", tag: "accounts", access: "public", body: api.verifyEmailBody },
  "GET /api/auth/email-verification": { summary: "Whether the signed-in account's email is verified", tag: "accounts", access: "signed-in" },
  "POST /api/auth/email-verification/resend": { summary: "Send the verification email again", tag: "accounts", access: "signed-in" },

  // mail
  "GET /api/dev/mailbox": { summary: "The emails written to DATA_DIR/mail (local trials only)", tag: "mail", access: "public", onlyWith: "DEV_MAILBOX=1" },
  "GET /dev/mailbox": { summary: "The dev mailbox page", tag: "mail", access: "public", produces: "text/html", onlyWith: "DEV_MAILBOX=1" },

  // catalog
  "GET /api/admin/merchants": { summary: "Every shop (platform admins)", tag: "catalog", access: "admin" },
  "POST /api/admin/merchants": { summary: "Create a shop (platform admins)", tag: "catalog", access: "admin", body: api.shopBody },
  "GET /api/admin/shop": { summary: "The shop's profile", tag: "catalog", access: "staff", query: api.adminMerchantQuery },
  "PATCH /api/admin/shop": { summary: "Change the shop's profile", tag: "catalog", access: "staff", body: api.updateShopBody, query: api.adminMerchantQuery },
  "POST /api/admin/shop/logo": {
    summary: "Upload the shop's logo (image body, resized to WebP)",
    tag: "catalog",
    access: "staff",
    produces: "application/json",
  },
  "GET /media/merchants/:merchantId/:file": { summary: "A shop's logo file", tag: "catalog", access: "public", produces: "image/webp" },
  "GET /api/admin/products": { summary: "The shop's products with variants and stock", tag: "catalog", access: "staff", query: api.adminMerchantQuery },
  "POST /api/admin/products": { summary: "Create a product", tag: "catalog", access: "staff", body: api.createProductBody, query: api.adminMerchantQuery },
  "GET /api/admin/products/:id": { summary: "One product", tag: "catalog", access: "staff" },
  "PATCH /api/admin/products/:id": { summary: "Change a product", tag: "catalog", access: "staff", body: api.updateProductBody },
  "DELETE /api/admin/products/:id": { summary: "Archive a product", tag: "catalog", access: "staff" },
  "POST /api/admin/products/:id/variants": {
    summary: "Add a variant (size, colour…) with its SKU and stock",
    tag: "catalog",
    access: "staff",
    body: api.createVariantBody,
  },
  "PATCH /api/admin/products/:id/variants/:variantId": { summary: "Change a variant", tag: "catalog", access: "staff", body: api.updateVariantBody },
  "DELETE /api/admin/products/:id/variants/:variantId": { summary: "Remove a variant", tag: "catalog", access: "staff" },
  "POST /api/admin/products/:id/image": { summary: "Upload a product picture (image body, 400/800 px WebP)", tag: "catalog", access: "staff" },
  "GET /media/products/:productId/:file": { summary: "A product picture", tag: "catalog", access: "public", produces: "image/webp" },
  "GET /api/admin/sales": { summary: "Per-show units, revenue, refunds and host commission", tag: "catalog", access: "staff", query: api.adminMerchantQuery },
  "GET /api/admin/offers": { summary: "The shop's offers", tag: "catalog", access: "staff", query: api.adminOffersQuery },

  // shows
  "GET /api/admin/hosts": { summary: "The shop's hosts", tag: "shows", access: "staff", query: api.adminMerchantQuery },
  "GET /api/admin/shows": { summary: "The shop's shows", tag: "shows", access: "staff", query: api.adminShowsQuery },
  "POST /api/admin/shows": { summary: "Schedule a show", tag: "shows", access: "staff", body: api.createShowBody, query: api.adminMerchantQuery },
  "GET /api/admin/shows/:showId": { summary: "One show for the admin", tag: "shows", access: "staff" },
  "PATCH /api/admin/shows/:showId": { summary: "Change a scheduled show", tag: "shows", access: "staff", body: api.updateShowBody },
  "POST /api/admin/shows/:showId/cancel": { summary: "Cancel a scheduled show", tag: "shows", access: "staff" },
  "POST /api/admin/shows/:showId/duplicate": {
    summary: "Copy a show (line-up included) to a new date",
    tag: "shows",
    access: "staff",
    body: api.duplicateShowBody,
  },
  "POST /api/admin/shows/:showId/cover": { summary: "Upload a show's cover (image body)", tag: "shows", access: "staff" },
  "GET /media/shows/:showId/:file": { summary: "A show's cover picture", tag: "shows", access: "public", produces: "image/webp" },
  "GET /api/shows": { summary: "Live, upcoming and recent shows", tag: "shows", access: "public" },
  "GET /api/shows/:idOrSlug": { summary: "A show for its viewers (offers, status, playback)", tag: "shows", access: "public" },
  "GET /api/discover": { summary: "Live now, upcoming and replays: search, categories, pages", tag: "shows", access: "public", query: api.discoverQuery },
  "GET /api/studio/shows/:showId": { summary: "A show for its studio", tag: "shows", access: "host" },
  "POST /api/studio/shows/:showId/stream-key/reveal": { summary: "Reveal the RTMP stream key", tag: "shows", access: "host" },
  "POST /api/studio/shows/:showId/stream-key/rotate": { summary: "Revoke the stream key and make a new one", tag: "shows", access: "host" },

  // the stage: co-hosts and guests (studio: the show's managers; participants: their stage token)
  "GET /api/studio/shows/:showId/stage": { summary: "Who is on the stage, waiting or invited, and the program's layout", tag: "stage", access: "host" },
  "POST /api/studio/shows/:showId/stage/invites": {
    summary: "A single-use, expiring invite link to the stage",
    tag: "stage",
    access: "host",
    body: api.stageInviteBody,
  },
  "POST /api/studio/shows/:showId/stage/requests": {
    summary: "Ask a chat message's signed-in author on stage",
    tag: "stage",
    access: "host",
    body: api.stageRequestBody,
  },
  "POST /api/studio/shows/:showId/stage/participants/:participantId/bring-on": {
    summary: "Bring a waiting participant on stage",
    tag: "stage",
    access: "host",
  },
  "POST /api/studio/shows/:showId/stage/participants/:participantId/take-off": {
    summary: "Take a participant off stage (back to waiting)",
    tag: "stage",
    access: "host",
  },
  "POST /api/studio/shows/:showId/stage/participants/:participantId/mute": {
    summary: "Mute or unmute a participant in the program",
    tag: "stage",
    access: "host",
    body: api.stageMuteBody,
  },
  "PUT /api/studio/shows/:showId/stage/layout": {
    summary: "Switch the program's layout (host only, side by side, picture-in-picture)",
    tag: "stage",
    access: "host",
    body: api.stageLayoutBody,
  },
  "POST /api/studio/shows/:showId/stage/whip": {
    summary: "The host publishes to the stage by WHIP (SDP offer in, answer out); the program goes live",
    tag: "stage",
    access: "host",
    produces: "application/sdp",
  },
  "DELETE /api/studio/shows/:showId/stage/whip": { summary: "The host stops publishing to the stage", tag: "stage", access: "host" },
  "POST /api/studio/shows/:showId/stage/feeds/:participantId": {
    summary: "Watch a participant's camera (receive-only SDP offer in, answer out)",
    tag: "stage",
    access: "host",
    produces: "application/sdp",
  },
  "GET /api/shows/:showId/stage/invitation": { summary: "The signed-in viewer's open request to come on stage, if any", tag: "stage", access: "signed-in" },
  "DELETE /api/shows/:showId/stage/invitation": {
    summary: "Decline the host's request to come on stage (the studio shows it as declined)",
    tag: "stage",
    access: "signed-in",
    errors: ["not_found"],
  },
  "POST /api/stage/accept": {
    summary: "Accept a stage invite: the participant and its stage token",
    tag: "stage",
    access: "signed-in",
    body: api.stageAcceptBody,
  },
  "GET /api/shows/:showId/stage/room": { summary: "The stage as its participant sees it", tag: "stage", access: "stage-token" },
  "POST /api/shows/:showId/stage/whip": {
    summary: "A participant publishes camera and microphone by WHIP",
    tag: "stage",
    access: "stage-token",
    produces: "application/sdp",
  },
  "DELETE /api/shows/:showId/stage/whip": { summary: "A participant leaves the stage", tag: "stage", access: "stage-token" },
  "POST /api/shows/:showId/stage/feeds/:participantId": {
    summary: "A participant watches another (receive-only SDP offer in, answer out)",
    tag: "stage",
    access: "stage-token",
    produces: "application/sdp",
  },

  // offers and line-up
  "POST /api/studio/shows/:showId/offers": { summary: "Create an offer in the show", tag: "offers", access: "host", body: api.createOfferBody },
  "POST /api/studio/offers/:offerId/pin": { summary: "Pin an offer (with price, quantity, duration)", tag: "offers", access: "host", body: api.pinOfferBody },
  "POST /api/studio/offers/:offerId/end": { summary: "End an offer", tag: "offers", access: "host" },
  "GET /api/shows/:idOrSlug/lineup": { summary: "The show's line-up preview", tag: "offers", access: "public" },
  "GET /api/studio/shows/:showId/lineup": { summary: "The show's line-up", tag: "offers", access: "host" },
  "POST /api/studio/shows/:showId/lineup": { summary: "Add an item to the line-up", tag: "offers", access: "host", body: api.addLineupItemBody },
  "PUT /api/studio/shows/:showId/lineup/order": { summary: "Reorder the line-up", tag: "offers", access: "host", body: api.reorderLineupBody },
  "POST /api/studio/shows/:showId/lineup/pin-next": { summary: "Pin the next line-up item", tag: "offers", access: "host" },
  "POST /api/studio/shows/:showId/lineup/open": { summary: "Put line-up items on sale unpinned", tag: "offers", access: "host", body: api.openLineupBody },
  "POST /api/studio/shows/:showId/lineup/:itemId/pin": { summary: "Pin one line-up item", tag: "offers", access: "host" },
  "DELETE /api/studio/shows/:showId/lineup/:itemId": { summary: "Remove a line-up item", tag: "offers", access: "host" },

  // orders
  "POST /api/orders": { summary: "Buy an offer (Idempotency-Key header required)", tag: "orders", access: "public", body: api.createOrderBody },
  "POST /api/orders/bag": { summary: "Buy a bag of offers of one show in one payment", tag: "orders", access: "public", body: api.createBagOrderBody },
  "POST /api/orders/:orderId/pay": { summary: "Pay a held order", tag: "orders", access: "order", body: api.payOrderBody },
  "POST /api/orders/:orderId/cancel": { summary: "Give a held order's units back", tag: "orders", access: "order" },
  "GET /api/orders/:orderId": { summary: "An order with its history", tag: "orders", access: "order" },
  "GET /api/me/orders": { summary: "The signed-in buyer's orders", tag: "orders", access: "signed-in" },
  "GET /api/admin/orders": { summary: "The shop's orders", tag: "orders", access: "staff", query: api.adminOrdersQuery },
  "GET /api/admin/orders.csv": { summary: "The shop's orders as CSV", tag: "orders", access: "staff", query: api.adminOrdersQuery, produces: "text/csv" },
  "GET /api/admin/orders/:orderId": { summary: "One order with lines and history", tag: "orders", access: "staff" },
  "POST /api/admin/orders/:orderId/fulfil": { summary: "Ship an order (carrier, tracking number)", tag: "orders", access: "staff", body: api.fulfilOrderBody },
  "POST /api/admin/orders/:orderId/deliver": { summary: "Mark an order delivered", tag: "orders", access: "staff" },
  "POST /api/admin/orders/:orderId/refund": { summary: "Refund some or all units", tag: "orders", access: "staff", body: api.refundOrderBody },
  "GET /api/admin/orders/:orderId/packing-slip": { summary: "An order's packing slip", tag: "orders", access: "staff", produces: "text/html" },

  // payments and buyers
  "GET /api/payments/config": { summary: "The payment provider and Stripe's publishable key", tag: "payments", access: "public" },
  "POST /api/payments/stripe/webhook": {
    summary: "Stripe's payment_intent events",
    tag: "payments",
    access: "stripe-signature",
    onlyWith: "STRIPE_WEBHOOK_SECRET",
  },
  "GET /api/me/checkout-details": { summary: "The buyer's saved address and card", tag: "buyers", access: "signed-in" },
  "POST /api/me/address": { summary: "Save the shipping address", tag: "buyers", access: "signed-in", body: api.shippingSchema },
  "POST /api/me/payment-method": {
    summary: "Save a card (provider token; brand and last 4 kept)",
    tag: "buyers",
    access: "signed-in",
    body: api.savePaymentMethodBody,
  },
  "POST /api/me/payment-method/setup": { summary: "Start saving a card with Stripe (SetupIntent)", tag: "buyers", access: "signed-in" },
  "DELETE /api/me/payment-method": { summary: "Forget the saved card", tag: "buyers", access: "signed-in" },

  // waitlist
  "POST /api/offers/:offerId/waitlist": { summary: "Join a sold-out offer's waitlist", tag: "waitlist", access: "public", body: api.joinWaitlistBody },
  "GET /api/waitlist/:entryId": { summary: "A waitlist entry and its claim", tag: "waitlist", access: "waitlist-entry" },
  "POST /api/waitlist/:entryId/leave": { summary: "Leave the waitlist", tag: "waitlist", access: "waitlist-entry" },

  // commissions
  "GET /api/admin/commission-rules": { summary: "The shop's current commission rules", tag: "commissions", access: "staff", query: api.adminMerchantQuery },
  "POST /api/admin/commission-rules": {
    summary: "Publish a new version of the commission rules",
    tag: "commissions",
    access: "staff",
    body: api.commissionRulesBody,
    query: api.adminMerchantQuery,
  },
  "GET /api/admin/commission-rules/:version": { summary: "One version of the rules", tag: "commissions", access: "staff", query: api.adminMerchantQuery },
  "DELETE /api/admin/commission-rules": {
    summary: "Withdraw the rules (back to the default)",
    tag: "commissions",
    access: "staff",
    query: api.adminMerchantQuery,
  },
  "GET /api/admin/shows/:showId/hosts": { summary: "A show's co-hosts and splits", tag: "commissions", access: "staff" },
  "PUT /api/admin/shows/:showId/hosts": { summary: "Set a show's co-hosts and splits", tag: "commissions", access: "staff", body: api.showHostsBody },
  "GET /api/admin/payout-settings": { summary: "The shop's payout settings", tag: "commissions", access: "staff", query: api.adminMerchantQuery },
  "PUT /api/admin/payout-settings": {
    summary: "Set the shop's payout settings",
    tag: "commissions",
    access: "staff",
    body: api.merchantPayoutSettingsBody,
    query: api.adminMerchantQuery,
  },
  "GET /api/admin/payouts": { summary: "Payout batches", tag: "commissions", access: "staff", query: api.adminMerchantQuery },
  "POST /api/admin/payouts": { summary: "Run a payout now", tag: "commissions", access: "staff", body: api.runPayoutBody, query: api.adminMerchantQuery },
  "GET /api/admin/payouts/batches/:batchId/pain.001.xml": {
    summary: "A batch as a SEPA credit transfer file",
    tag: "commissions",
    access: "staff",
    query: api.painExportQuery,
    produces: "application/xml",
  },
  "GET /api/earnings": { summary: "The host's balances and entries", tag: "commissions", access: "signed-in" },
  "PUT /api/earnings/payout-account": { summary: "The host's payout account (IBAN)", tag: "commissions", access: "signed-in", body: api.payoutAccountBody },
  "GET /api/earnings/statements/:file": {
    summary: "A monthly statement (CSV or PDF)",
    tag: "commissions",
    access: "signed-in",
    query: api.statementQuery,
    produces: "text/csv, application/pdf",
  },
  "GET /api/studio/shows/:showId/share-link": { summary: "The host's attributed share link", tag: "commissions", access: "host" },
  "GET /api/shows/:idOrSlug/share": {
    summary: "The link the show page's share sheet passes on (a signed-in host's carries their share code)",
    tag: "commissions",
    access: "public",
  },
  "GET /api/studio/shows/:showId/earnings": { summary: "The show's live earnings", tag: "commissions", access: "host" },

  // webhooks
  "GET /api/admin/webhooks": { summary: "The shop's webhook endpoints", tag: "webhooks", access: "staff", query: listWebhooksQuery },
  "POST /api/admin/webhooks": { summary: "Add an endpoint (its secret is shown once)", tag: "webhooks", access: "staff", body: createWebhookBody },
  "DELETE /api/admin/webhooks/:endpointId": { summary: "Remove an endpoint", tag: "webhooks", access: "staff" },
  "POST /api/admin/webhooks/:endpointId/secret/reveal": { summary: "Reveal the signing secret", tag: "webhooks", access: "staff" },
  "POST /api/admin/webhooks/:endpointId/secret/rotate": { summary: "Make a new signing secret", tag: "webhooks", access: "staff" },
  "POST /api/admin/webhooks/:endpointId/deliveries/:deliveryId/retry": { summary: "Send a delivery again", tag: "webhooks", access: "staff" },
  "GET /api/admin/webhooks/:endpointId/deliveries": {
    summary: "Deliveries and their attempts",
    tag: "webhooks",
    access: "staff",
    query: webhookDeliveriesQuery,
  },

  // push, follows, notifications
  "GET /api/push/vapid-key": { summary: "The server's VAPID public key", tag: "push", access: "public" },
  "POST /api/push/subscriptions": { summary: "Register a browser's push subscription", tag: "push", access: "push-subscription", body: api.pushSubscribeBody },
  "DELETE /api/push/subscriptions/:subscriptionId": { summary: "Remove a push subscription", tag: "push", access: "push-subscription" },
  "GET /push/sw.js": { summary: "The push service worker", tag: "push", access: "public", produces: "text/javascript" },
  "GET /api/follows/:target/:targetId": { summary: "Whether the viewer follows a host or shop", tag: "follows", access: "signed-in" },
  "PUT /api/follows/:target/:targetId": { summary: "Follow a host or shop", tag: "follows", access: "signed-in" },
  "DELETE /api/follows/:target/:targetId": { summary: "Unfollow", tag: "follows", access: "signed-in" },
  "GET /api/shops/:slug": { summary: "A shop's public page: name, logo, followers", tag: "follows", access: "public" },
  "GET /api/hosts/:id": { summary: "A host's public page: name, followers", tag: "follows", access: "public" },
  "GET /api/studio/shows/:showId/followers": { summary: "Follower counts of the show's host and shop", tag: "follows", access: "host" },
  "GET /api/admin/followers": { summary: "The shop's follower count", tag: "follows", access: "staff", query: api.adminMerchantQuery },
  "POST /api/shows/:idOrSlug/reminders": {
    summary: "Remind me (a guest's email, or the account)",
    tag: "notifications",
    access: "public",
    body: api.remindBody,
  },
  "GET /api/shows/:idOrSlug/reminder": { summary: "The account's reminder for the show", tag: "notifications", access: "signed-in" },
  "DELETE /api/shows/:idOrSlug/reminder": { summary: "Cancel the account's reminder", tag: "notifications", access: "signed-in" },
  "GET /api/shows/:idOrSlug/calendar.ics": { summary: "The show as a calendar file", tag: "notifications", access: "public", produces: "text/calendar" },
  "POST /api/unsubscribe": { summary: "End a subscription by its emailed token", tag: "notifications", access: "link-token", body: api.unsubscribeBody },
  "POST /api/unsubscribe/:token": { summary: "One-click unsubscribe (RFC 8058 List-Unsubscribe-Post)", tag: "notifications", access: "link-token" },

  // games: auctions
  "POST /api/studio/shows/:showId/auctions": { summary: "Create an auction", tag: "auctions", access: "host", body: api.createAuctionBody },
  "GET /api/studio/shows/:showId/auctions": { summary: "The show's auctions", tag: "auctions", access: "host" },
  "GET /api/shows/:showId/auctions": { summary: "The show's auctions for viewers", tag: "auctions", access: "public" },
  "POST /api/studio/auctions/:auctionId/start": { summary: "Start an auction", tag: "auctions", access: "host" },
  "POST /api/studio/auctions/:auctionId/cancel": { summary: "Cancel an auction", tag: "auctions", access: "host" },
  "GET /api/studio/auctions/:auctionId/events": { summary: "An auction's audit log", tag: "auctions", access: "host" },
  "GET /api/auctions/:auctionId": { summary: "An auction's state", tag: "auctions", access: "public" },
  "POST /api/auctions/:auctionId/bids": { summary: "Bid (an amount or a secret maximum)", tag: "auctions", access: "signed-in", body: api.placeBidBody },
  "POST /api/auctions/:auctionId/pre-bids": { summary: "Bid before the auction starts", tag: "auctions", access: "signed-in", body: api.placeBidBody },

  // games: giveaways
  "POST /api/studio/shows/:showId/giveaways": { summary: "Create a giveaway (seed sealed)", tag: "giveaways", access: "host", body: api.createGiveawayBody },
  "GET /api/studio/shows/:showId/giveaways": { summary: "The show's giveaways", tag: "giveaways", access: "host" },
  "GET /api/shows/:showId/giveaways/current": { summary: "The show's current giveaway", tag: "giveaways", access: "public" },
  "POST /api/studio/giveaways/:giveawayId/open": { summary: "Open for entries", tag: "giveaways", access: "host" },
  "POST /api/studio/giveaways/:giveawayId/close": { summary: "Close entries", tag: "giveaways", access: "host" },
  "POST /api/studio/giveaways/:giveawayId/draw": { summary: "Draw the winners", tag: "giveaways", access: "host" },
  "GET /api/studio/giveaways/:giveawayId/audit": { summary: "The giveaway's audit log", tag: "giveaways", access: "host" },
  "GET /api/giveaways/:giveawayId/verification": { summary: "What anyone needs to re-run the draw", tag: "giveaways", access: "public" },
  "POST /api/giveaways/:giveawayId/entries": { summary: "Enter", tag: "giveaways", access: "signed-in", body: api.enterGiveawayBody },
  "GET /api/giveaways/:giveawayId/entries/me": { summary: "The viewer's entry", tag: "giveaways", access: "signed-in" },

  // games: polls
  "POST /api/studio/shows/:showId/polls": { summary: "Create a poll", tag: "polls", access: "host", body: api.createPollBody },
  "GET /api/studio/shows/:showId/polls": { summary: "The show's polls", tag: "polls", access: "host" },
  "GET /api/shows/:showId/polls/current": { summary: "The show's current poll", tag: "polls", access: "public" },
  "POST /api/studio/polls/:pollId/open": { summary: "Open a poll", tag: "polls", access: "host" },
  "POST /api/studio/polls/:pollId/close": { summary: "Close a poll", tag: "polls", access: "host" },
  "GET /api/studio/polls/:pollId/audit": { summary: "The poll's audit log", tag: "polls", access: "host" },
  "POST /api/polls/:pollId/votes": { summary: "Vote", tag: "polls", access: "signed-in", body: api.votePollBody },
  "GET /api/polls/:pollId/votes/me": { summary: "The viewer's vote", tag: "polls", access: "signed-in" },

  // games: coupons
  "POST /api/studio/shows/:showId/coupons": { summary: "Drop a coupon", tag: "coupons", access: "host", body: api.dropCouponBody },
  "GET /api/studio/shows/:showId/coupons": { summary: "The show's coupons", tag: "coupons", access: "host" },
  "GET /api/shows/:showId/coupons": { summary: "The show's claimable coupons", tag: "coupons", access: "public" },
  "POST /api/studio/coupons/:couponId/end": { summary: "End a coupon drop", tag: "coupons", access: "host" },
  "POST /api/shows/:showId/coupons/claim": { summary: "Claim a coupon", tag: "coupons", access: "signed-in", body: api.claimCouponBody },
  "GET /api/shows/:showId/coupons/mine": { summary: "The viewer's claimed coupons", tag: "coupons", access: "signed-in" },
  "GET /api/offers/:offerId/coupon-preview": { summary: "What a coupon takes off an offer", tag: "coupons", access: "public", query: api.couponPreviewQuery },
  "GET /api/orders/:orderId/discount": { summary: "An order's coupon discount", tag: "coupons", access: "order" },

  // games: mystery
  "POST /api/studio/shows/:showId/mystery": { summary: "Create a mystery pool", tag: "mystery", access: "host", body: api.createMysteryPoolBody },
  "GET /api/studio/shows/:showId/mystery": { summary: "The show's mystery pools", tag: "mystery", access: "host" },
  "GET /api/shows/:showId/mystery": { summary: "The show's mystery pools for viewers (items and odds)", tag: "mystery", access: "public" },
  "POST /api/studio/mystery/:poolId/close": { summary: "Close a pool (reveals its seed)", tag: "mystery", access: "host" },
  "GET /api/studio/mystery/:poolId/audit": { summary: "The pool's audit log", tag: "mystery", access: "host" },
  "GET /api/studio/shows/:showId/mystery-settings": { summary: "The shop's mystery settings (18+)", tag: "mystery", access: "host" },
  "PATCH /api/studio/shows/:showId/mystery-settings": { summary: "Change the mystery settings", tag: "mystery", access: "host", body: api.mysterySettingsBody },
  "GET /api/mystery/:poolId": { summary: "A pool's items, odds and (once closed) seed", tag: "mystery", access: "public" },
  "GET /api/orders/:orderId/mystery": { summary: "An order's mystery draws", tag: "mystery", access: "order" },

  // embed
  "GET /api/admin/shop/embed": { summary: "The sites that may embed the shop's shows", tag: "embed", access: "staff", query: api.adminMerchantQuery },
  "PUT /api/admin/shop/embed": {
    summary: "Set the sites that may embed",
    tag: "embed",
    access: "staff",
    body: embedSettingsBody,
    query: api.adminMerchantQuery,
  },
  "GET /oembed": { summary: "oEmbed for a show URL", tag: "embed", access: "public", query: oembedQuery },

  // chat
  "GET /api/shows/:showId/chat": { summary: "The show's recent chat and settings", tag: "chat", access: "public" },
  "GET /api/studio/shows/:showId/chat/moderation": { summary: "Moderation settings, moderators, reports, restrictions", tag: "chat", access: "host" },
  "PATCH /api/studio/shows/:showId/chat/settings": { summary: "Slow mode, who may chat, links", tag: "chat", access: "host", body: api.chatSettingsBody },
  "POST /api/studio/shows/:showId/chat/words": { summary: "Set the blocked words", tag: "chat", access: "host", body: api.chatWordsBody },
  "POST /api/studio/shows/:showId/chat/pin": { summary: "Pin a chat message", tag: "chat", access: "host", body: api.chatPinBody },
  "DELETE /api/studio/shows/:showId/chat/pin": { summary: "Unpin", tag: "chat", access: "host" },
  "POST /api/studio/shows/:showId/chat/moderators": { summary: "Appoint a moderator by email", tag: "chat", access: "host", body: api.chatModeratorBody },
  "DELETE /api/studio/shows/:showId/chat/moderators/:moderatorId": { summary: "Remove a moderator", tag: "chat", access: "host" },
  "DELETE /api/studio/shows/:showId/chat/messages/:messageId": { summary: "Delete a message", tag: "chat", access: "host" },
  "POST /api/studio/shows/:showId/chat/messages/:messageId/timeout": {
    summary: "Mute a message's author",
    tag: "chat",
    access: "host",
    body: api.chatTimeoutBody,
  },
  "POST /api/studio/shows/:showId/chat/messages/:messageId/ban": { summary: "Ban a message's author", tag: "chat", access: "host", body: api.chatBanBody },
  "DELETE /api/studio/shows/:showId/chat/restrictions/:restrictionId": { summary: "Lift a mute or ban", tag: "chat", access: "host" },
  "POST /api/studio/shows/:showId/chat/reports/:reportId/dismiss": { summary: "Dismiss a report", tag: "chat", access: "host" },

  // recordings, simulcast, media, realtime, telemetry
  "GET /vod/:showId/:recordingId/:file": {
    summary: "A recording's VOD HLS playlist, segment, poster or preview",
    tag: "media",
    access: "public",
    produces: "application/vnd.apple.mpegurl, video/mp4, image/jpeg",
  },
  "GET /api/shows/:idOrSlug/recordings": { summary: "The show's recordings with offer markers", tag: "media", access: "public" },
  "GET /api/studio/shows/:showId/destinations": { summary: "Simulcast destinations and their status", tag: "simulcast", access: "host" },
  "POST /api/studio/shows/:showId/destinations": { summary: "Add an RTMP destination", tag: "simulcast", access: "host", body: api.createDestinationBody },
  "DELETE /api/studio/shows/:showId/destinations/:destinationId": { summary: "Remove a destination", tag: "simulcast", access: "host" },
  "POST /api/studio/shows/:showId/destinations/:destinationId/enable": { summary: "Enable a destination", tag: "simulcast", access: "host" },
  "POST /api/studio/shows/:showId/destinations/:destinationId/disable": { summary: "Disable a destination", tag: "simulcast", access: "host" },
  "GET /ws/ingest/:showId": {
    summary: "Browser go-live: WebSocket of MediaRecorder chunks (commands: protocol ingestCommand)",
    tag: "media",
    access: "host",
    produces: "WebSocket",
  },
  // WHIP (RFC 9725): the studio's go-live and WHIP encoders (OBS 30+: Bearer token = the stream key).
  "POST /api/shows/:showId/whip": {
    summary: "WHIP: publish the show by WebRTC (SDP offer in, 201 with the SDP answer and the session's Location)",
    tag: "media",
    access: "host-or-stream-key",
    consumes: "application/sdp",
    produces: "application/sdp",
    errors: ["invalid_sdp", "already_publishing", "conflict", "unavailable"],
  },
  "OPTIONS /api/shows/:showId/whip": {
    summary: "WHIP endpoint CORS preflight (Accept-Post: application/sdp)",
    tag: "media",
    access: "public",
    produces: "text/plain",
  },
  "DELETE /api/shows/:showId/whip/:sessionId": {
    summary: "WHIP: end the publish (the show goes offline without the reconnect grace period)",
    tag: "media",
    access: "host-or-stream-key",
  },
  "PATCH /api/shows/:showId/whip/:sessionId": {
    summary: "WHIP trickle ICE / ICE restart: not supported (501)",
    tag: "media",
    access: "host-or-stream-key",
    errors: ["trickle_ice_unsupported"],
  },
  "OPTIONS /api/shows/:showId/whip/:sessionId": { summary: "WHIP session CORS preflight", tag: "media", access: "public", produces: "text/plain" },
  "GET /live/:showId/index.m3u8": { summary: "The live master playlist", tag: "media", access: "public", produces: "application/vnd.apple.mpegurl" },
  "GET /live/:showId/:rendition/index.m3u8": {
    summary: "A rendition's LL-HLS playlist (blocking reload with _HLS_msn/_HLS_part)",
    tag: "media",
    access: "public",
    produces: "application/vnd.apple.mpegurl",
  },
  "GET /live/:showId/:rendition/:file": { summary: "An init section, part or segment", tag: "media", access: "public", produces: "video/mp4" },
  "POST /api/shows/:showId/whep": {
    summary: "Sub-second playback (WHEP): an application/sdp recvonly offer in, 201 + SDP answer + Location out; 503 whep_full: play LL-HLS",
    tag: "media",
    access: "public",
    produces: "application/sdp",
  },
  "DELETE /api/shows/:showId/whep/:sessionId": { summary: "End a WHEP session (its Location)", tag: "media", access: "public" },
  "GET /ws/shows/:showId": { summary: "The show's room: realtime events (docs/api.md, WebSocket)", tag: "realtime", access: "public", produces: "WebSocket" },
  "GET /ws/studio/:showId": { summary: "The studio's room", tag: "realtime", access: "host", produces: "WebSocket" },
  "POST /api/shows/:showId/telemetry": { summary: "A player's playback report", tag: "telemetry", access: "public", body: api.playbackReportBody },

  // analytics
  "POST /api/shows/:showId/impressions": {
    summary: "Offer cards a viewer's page showed (batched; 204)",
    tag: "analytics",
    access: "public",
    body: api.impressionsBody,
  },
  "POST /api/shows/:showId/checkout-opened": {
    summary: "A checkout sheet was opened for an offer (204)",
    tag: "analytics",
    access: "public",
    body: api.checkoutOpenedBody,
  },
  "GET /api/analytics/shows/:showId/report": {
    summary: "A show's report: viewers every 10 s, pins, sales per minute, funnel per offer, buyers, sources, QoE",
    tag: "analytics",
    access: "host",
    query: api.showReportQuery,
  },
  "GET /api/analytics/shows/:showId/report.csv": {
    summary: "One chart of the show's report as CSV",
    tag: "analytics",
    access: "host",
    query: api.showReportCsvQuery,
    produces: "text/csv",
  },
  "GET /api/analytics/shows/:showId/live": {
    summary: "The studio's live chart: the last 30 minutes and the pinned offer's funnel",
    tag: "analytics",
    access: "host",
  },
  "GET /api/analytics/shops/:merchantId/overview": {
    summary: "The shop across shows: GMV per show, per host, per day",
    tag: "analytics",
    access: "staff",
    query: api.shopOverviewQuery,
  },
  "GET /api/analytics/shops/:merchantId/overview.csv": {
    summary: "One chart of the shop overview as CSV",
    tag: "analytics",
    access: "staff",
    query: api.shopOverviewCsvQuery,
    produces: "text/csv",
  },
  "GET /images/demo/:name": { summary: "The demo's product pictures", tag: "demo", access: "public", produces: "image/svg+xml" },

  // pages (the web client's shells) and static files
  "GET /": { summary: "Home: live, upcoming and replays", tag: "pages", access: "public", produces: "text/html" },
  "GET /login": { summary: "Sign-in page", tag: "pages", access: "public", produces: "text/html" },
  "GET /admin": { summary: "Merchant admin", tag: "pages", access: "public", produces: "text/html" },
  "GET /admin/analytics": { summary: "The shop overview (analytics)", tag: "pages", access: "public", produces: "text/html" },
  "GET /admin/analytics/:showId": { summary: "A show's report (analytics)", tag: "pages", access: "public", produces: "text/html" },
  "GET /setup": { summary: "First-run setup", tag: "pages", access: "public", produces: "text/html" },
  "GET /verify-email": { summary: "Email verification page", tag: "pages", access: "public", produces: "text/html" },
  "GET /orders/:orderId": { summary: "Order page (the token is in the fragment)", tag: "pages", access: "public", produces: "text/html" },
  "GET /account": { summary: "Account page", tag: "pages", access: "public", produces: "text/html" },
  "GET /earnings": { summary: "Host earnings page", tag: "pages", access: "public", produces: "text/html" },
  "GET /forgot-password": { summary: "Password reset request page", tag: "pages", access: "public", produces: "text/html" },
  "GET /reset-password": { summary: "New password page", tag: "pages", access: "public", produces: "text/html" },
  "GET /accept-invite": { summary: "Invite page", tag: "pages", access: "public", produces: "text/html" },
  "GET /confirm-signup": { summary: "Sign-up confirmation page", tag: "pages", access: "public", produces: "text/html" },
  "GET /unsubscribe": { summary: "Unsubscribe page (ends it by POST)", tag: "pages", access: "public", produces: "text/html" },
  "GET /shows/:slug": { summary: "Show page: upcoming, live room or replay (Open Graph tags)", tag: "pages", access: "public", produces: "text/html" },
  "GET /shops/:slug": { summary: "A shop's page: its shows, follow (Open Graph tags)", tag: "pages", access: "public", produces: "text/html" },
  "GET /hosts/:id": { summary: "A host's page: their shows, follow (Open Graph tags)", tag: "pages", access: "public", produces: "text/html" },
  "GET /embed/:slug": { summary: "The embeddable player (CSP frame-ancestors per shop)", tag: "pages", access: "public", produces: "text/html" },
  "GET /studio/:showId": { summary: "Host studio", tag: "pages", access: "public", produces: "text/html" },
  "GET /stage/:showId": { summary: "Joining a show's stage from an invite link (co-hosts, guests)", tag: "pages", access: "public", produces: "text/html" },
  "GET /verify/giveaway/:giveawayId": { summary: "Giveaway verification page", tag: "pages", access: "public", produces: "text/html" },
  "GET /assets/*": { summary: "The web bundle's files", tag: "pages", access: "public", produces: "text/javascript, text/css, …" },
  "GET /embed.js": { summary: "The embed loader script", tag: "pages", access: "public", produces: "text/javascript" },
};
