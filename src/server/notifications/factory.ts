import type { FollowService } from "../follows/index.js";
import { type ModuleContext, type ModulePlugin, modulePlugin } from "../modules.js";
import type { Outbox } from "../outbox/index.js";
import { type ShowService, showCoverUrl } from "../shows/index.js";
import { EmailChannel } from "./email-channel.js";
import { Notifier } from "./notifier.js";
import { notificationsModule } from "./plugin.js";
import { type ReminderDeps, ReminderService } from "./service.js";
import { UnsubscribeTokens } from "./tokens.js";

/**
 * "Remind me" and a show's notices (the reminder 15 minutes before, go-live). They leave through the notifier's
 * channels, each writing outbox rows inside the fan-out's transaction: email here; other modules add theirs (push).
 */
export function createNotificationsModule(
  ctx: ModuleContext,
  doors: {
    outbox: Outbox;
    shows: ShowService;
    follows: FollowService;
    accounts: ReminderDeps["accounts"];
    catalog: { merchantName(merchantId: string): Promise<string> };
    merchants: { timeZoneOf(merchantId: string): Promise<string> };
  },
): { notifier: Notifier; reminders: ReminderService; plugin: ModulePlugin } {
  const { clock, publicUrl } = ctx;
  const { shows, catalog, merchants } = doors;
  const notifier = new Notifier();
  const tokens = new UnsubscribeTokens(ctx.secretsKey);
  const showPageUrl = (slug: string) => `${publicUrl}/shows/${encodeURIComponent(slug)}`;
  notifier.addChannel(new EmailChannel(doors.outbox, (id) => `${publicUrl}/api/unsubscribe/${tokens.token(id)}`));
  const reminders = new ReminderService({
    db: ctx.db,
    clock,
    shows,
    follows: doors.follows,
    accounts: doors.accounts,
    notifier,
    tokens,
    shop: async (merchantId) => ({ name: await catalog.merchantName(merchantId), timeZone: await merchants.timeZoneOf(merchantId) }),
    urls: {
      show: showPageUrl,
      unsubscribe: (token) => `${publicUrl}/unsubscribe#t=${token}`,
      cover: (show) => (show.coverImageId ? `${publicUrl}${showCoverUrl(show.id, show.coverImageId, 800)}` : null),
    },
  });
  const guestReminders = ctx.rateLimits.limit({ name: "reminder-guest", points: 20, windowSeconds: 600 });
  const plugin = modulePlugin("notifications", notificationsModule, {
    reminders,
    shows,
    shopName: (merchantId) => catalog.merchantName(merchantId),
    showUrl: showPageUrl,
    now: () => clock.now(),
    guestLimit: (req) => guestReminders.take(req.ip),
    sweepers: ctx.sweepers,
    bus: ctx.bus,
    sweepMs: ctx.config.NOTICES_SWEEP_MS,
  });
  return { notifier, reminders, plugin };
}
