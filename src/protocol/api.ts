// The wire types by domain live in ./api/*.ts (one file per server module); this file gathers them so importers
// on both sides keep one import path.
export * from "./api/common.js";
export * from "./api/orders.js";
export * from "./api/accounts.js";
export * from "./api/shows.js";
export * from "./api/discover.js";
export * from "./api/offers.js";
export * from "./api/lineup.js";
export * from "./api/chat.js";
export * from "./api/simulcast.js";
export * from "./api/waitlist.js";
export * from "./api/catalog.js";
export * from "./api/merchants.js";
export * from "./api/media.js";
export * from "./api/auctions.js";
export * from "./api/giveaways.js";
export * from "./api/polls.js";
export * from "./api/commissions.js";
export * from "./api/coupons.js";
export * from "./api/mystery.js";
export * from "./api/push.js";
export * from "./api/notifications.js";
export * from "./api/analytics.js";
export * from "./api/stage.js";
