import { coreMessages } from "../i18n/coreText.js";
import { combineMessages, defineMessages, useMessages } from "../i18n/messages.js";

// The Web Push opt-in beside "Remind me" and the follow buttons.
const pushMessages = combineMessages(
  defineMessages(
    {
      "push.title": "Notifications",
      "push.lead": "Shows you follow or asked to be reminded of can also notify this device: 15 minutes before they start and when they go live.",
      "push.enable": "Also notify me on this device",
      "push.on": "Notifications on for this device",
      "push.off": "Turn off",
      "push.blocked": "Notifications are blocked for this site in your browser's settings.",
      "push.failed": "This browser could not turn on notifications.",
    },
    {
      "push.title": "Benachrichtigungen",
      "push.lead":
        "Shows, denen du folgst oder an die du erinnert werden willst, können auch dieses Gerät benachrichtigen: 15 Minuten vor Beginn und wenn sie live gehen.",
      "push.enable": "Auch auf diesem Gerät benachrichtigen",
      "push.on": "Benachrichtigungen auf diesem Gerät an",
      "push.off": "Ausschalten",
      "push.blocked": "Benachrichtigungen sind für diese Seite in den Browser-Einstellungen blockiert.",
      "push.failed": "Dieser Browser konnte Benachrichtigungen nicht einschalten.",
    },
  ),
  coreMessages,
);

export const usePushText = () => useMessages(pushMessages);
