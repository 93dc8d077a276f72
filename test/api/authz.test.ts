import { createECDH, randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { orderBody } from "../support/fixtures.js";
import { login, postOrder, request } from "../support/http.js";
import { createBuyer } from "../support/accounts.js";
import { backends } from "../support/db.js";
import { startTestServer, type TestServer } from "../support/server.js";

type Role = "anonymous" | "buyer" | "moderator" | "host" | "sameMerchantHost" | "otherHost" | "merchant" | "staff" | "otherMerchant" | "admin";
const ROLES: Role[] = ["anonymous", "buyer", "moderator", "host", "sameMerchantHost", "otherHost", "merchant", "staff", "otherMerchant", "admin"];
const SIGNED_IN: Role[] = ROLES.filter((r) => r !== "anonymous");
// The demo show's team: its host, the merchant's owner and staff, the platform admin. Not a host of another show of
// the same merchant, not a chat moderator.
const STUDIO: Role[] = ["host", "merchant", "staff", "admin"];
const MODERATORS: Role[] = [...STUDIO, "moderator"];
const MERCHANT: Role[] = ["merchant", "staff", "admin"];
// Merchant-wide lists answer for the caller's own merchant: any merchant's owner and staff (admin names the merchant).
const ANY_MERCHANT: Role[] = ["merchant", "staff", "otherMerchant", "admin"];
// Anyone signed in, except the show's host and the merchant's accounts — its other hosts included (cannot_bid_own_show).
const BIDDERS: Role[] = ["buyer", "moderator", "otherHost", "otherMerchant", "admin"];

/**
 * Routes anyone may call (docs/api.md's access table says "anyone"), and routes guarded by something other than a role.
 * Every other registered route must have a row in the matrix below: a new route without one fails the coverage test.
 */
const PUBLIC = new Set([
  "POST /api/auth/login",
  "POST /api/auth/signup",
  "POST /api/auth/signup/confirm",
  "POST /api/auth/password-reset",
  "POST /api/auth/password-reset/confirm",
  "POST /api/auth/accept-invite",
  "POST /api/auth/invite-info",
  // The first-run page: only an empty installation accepts it (setup_done otherwise); the emailed confirmation link.
  "GET /api/auth/setup",
  "POST /api/auth/setup",
  "POST /api/auth/verify-email",
  "GET /media/shows/:showId/:file",
  "GET /media/merchants/:merchantId/:file",
  "POST /api/auth/logout",
  "GET /api/shows",
  "GET /api/shows/:idOrSlug",
  "GET /api/shows/:idOrSlug/recordings",
  // The share sheet's link: anyone; a signed-in host or co-host of the show gets their share code in it.
  "GET /api/shows/:idOrSlug/share",
  "GET /api/shows/:showId/chat",
  "GET /api/shows/:showId/giveaways/current",
  "GET /api/giveaways/:giveawayId/verification",
  "GET /api/shows/:showId/polls/current",
  "GET /api/shows/:showId/auctions",
  "GET /api/auctions/:auctionId",
  "GET /api/shows/:showId/coupons",
  "GET /api/shows/:showId/mystery",
  "GET /api/mystery/:poolId",
  "POST /api/orders",
  "POST /api/orders/bag",
  "GET /api/payments/config",
  "POST /api/shows/:showId/telemetry",
  // Analytics beacons from viewers' pages (cards shown, checkout opened): counted, rate limited per address.
  "POST /api/shows/:showId/impressions",
  "POST /api/shows/:showId/checkout-opened",
  "GET /media/products/:productId/:file",
  "GET /vod/:showId/:recordingId/:file",
  "GET /live/:showId/index.m3u8",
  "GET /live/:showId/:rendition/index.m3u8",
  "GET /live/:showId/:rendition/:file",
  // WHEP playback: public like the playlists; a session is ended by whoever holds its random URL (whep.http.test.ts).
  "POST /api/shows/:showId/whep",
  "DELETE /api/shows/:showId/whep/:sessionId",
  "GET /images/demo/:name",
  "GET /healthz",
  "GET /api/ping",
  // The API's description (OpenAPI document and its page) names routes, never data.
  "GET /api/openapi.json",
  "GET /api/docs",
  "GET /ws/shows/:showId",
  // Web pages: the page asks for a login where it needs one; the data behind it is guarded by the API routes.
  "GET /",
  "GET /login",
  "GET /admin",
  "GET /admin/analytics",
  "GET /admin/analytics/:showId",
  "GET /orders/:orderId",
  "GET /account",
  "GET /earnings",
  "GET /forgot-password",
  "GET /reset-password",
  "GET /accept-invite",
  "GET /setup",
  "GET /verify-email",
  "GET /confirm-signup",
  "GET /unsubscribe",
  "GET /shows/:slug",
  "GET /studio/:showId",
  "GET /stage/:showId",
  "GET /verify/giveaway/:giveawayId",
  "GET /assets/*",
  // Web Push: the VAPID public key and the service worker script are for every browser.
  "GET /api/push/vapid-key",
  "GET /push/sw.js",
  // The embeddable player: its page (framed only by the shop's sites, CSP), the loader script, oEmbed for CMSs.
  "GET /embed/:slug",
  "GET /embed.js",
  "GET /oembed",
  // A scheduled show's page: its line-up preview, calendar file and "Remind me" (a guest's by address).
  "GET /api/shows/:idOrSlug/lineup",
  "GET /api/shows/:idOrSlug/calendar.ics",
  "POST /api/shows/:idOrSlug/reminders",
  // Discovery: the home page's sections and search, the public shop and host pages (a host page only for an account
  // that hosts a show: test/api/discover.http.test.ts).
  "GET /api/discover",
  "GET /api/shops/:slug",
  "GET /api/hosts/:id",
  "GET /shops/:slug",
  "GET /hosts/:id",
  // Unsubscribe links open with their own token, not a role: test/api/reminders.http.test.ts.
  "POST /api/unsubscribe",
  "POST /api/unsubscribe/:token",
  // Waitlist entries open with the entry's own token, not a role: test/api/waitlist tests.
  "POST /api/offers/:offerId/waitlist",
  "GET /api/waitlist/:entryId",
  "POST /api/waitlist/:entryId/leave",
  // Guarded by a signature or a bearer token, not a session: payments' webhook tests, the metrics tests.
  "POST /api/payments/stripe/webhook",
  "GET /metrics",
  // WebSocket upgrades, checked by session and Origin at the upgrade: test/api/realtime.ws.test.ts, moderation.ws.test.ts.
  "GET /ws/studio/:showId",
  "GET /ws/ingest/:showId",
  // Stage participants' routes take the participant's stage token (Authorization: Bearer), not a session:
  // test/api/stage.http.test.ts.
  "GET /api/shows/:showId/stage/room",
  "POST /api/shows/:showId/stage/whip",
  "DELETE /api/shows/:showId/stage/whip",
  "POST /api/shows/:showId/stage/feeds/:participantId",
]);

/** A browser's push subscription (valid keys) at a public address: the authz server refuses internal endpoints. */
function pushSubscription(name: string) {
  const ecdh = createECDH("prime256v1");
  ecdh.generateKeys();
  return {
    endpoint: `https://203.0.113.7/push/${name}`,
    keys: { p256dh: ecdh.getPublicKey().toString("base64url"), auth: randomBytes(16).toString("base64url") },
  };
}

// Some routes validate the body before they check access (a 400 says nothing and changes nothing, but it would read
// as "allowed" here): their rows send a valid body.
interface Row {
  /** The registered route, "METHOD /pattern" as in app.routeList. */
  route: string;
  allowed: Role[];
  path: () => string;
  body?: unknown;
  headers?: () => Record<string, string>;
  /** A body sent as it is (not JSON): a WHIP offer's SDP, with its content type in `headers`. */
  raw?: string;
}

// Every protected route × every role, as in the access table of docs/api.md. A denied request is 401 or 403; an
// allowed one may still fail for other reasons (bad body, unknown id, state), but never with 401/403.
describe.each(backends)("access rules: every route × every role (%s)", (backend) => {
  let server: TestServer;
  const cookies = new Map<Role, string | undefined>();
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    server = await startTestServer({ backend, synthetic: false });
    const { accounts, catalog, shows } = server.services;
    const showId = server.demo.showId;
    const demoMerchant = (await shows.show(showId)).merchantId;
    ids.merchant = demoMerchant;
    const other = await catalog.createMerchant("Other Shop");
    const pw = "authz-password-1";
    await accounts.createAccount({ email: "staff@demo.test", password: pw, displayName: "Staff", role: "staff", merchantId: demoMerchant });
    await accounts.createAccount({ email: "admin@platform.test", password: pw, displayName: "Admin", role: "admin", merchantId: null });
    await accounts.createAccount({ email: "owner@other.test", password: pw, displayName: "Other owner", role: "merchant", merchantId: other.id });
    await accounts.createAccount({ email: "host@other.test", password: pw, displayName: "Other host", role: "host", merchantId: other.id });
    const secondHost = await accounts.createAccount({
      email: "host2@demo.test",
      password: pw,
      displayName: "Second host",
      role: "host",
      merchantId: demoMerchant,
    });
    await createBuyer(server, "buyer@authz.test", pw, "Buyer");
    await createBuyer(server, "mod@authz.test", pw, "Moderator");
    cookies.set("anonymous", undefined);
    cookies.set("buyer", await login(server.url, "buyer@authz.test", pw));
    cookies.set("moderator", await login(server.url, "mod@authz.test", pw));
    cookies.set("host", await login(server.url, server.demo.hostEmail, server.demo.hostPassword));
    cookies.set("sameMerchantHost", await login(server.url, "host2@demo.test", pw));
    cookies.set("otherHost", await login(server.url, "host@other.test", pw));
    cookies.set("merchant", await login(server.url, server.demo.merchantEmail, server.demo.hostPassword));
    cookies.set("staff", await login(server.url, "staff@demo.test", pw));
    cookies.set("otherMerchant", await login(server.url, "owner@other.test", pw));
    cookies.set("admin", await login(server.url, "admin@platform.test", pw));
    const host = cookies.get("host");
    const merchant = cookies.get("merchant");
    const ok = async (res: Promise<{ status: number; body: any }>, what: string) => {
      const r = await res;
      if (r.status >= 300) throw new Error(`${what}: ${r.status} ${JSON.stringify(r.body)}`);
      return r.body;
    };

    // A second show of the same merchant with its own host: that host is no one on the demo show.
    const second = await ok(
      request(server.url, "POST", "/api/admin/shows", { cookie: merchant, body: { title: "Second show", slug: "second-show", hostAccountId: secondHost.id } }),
      "second show",
    );
    ids.secondShow = second.show.id;
    // The moderator is appointed by the demo show's host, through the moderation API.
    await ok(
      request(server.url, "POST", `/api/studio/shows/${showId}/chat/moderators`, { cookie: host, body: { email: "mod@authz.test" } }),
      "appoint moderator",
    );

    ids.show = showId;
    const show = await request(server.url, "GET", `/api/shows/${showId}`);
    ids.offer = show.body.show.offers.find((o: { pinned: boolean }) => o.pinned).id;
    ids.order = (await postOrder(server.url, orderBody(ids.offer))).body.order.id;
    const products = await catalog.productsOf(demoMerchant);
    ids.product = products[0]!.id;
    ids.doomedProduct = products.at(-1)!.id;
    const extraOffer = await ok(
      request(server.url, "POST", `/api/studio/shows/${showId}/offers`, {
        cookie: host,
        body: { productId: ids.product, showPrice: 100, quantity: 1, durationSeconds: 600 },
      }),
      "offer",
    );
    ids.extraOffer = extraOffer.offer.id;
    ids.giveaway = (
      await ok(request(server.url, "POST", `/api/studio/shows/${showId}/giveaways`, { cookie: host, body: { title: "Tote" } }), "giveaway")
    ).giveaway.id;
    ids.poll = (
      await ok(
        request(server.url, "POST", `/api/studio/shows/${showId}/polls`, {
          cookie: host,
          body: { question: "A or B?", options: [{ label: "A" }, { label: "B" }] },
        }),
        "poll",
      )
    ).poll.id;
    ids.coupon = (
      await ok(
        request(server.url, "POST", `/api/studio/shows/${showId}/coupons`, {
          cookie: host,
          body: { code: "authz10", percentBp: 1000, minutes: 5, maxClaims: 10 },
        }),
        "coupon",
      )
    ).coupon.id;
    const items = products.slice(0, 2).map((p, i) => ({ productId: p.id, oddsBp: i === 0 ? 2500 : 7500, quantity: 3 }));
    ids.pool = (
      await ok(
        request(server.url, "POST", `/api/studio/shows/${showId}/mystery`, {
          cookie: host,
          body: { title: "Bag", showPrice: 500, durationSeconds: 600, items },
        }),
        "mystery",
      )
    ).pool.id;
    ids.auction = (
      await ok(
        request(server.url, "POST", `/api/studio/shows/${showId}/auctions`, {
          cookie: host,
          body: { productId: ids.product, startPrice: 500, minIncrement: 50, durationSeconds: 60 },
        }),
        "auction",
      )
    ).auction.id;
    await ok(request(server.url, "POST", `/api/studio/auctions/${ids.auction}/cancel`, { cookie: host }), "cancel auction");
    ids.pushSubscription = (
      await ok(
        request(server.url, "POST", "/api/push/subscriptions", { cookie: cookies.get("buyer"), body: { subscription: pushSubscription("buyer") } }),
        "push subscription",
      )
    ).subscription.id;
  }, 180_000);
  afterAll(async () => server?.close());

  const s = () => `/api/studio/shows/${ids.show}`;
  const chat = () => `${s()}/chat`;
  const rows: Row[] = [
    { route: "GET /api/auth/me", allowed: SIGNED_IN, path: () => "/api/auth/me" },
    { route: "PATCH /api/auth/me", allowed: SIGNED_IN, path: () => "/api/auth/me", body: {} },
    { route: "GET /api/me/checkout-details", allowed: SIGNED_IN, path: () => "/api/me/checkout-details" },
    { route: "POST /api/me/address", allowed: SIGNED_IN, path: () => "/api/me/address", body: {} },
    { route: "POST /api/me/payment-method", allowed: SIGNED_IN, path: () => "/api/me/payment-method", body: {} },
    { route: "POST /api/me/payment-method/setup", allowed: SIGNED_IN, path: () => "/api/me/payment-method/setup", body: {} },
    { route: "DELETE /api/me/payment-method", allowed: SIGNED_IN, path: () => "/api/me/payment-method" },
    { route: "GET /api/me/orders", allowed: SIGNED_IN, path: () => "/api/me/orders" },
    { route: "GET /api/admin/merchants", allowed: ["admin"], path: () => "/api/admin/merchants" },

    // Orders: the order's token, the session that placed it, or the merchant's staff (this one is a guest's, no token sent).
    { route: "GET /api/orders/:orderId", allowed: MERCHANT, path: () => `/api/orders/${ids.order}` },
    { route: "POST /api/orders/:orderId/pay", allowed: MERCHANT, path: () => `/api/orders/${ids.order}/pay`, body: {} },
    { route: "POST /api/orders/:orderId/cancel", allowed: MERCHANT, path: () => `/api/orders/${ids.order}/cancel` },
    { route: "GET /api/orders/:orderId/discount", allowed: MERCHANT, path: () => `/api/orders/${ids.order}/discount` },
    { route: "GET /api/orders/:orderId/mystery", allowed: MERCHANT, path: () => `/api/orders/${ids.order}/mystery` },

    // Studio: the show's team.
    { route: "GET /api/studio/shows/:showId", allowed: STUDIO, path: s },
    { route: "POST /api/studio/shows/:showId/stream-key/reveal", allowed: STUDIO, path: () => `${s()}/stream-key/reveal` },
    { route: "POST /api/studio/shows/:showId/stream-key/rotate", allowed: STUDIO, path: () => `${s()}/stream-key/rotate` },
    { route: "POST /api/studio/shows/:showId/offers", allowed: STUDIO, path: () => `${s()}/offers`, body: {} },
    { route: "POST /api/studio/offers/:offerId/pin", allowed: STUDIO, path: () => `/api/studio/offers/${ids.offer}/pin`, body: { pinned: true } },
    { route: "POST /api/studio/offers/:offerId/end", allowed: STUDIO, path: () => `/api/studio/offers/${ids.extraOffer}/end` },
    { route: "GET /api/studio/shows/:showId/earnings", allowed: STUDIO, path: () => `${s()}/earnings` },
    // The show's line-up (studio).
    { route: "GET /api/studio/shows/:showId/lineup", allowed: STUDIO, path: () => `${s()}/lineup` },
    { route: "POST /api/studio/shows/:showId/lineup", allowed: STUDIO, path: () => `${s()}/lineup`, body: {} },
    { route: "PUT /api/studio/shows/:showId/lineup/order", allowed: STUDIO, path: () => `${s()}/lineup/order`, body: { itemIds: [] } },
    { route: "POST /api/studio/shows/:showId/lineup/pin-next", allowed: STUDIO, path: () => `${s()}/lineup/pin-next` },
    { route: "POST /api/studio/shows/:showId/lineup/open", allowed: STUDIO, path: () => `${s()}/lineup/open`, body: { itemIds: ["lup_nope"] } },
    { route: "POST /api/studio/shows/:showId/lineup/:itemId/pin", allowed: STUDIO, path: () => `${s()}/lineup/lup_nope/pin` },
    { route: "DELETE /api/studio/shows/:showId/lineup/:itemId", allowed: STUDIO, path: () => `${s()}/lineup/lup_nope` },
    // Each host of the show has their own share code; merchant accounts have none.
    { route: "GET /api/studio/shows/:showId/share-link", allowed: ["host"], path: () => `${s()}/share-link` },

    // Games, studio side.
    { route: "POST /api/studio/shows/:showId/giveaways", allowed: STUDIO, path: () => `${s()}/giveaways`, body: {} },
    { route: "GET /api/studio/shows/:showId/giveaways", allowed: STUDIO, path: () => `${s()}/giveaways` },
    { route: "POST /api/studio/giveaways/:giveawayId/open", allowed: STUDIO, path: () => `/api/studio/giveaways/${ids.giveaway}/open` },
    { route: "POST /api/studio/giveaways/:giveawayId/close", allowed: STUDIO, path: () => `/api/studio/giveaways/${ids.giveaway}/close` },
    { route: "POST /api/studio/giveaways/:giveawayId/draw", allowed: STUDIO, path: () => `/api/studio/giveaways/${ids.giveaway}/draw` },
    { route: "GET /api/studio/giveaways/:giveawayId/audit", allowed: STUDIO, path: () => `/api/studio/giveaways/${ids.giveaway}/audit` },
    { route: "POST /api/studio/shows/:showId/polls", allowed: STUDIO, path: () => `${s()}/polls`, body: {} },
    { route: "GET /api/studio/shows/:showId/polls", allowed: STUDIO, path: () => `${s()}/polls` },
    { route: "POST /api/studio/polls/:pollId/open", allowed: STUDIO, path: () => `/api/studio/polls/${ids.poll}/open` },
    { route: "POST /api/studio/polls/:pollId/close", allowed: STUDIO, path: () => `/api/studio/polls/${ids.poll}/close` },
    { route: "GET /api/studio/polls/:pollId/audit", allowed: STUDIO, path: () => `/api/studio/polls/${ids.poll}/audit` },
    { route: "POST /api/studio/shows/:showId/auctions", allowed: STUDIO, path: () => `${s()}/auctions`, body: {} },
    { route: "GET /api/studio/shows/:showId/auctions", allowed: STUDIO, path: () => `${s()}/auctions` },
    { route: "POST /api/studio/auctions/:auctionId/start", allowed: STUDIO, path: () => `/api/studio/auctions/${ids.auction}/start` },
    { route: "POST /api/studio/auctions/:auctionId/cancel", allowed: STUDIO, path: () => `/api/studio/auctions/${ids.auction}/cancel` },
    { route: "GET /api/studio/auctions/:auctionId/events", allowed: STUDIO, path: () => `/api/studio/auctions/${ids.auction}/events` },
    { route: "POST /api/studio/shows/:showId/coupons", allowed: STUDIO, path: () => `${s()}/coupons`, body: {} },
    { route: "GET /api/studio/shows/:showId/coupons", allowed: STUDIO, path: () => `${s()}/coupons` },
    { route: "POST /api/studio/coupons/:couponId/end", allowed: STUDIO, path: () => `/api/studio/coupons/${ids.coupon}/end` },
    { route: "POST /api/studio/shows/:showId/mystery", allowed: STUDIO, path: () => `${s()}/mystery`, body: {} },
    { route: "GET /api/studio/shows/:showId/mystery", allowed: STUDIO, path: () => `${s()}/mystery` },
    { route: "POST /api/studio/mystery/:poolId/close", allowed: STUDIO, path: () => `/api/studio/mystery/${ids.pool}/close` },
    { route: "GET /api/studio/mystery/:poolId/audit", allowed: STUDIO, path: () => `/api/studio/mystery/${ids.pool}/audit` },
    { route: "GET /api/studio/shows/:showId/mystery-settings", allowed: STUDIO, path: () => `${s()}/mystery-settings` },
    { route: "PATCH /api/studio/shows/:showId/mystery-settings", allowed: MERCHANT, path: () => `${s()}/mystery-settings`, body: {} },

    // Games, viewer side: signed-in accounts (the show's own accounts get game-specific refusals, not 403).
    { route: "POST /api/giveaways/:giveawayId/entries", allowed: SIGNED_IN, path: () => `/api/giveaways/${ids.giveaway}/entries`, body: {} },
    { route: "GET /api/giveaways/:giveawayId/entries/me", allowed: SIGNED_IN, path: () => `/api/giveaways/${ids.giveaway}/entries/me` },
    { route: "POST /api/polls/:pollId/votes", allowed: SIGNED_IN, path: () => `/api/polls/${ids.poll}/votes`, body: {} },
    { route: "GET /api/polls/:pollId/votes/me", allowed: SIGNED_IN, path: () => `/api/polls/${ids.poll}/votes/me` },
    {
      route: "POST /api/auctions/:auctionId/bids",
      allowed: BIDDERS,
      path: () => `/api/auctions/${ids.auction}/bids`,
      body: { maxAmount: 1000 },
      headers: () => ({ "idempotency-key": `authz-${Math.random()}` }),
    },
    {
      route: "POST /api/auctions/:auctionId/pre-bids",
      allowed: BIDDERS,
      path: () => `/api/auctions/${ids.auction}/pre-bids`,
      body: { maxAmount: 1000 },
      headers: () => ({ "idempotency-key": `authz-${Math.random()}` }),
    },
    { route: "POST /api/shows/:showId/coupons/claim", allowed: SIGNED_IN, path: () => `/api/shows/${ids.show}/coupons/claim`, body: { code: "NOSUCH" } },
    { route: "GET /api/shows/:showId/coupons/mine", allowed: SIGNED_IN, path: () => `/api/shows/${ids.show}/coupons/mine` },
    { route: "GET /api/offers/:offerId/coupon-preview", allowed: SIGNED_IN, path: () => `/api/offers/${ids.offer}/coupon-preview?code=NOSUCH&quantity=1` },

    // The stage: the show's team runs it; any signed-in viewer may be asked on and accept.
    { route: "GET /api/studio/shows/:showId/stage", allowed: STUDIO, path: () => `${s()}/stage` },
    { route: "POST /api/studio/shows/:showId/stage/invites", allowed: STUDIO, path: () => `${s()}/stage/invites`, body: {} },
    { route: "POST /api/studio/shows/:showId/stage/requests", allowed: STUDIO, path: () => `${s()}/stage/requests`, body: { messageId: "msg_nope" } },
    {
      route: "POST /api/studio/shows/:showId/stage/participants/:participantId/bring-on",
      allowed: STUDIO,
      path: () => `${s()}/stage/participants/stp_nope/bring-on`,
    },
    {
      route: "POST /api/studio/shows/:showId/stage/participants/:participantId/take-off",
      allowed: STUDIO,
      path: () => `${s()}/stage/participants/stp_nope/take-off`,
    },
    {
      route: "POST /api/studio/shows/:showId/stage/participants/:participantId/mute",
      allowed: STUDIO,
      path: () => `${s()}/stage/participants/stp_nope/mute`,
      body: { muted: true },
    },
    { route: "PUT /api/studio/shows/:showId/stage/layout", allowed: STUDIO, path: () => `${s()}/stage/layout`, body: { layout: "host" } },
    // Without an SDP body: the team gets unsupported_media_type, everyone else 401/403 first.
    { route: "POST /api/studio/shows/:showId/stage/whip", allowed: STUDIO, path: () => `${s()}/stage/whip` },
    { route: "DELETE /api/studio/shows/:showId/stage/whip", allowed: STUDIO, path: () => `${s()}/stage/whip` },
    { route: "POST /api/studio/shows/:showId/stage/feeds/:participantId", allowed: STUDIO, path: () => `${s()}/stage/feeds/stp_nope` },
    { route: "GET /api/shows/:showId/stage/invitation", allowed: SIGNED_IN, path: () => `/api/shows/${ids.show}/stage/invitation` },
    { route: "DELETE /api/shows/:showId/stage/invitation", allowed: SIGNED_IN, path: () => `/api/shows/${ids.show}/stage/invitation` },
    { route: "POST /api/stage/accept", allowed: SIGNED_IN, path: () => "/api/stage/accept", body: { token: "sti_nope.nope-nope-nope" } },

    // Simulcast destinations: the show's team.
    { route: "GET /api/studio/shows/:showId/destinations", allowed: STUDIO, path: () => `${s()}/destinations` },
    { route: "POST /api/studio/shows/:showId/destinations", allowed: STUDIO, path: () => `${s()}/destinations`, body: {} },
    { route: "DELETE /api/studio/shows/:showId/destinations/:destinationId", allowed: STUDIO, path: () => `${s()}/destinations/dst_nope` },
    { route: "POST /api/studio/shows/:showId/destinations/:destinationId/enable", allowed: STUDIO, path: () => `${s()}/destinations/dst_nope/enable` },
    { route: "POST /api/studio/shows/:showId/destinations/:destinationId/disable", allowed: STUDIO, path: () => `${s()}/destinations/dst_nope/disable` },

    // Chat moderation: appointed moderators may delete, time out and handle reports; only the team changes the rules.
    { route: "GET /api/studio/shows/:showId/chat/moderation", allowed: MODERATORS, path: () => `${chat()}/moderation` },
    { route: "DELETE /api/studio/shows/:showId/chat/messages/:messageId", allowed: MODERATORS, path: () => `${chat()}/messages/msg_nope` },
    {
      route: "POST /api/studio/shows/:showId/chat/messages/:messageId/timeout",
      allowed: MODERATORS,
      path: () => `${chat()}/messages/msg_nope/timeout`,
      body: { minutes: 5 },
    },
    { route: "DELETE /api/studio/shows/:showId/chat/restrictions/:restrictionId", allowed: MODERATORS, path: () => `${chat()}/restrictions/rst_nope` },
    { route: "POST /api/studio/shows/:showId/chat/reports/:reportId/dismiss", allowed: MODERATORS, path: () => `${chat()}/reports/rpt_nope/dismiss` },
    { route: "POST /api/studio/shows/:showId/chat/messages/:messageId/ban", allowed: STUDIO, path: () => `${chat()}/messages/msg_nope/ban`, body: {} },
    { route: "PATCH /api/studio/shows/:showId/chat/settings", allowed: STUDIO, path: () => `${chat()}/settings`, body: {} },
    { route: "POST /api/studio/shows/:showId/chat/words", allowed: STUDIO, path: () => `${chat()}/words`, body: { block: [], allow: [] } },
    { route: "POST /api/studio/shows/:showId/chat/pin", allowed: STUDIO, path: () => `${chat()}/pin`, body: { text: "Welcome!" } },
    { route: "DELETE /api/studio/shows/:showId/chat/pin", allowed: STUDIO, path: () => `${chat()}/pin` },
    { route: "POST /api/studio/shows/:showId/chat/moderators", allowed: STUDIO, path: () => `${chat()}/moderators`, body: { email: "mod@authz.test" } },
    { route: "DELETE /api/studio/shows/:showId/chat/moderators/:moderatorId", allowed: STUDIO, path: () => `${chat()}/moderators/acc_nope` },

    // Merchant admin.
    // Invites: a shop's owner for their shop, platform admins for the shop they name.
    {
      route: "POST /api/admin/invites",
      allowed: ["merchant", "otherMerchant", "admin"],
      path: () => "/api/admin/invites",
      body: { email: "invitee@authz.test", role: "host" },
    },
    { route: "GET /api/admin/invites", allowed: ["merchant", "otherMerchant", "admin"], path: () => "/api/admin/invites" },
    { route: "DELETE /api/admin/invites/:inviteId", allowed: ["merchant", "otherMerchant", "admin"], path: () => "/api/admin/invites/inv_nope" },
    { route: "GET /api/auth/email-verification", allowed: SIGNED_IN, path: () => "/api/auth/email-verification" },
    { route: "POST /api/auth/email-verification/resend", allowed: SIGNED_IN, path: () => "/api/auth/email-verification/resend" },
    // Shops: admins create them; owners (not staff) change details and logo; staff read them.
    { route: "POST /api/admin/merchants", allowed: ["admin"], path: () => "/api/admin/merchants", body: {} },
    { route: "GET /api/admin/shop", allowed: ANY_MERCHANT, path: () => "/api/admin/shop" },
    { route: "PATCH /api/admin/shop", allowed: ["merchant", "otherMerchant", "admin"], path: () => "/api/admin/shop", body: { nope: 1 } },
    { route: "POST /api/admin/shop/logo", allowed: ["merchant", "otherMerchant", "admin"], path: () => "/api/admin/shop/logo", body: {} },
    // The sites that may embed the shop's shows: the shop rule (owners change them, staff read them).
    { route: "GET /api/admin/shop/embed", allowed: ANY_MERCHANT, path: () => "/api/admin/shop/embed" },
    { route: "PUT /api/admin/shop/embed", allowed: ["merchant", "otherMerchant", "admin"], path: () => "/api/admin/shop/embed", body: { nope: 1 } },
    // The show form: the merchant rule (own shop's owner and staff; admins name the shop).
    { route: "GET /api/admin/hosts", allowed: ANY_MERCHANT, path: () => "/api/admin/hosts" },
    { route: "GET /api/admin/shows", allowed: ANY_MERCHANT, path: () => "/api/admin/shows" },
    { route: "POST /api/admin/shows", allowed: ANY_MERCHANT, path: () => "/api/admin/shows", body: {} },
    { route: "GET /api/admin/shows/:showId", allowed: MERCHANT, path: () => `/api/admin/shows/${ids.show}` },
    { route: "PATCH /api/admin/shows/:showId", allowed: MERCHANT, path: () => `/api/admin/shows/${ids.show}`, body: { nope: 1 } },
    { route: "POST /api/admin/shows/:showId/cancel", allowed: MERCHANT, path: () => `/api/admin/shows/${ids.secondShow}/cancel` },
    { route: "POST /api/admin/shows/:showId/duplicate", allowed: MERCHANT, path: () => `/api/admin/shows/${ids.secondShow}/duplicate`, body: {} },
    { route: "POST /api/admin/shows/:showId/cover", allowed: MERCHANT, path: () => `/api/admin/shows/${ids.show}/cover`, body: {} },
    { route: "GET /api/admin/orders", allowed: MERCHANT, path: () => `/api/admin/orders?showId=${ids.show}` },
    { route: "GET /api/admin/orders.csv", allowed: MERCHANT, path: () => `/api/admin/orders.csv?showId=${ids.show}` },
    { route: "GET /api/admin/orders/:orderId", allowed: MERCHANT, path: () => `/api/admin/orders/${ids.order}` },
    { route: "GET /api/admin/orders/:orderId/packing-slip", allowed: MERCHANT, path: () => `/api/admin/orders/${ids.order}/packing-slip` },
    { route: "POST /api/admin/orders/:orderId/fulfil", allowed: MERCHANT, path: () => `/api/admin/orders/${ids.order}/fulfil`, body: {} },
    { route: "POST /api/admin/orders/:orderId/deliver", allowed: MERCHANT, path: () => `/api/admin/orders/${ids.order}/deliver` },
    { route: "POST /api/admin/orders/:orderId/refund", allowed: MERCHANT, path: () => `/api/admin/orders/${ids.order}/refund`, body: { quantity: 0 } },
    { route: "GET /api/admin/products", allowed: ANY_MERCHANT, path: () => "/api/admin/products" },
    { route: "POST /api/admin/products", allowed: ANY_MERCHANT, path: () => "/api/admin/products", body: {} },
    { route: "GET /api/admin/products/:id", allowed: MERCHANT, path: () => `/api/admin/products/${ids.product}` },
    { route: "PATCH /api/admin/products/:id", allowed: MERCHANT, path: () => `/api/admin/products/${ids.product}`, body: { nope: 1 } },
    { route: "DELETE /api/admin/products/:id", allowed: MERCHANT, path: () => `/api/admin/products/${ids.doomedProduct}` },
    { route: "POST /api/admin/products/:id/variants", allowed: MERCHANT, path: () => `/api/admin/products/${ids.product}/variants`, body: {} },
    {
      route: "PATCH /api/admin/products/:id/variants/:variantId",
      allowed: MERCHANT,
      path: () => `/api/admin/products/${ids.product}/variants/var_nope`,
      body: {},
    },
    { route: "DELETE /api/admin/products/:id/variants/:variantId", allowed: MERCHANT, path: () => `/api/admin/products/${ids.product}/variants/var_nope` },
    { route: "POST /api/admin/products/:id/image", allowed: MERCHANT, path: () => `/api/admin/products/${ids.product}/image`, body: {} },
    { route: "GET /api/admin/sales", allowed: ANY_MERCHANT, path: () => "/api/admin/sales" },
    { route: "GET /api/admin/offers", allowed: ANY_MERCHANT, path: () => "/api/admin/offers" },
    { route: "GET /api/admin/webhooks", allowed: ANY_MERCHANT, path: () => "/api/admin/webhooks" },
    {
      route: "POST /api/admin/webhooks",
      allowed: ANY_MERCHANT,
      path: () => "/api/admin/webhooks",
      body: { url: "https://hooks.invalid/showcart", events: ["order.paid"] },
    },
    { route: "DELETE /api/admin/webhooks/:endpointId", allowed: ANY_MERCHANT, path: () => "/api/admin/webhooks/whe_nope" },
    { route: "GET /api/admin/webhooks/:endpointId/deliveries", allowed: ANY_MERCHANT, path: () => "/api/admin/webhooks/whe_nope/deliveries" },
    { route: "POST /api/admin/webhooks/:endpointId/secret/reveal", allowed: ANY_MERCHANT, path: () => "/api/admin/webhooks/whe_nope/secret/reveal" },
    { route: "POST /api/admin/webhooks/:endpointId/secret/rotate", allowed: ANY_MERCHANT, path: () => "/api/admin/webhooks/whe_nope/secret/rotate" },
    {
      route: "POST /api/admin/webhooks/:endpointId/deliveries/:deliveryId/retry",
      allowed: ANY_MERCHANT,
      path: () => "/api/admin/webhooks/whe_nope/deliveries/whd_nope/retry",
    },

    // Commissions and payouts.
    { route: "GET /api/admin/commission-rules", allowed: ANY_MERCHANT, path: () => "/api/admin/commission-rules" },
    { route: "POST /api/admin/commission-rules", allowed: ANY_MERCHANT, path: () => "/api/admin/commission-rules", body: {} },
    { route: "GET /api/admin/commission-rules/:version", allowed: ANY_MERCHANT, path: () => "/api/admin/commission-rules/999" },
    { route: "DELETE /api/admin/commission-rules", allowed: ANY_MERCHANT, path: () => "/api/admin/commission-rules" },
    { route: "GET /api/admin/shows/:showId/hosts", allowed: MERCHANT, path: () => `/api/admin/shows/${ids.show}/hosts` },
    { route: "PUT /api/admin/shows/:showId/hosts", allowed: MERCHANT, path: () => `/api/admin/shows/${ids.show}/hosts`, body: {} },
    { route: "GET /api/admin/payout-settings", allowed: ANY_MERCHANT, path: () => "/api/admin/payout-settings" },
    { route: "PUT /api/admin/payout-settings", allowed: ANY_MERCHANT, path: () => "/api/admin/payout-settings", body: {} },
    { route: "GET /api/admin/payouts", allowed: ANY_MERCHANT, path: () => "/api/admin/payouts" },
    { route: "POST /api/admin/payouts", allowed: ANY_MERCHANT, path: () => "/api/admin/payouts", body: { nope: 1 } },
    { route: "GET /api/admin/payouts/batches/:batchId/pain.001.xml", allowed: ANY_MERCHANT, path: () => "/api/admin/payouts/batches/pob_nope/pain.001.xml" },
    // Web Push: a signed-in account subscribes its browser (a guest only for a reminder it made: push tests); a
    // subscription is removed by its owner (or its browser's token: push tests).
    { route: "POST /api/push/subscriptions", allowed: SIGNED_IN, path: () => "/api/push/subscriptions", body: { subscription: pushSubscription("row") } },
    { route: "DELETE /api/push/subscriptions/:subscriptionId", allowed: ["buyer"], path: () => `/api/push/subscriptions/${ids.pushSubscription}` },

    // Reminders and follows: the signed-in viewer's own; follower counts for the show's team and the shop's staff.
    { route: "GET /api/shows/:idOrSlug/reminder", allowed: SIGNED_IN, path: () => `/api/shows/${ids.secondShow}/reminder` },
    { route: "DELETE /api/shows/:idOrSlug/reminder", allowed: SIGNED_IN, path: () => `/api/shows/${ids.secondShow}/reminder` },
    { route: "GET /api/follows/:target/:targetId", allowed: SIGNED_IN, path: () => "/api/follows/shop/mch_nope" },
    { route: "PUT /api/follows/:target/:targetId", allowed: SIGNED_IN, path: () => "/api/follows/shop/mch_nope" },
    { route: "DELETE /api/follows/:target/:targetId", allowed: SIGNED_IN, path: () => "/api/follows/shop/mch_nope" },
    { route: "GET /api/studio/shows/:showId/followers", allowed: STUDIO, path: () => `${s()}/followers` },
    { route: "GET /api/admin/followers", allowed: ANY_MERCHANT, path: () => "/api/admin/followers" },
    // Analytics: a show's report for its managers (as the studio); the shop overview for its owner and staff.
    { route: "GET /api/analytics/shows/:showId/report", allowed: STUDIO, path: () => `/api/analytics/shows/${ids.show}/report` },
    { route: "GET /api/analytics/shows/:showId/report.csv", allowed: STUDIO, path: () => `/api/analytics/shows/${ids.show}/report.csv?chart=viewers` },
    { route: "GET /api/analytics/shows/:showId/live", allowed: STUDIO, path: () => `/api/analytics/shows/${ids.show}/live` },
    { route: "GET /api/analytics/shops/:merchantId/overview", allowed: MERCHANT, path: () => `/api/analytics/shops/${ids.merchant}/overview` },
    {
      route: "GET /api/analytics/shops/:merchantId/overview.csv",
      allowed: MERCHANT,
      path: () => `/api/analytics/shops/${ids.merchant}/overview.csv?chart=shows`,
    },
    // WHIP: the show's team (or its stream key as Bearer: test/api/whip.http.test.ts). A valid role gets invalid_sdp for
    // this offer, 404 for a session that does not exist, 501 for PATCH.
    {
      route: "POST /api/shows/:showId/whip",
      allowed: STUDIO,
      path: () => `/api/shows/${ids.show}/whip`,
      raw: "v=0\r\nnot an offer\r\n",
      headers: () => ({ "content-type": "application/sdp" }),
    },
    { route: "DELETE /api/shows/:showId/whip/:sessionId", allowed: STUDIO, path: () => `/api/shows/${ids.show}/whip/whs_nosuchsession0000000000` },
    {
      route: "PATCH /api/shows/:showId/whip/:sessionId",
      allowed: STUDIO,
      path: () => `/api/shows/${ids.show}/whip/whs_nosuchsession0000000000`,
      raw: "a=end-of-candidates\r\n",
      headers: () => ({ "content-type": "application/trickle-ice-sdpfrag" }),
    },
    // Earnings: every signed-in account sees its own (none for most).
    { route: "GET /api/earnings", allowed: SIGNED_IN, path: () => "/api/earnings" },
    { route: "PUT /api/earnings/payout-account", allowed: SIGNED_IN, path: () => "/api/earnings/payout-account", body: {} },
    { route: "GET /api/earnings/statements/:file", allowed: SIGNED_IN, path: () => "/api/earnings/statements/2026-01.csv" },
  ];

  it("has a row for every registered route that is not public", () => {
    const registered = new Set(server.app.routeList.filter((r) => r.method !== "HEAD" && r.method !== "OPTIONS").map((r) => `${r.method} ${r.url}`));
    const covered = new Set(rows.map((r) => r.route));
    const missing = [...registered].filter((r) => !PUBLIC.has(r) && !covered.has(r));
    expect(missing, "protected routes without a row in the authz matrix").toEqual([]);
    // And no row for a route that no longer exists (a renamed route would otherwise go untested).
    expect([...covered].filter((r) => !registered.has(r))).toEqual([]);
  });

  it.each(rows.map((r) => [r.route, r] as const))("%s", async (_name, row) => {
    const outcome: Partial<Record<Role, string>> = {};
    const expected: Partial<Record<Role, string>> = {};
    const method = row.route.split(" ")[0]!;
    // Denied roles first: an allowed call may change state (delete, end, rotate) that a later refusal must not depend on.
    const order = [...ROLES.filter((r) => !row.allowed.includes(r)), ...ROLES.filter((r) => row.allowed.includes(r))];
    for (const role of order) {
      const res = await request(server.url, method, row.path(), { cookie: cookies.get(role), body: row.body, raw: row.raw, headers: row.headers?.() });
      outcome[role] = res.status === 401 || res.status === 403 ? "denied" : "allowed";
      expected[role] = row.allowed.includes(role) ? "allowed" : "denied";
    }
    expect(outcome).toEqual(expected);
  });
});
