import path from "node:path";
import type { Config } from "../config.js";
import { type ModuleContext, type ModulePlugin, modulePlugin } from "../modules.js";
import type { Notifier, ReminderService } from "../notifications/index.js";
import type { Outbox } from "../outbox/index.js";
import { SecretBox } from "../simulcast/index.js";
import { PushSubscriptionAccess } from "./access.js";
import { pushModule } from "./plugin.js";
import { PushService } from "./service.js";
import { loadVapidKeys } from "./vapid.js";

/**
 * Web Push: a show's reminders and go-live notices also reach the browsers that opted in (the notifier's "push"
 * channel, added after email); a guest's subscriptions hang on its reminder and go with it.
 */
export async function createPushModule(
  ctx: ModuleContext,
  doors: {
    outbox: Outbox;
    notifier: Notifier;
    reminders: Pick<ReminderService, "isGuestReminderToken" | "onReminderRemoved">;
    /** An extra CA trusted for push endpoints (tests: the local push endpoint's self-signed certificate). */
    ca?: string | Buffer;
  },
): Promise<{ push: PushService; plugin: ModulePlugin }> {
  const { config, log } = ctx;
  const { outbox, reminders } = doors;
  // The VAPID pair is generated on the first start (DATA_DIR/vapid-keys.json and, sealed, the database, which every
  // node reads: see vapid.ts).
  const vapid = await loadVapidKeys({ db: ctx.db, clock: ctx.clock, dataDir: config.dataDir, box: new SecretBox(ctx.secretsKey) });
  if (vapid.source === "generated") log.info({ file: vapid.file }, "generated the Web Push (VAPID) key pair (mode 600); back it up with the database");
  if (vapid.fileDiffers) log.warn({ file: vapid.file }, "the VAPID key pair in DATA_DIR differs from the database's; the database's is used");
  const push = new PushService({
    db: ctx.db,
    clock: ctx.clock,
    outbox,
    log: log.child({ module: "push" }),
    keys: vapid.keys,
    subject: config.VAPID_SUBJECT ?? vapidSubject(config),
    access: new PushSubscriptionAccess(ctx.secretsKey),
    allowPrivate: config.PUSH_ALLOW_PRIVATE,
    ca: doors.ca,
    // A guest's browser opts in for the reminder it just made, with the token "Remind me" answered.
    guestReminder: (reminderId, token) => reminders.isGuestReminderToken(reminderId, token),
  });
  outbox.handle("push.send", async (job) => void (await push.deliver(job)));
  reminders.onReminderRemoved((tx, reminderId) => push.forgetReminder(tx, reminderId));
  doors.notifier.addChannel(push.channel);
  return { push, plugin: modulePlugin("push", pushModule, { push, distDir: path.resolve("dist/web") }) };
}

/** RFC 8292 `sub` when VAPID_SUBJECT is not set: the public https URL, else the sender address of emails. */
function vapidSubject(config: Config): string {
  if (config.PUBLIC_URL?.startsWith("https://")) return new URL(config.PUBLIC_URL).origin;
  const address = /<([^>]+)>/.exec(config.MAIL_FROM)?.[1] ?? config.MAIL_FROM.trim();
  return `mailto:${address}`;
}
