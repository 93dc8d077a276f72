export type { NotificationsTables } from "./schema.js";
export { type NoticeKind, type NoticeRecipient, type NoticeSubscription, type NotificationChannel, Notifier, type ShowNotice } from "./notifier.js";
export { EmailChannel } from "./email-channel.js";
export { ReminderService, REMINDER_LEAD_MS } from "./service.js";
export { UnsubscribeTokens } from "./tokens.js";
export { notificationsModule } from "./plugin.js";
export { createNotificationsModule } from "./factory.js";
