import { type ModuleContext, type ModulePlugin, modulePlugin } from "../modules.js";
import type { OfferService } from "../offers/index.js";
import type { OrderAccess, OrderSubscriptions } from "../orders/index.js";
import type { Outbox } from "../outbox/index.js";
import { WaitlistEntryAccess } from "./entry-access.js";
import { waitlistModule } from "./plugin.js";
import { WaitlistService } from "./service.js";

/** The sold-out waitlist: an orders subscriber (released and returned units go to the longest-waiting buyer). */
export function createWaitlistModule(
  ctx: ModuleContext,
  doors: { outbox: Outbox; offers: OfferService; orders: OrderSubscriptions; orderAccess: OrderAccess },
): { waitlist: WaitlistService; plugin: ModulePlugin } {
  const { publicUrl, rateLimits } = ctx;
  const { orderAccess } = doors;
  // An entry's token goes only to the browser that joined and, by a link in the fragment, to the entry's address.
  const access = new WaitlistEntryAccess(ctx.secretsKey);
  const links = rateLimits.limit({ name: "waitlist-link", points: 3, windowSeconds: 3600 });
  const waitlist = new WaitlistService({
    db: ctx.db,
    clock: ctx.clock,
    outbox: doors.outbox,
    offers: doors.offers,
    // The claim link carries the order's access token in the fragment (never sent to the server, never in a log), so
    // the claim checkout may show the waitlister's own details.
    claimUrl: (showId, orderId) => `${publicUrl}/shows/${encodeURIComponent(showId)}?claim=${encodeURIComponent(orderId)}#t=${orderAccess.token(orderId)}`,
    entryUrl: (showId, entryId) => `${publicUrl}/shows/${encodeURIComponent(showId)}?waitlist=${encodeURIComponent(entryId)}#wt=${access.token(entryId)}`,
    mayEmailEntryLink: async (entryId) => (await links.hit(entryId)) === 0,
  });
  waitlist.subscribeToOrders(doors.orders);
  const joins = rateLimits.limit({ name: "waitlist-join", points: 30, windowSeconds: 600 });
  return {
    waitlist,
    plugin: modulePlugin("waitlist", waitlistModule, {
      waitlist,
      access,
      orderToken: (orderId) => orderAccess.token(orderId),
      rateLimit: (req) => joins.take(req.ip),
    }),
  };
}
