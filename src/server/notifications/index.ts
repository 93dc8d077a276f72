export { type NoticeKind, type NoticeRecipient, type NoticeSubscription, type NotificationChannel, Notifier, type ShowNotice } from "./notifier.js";
