import { coreMessages } from "../i18n/coreText.js";
import { combineMessages, defineMessages, useMessages } from "../i18n/messages.js";

// "Remind me", the upcoming page around it, and the unsubscribe page. Loaded with the upcoming page (not by the live
// room's first load) and by the account pages' bundle for /unsubscribe.
const reminderMessages = combineMessages(
  defineMessages(
    {
      "remind.button": "Remind me",
      "remind.email": "Your email address",
      "remind.submit": "Email me",
      "remind.set": "Reminder set: we email you 15 minutes before the start and when the show goes live.",
      "remind.setAccount": "Reminder set: we email {email} 15 minutes before the start and when the show goes live.",
      "remind.already": "This address already gets a reminder for this show.",
      "remind.cancel": "Cancel reminder",
      "remind.cancelled": "Reminder cancelled.",
      "upcoming.heading": "Coming up",
      "upcoming.startsIn": "Starts in",
      "upcoming.days": { one: "{n} day", other: "{n} days" },
      "upcoming.soon": "Starting any moment now",
      "upcoming.noTime": "The start time has not been set yet.",
      "upcoming.calendar": "Add to calendar",
      "upcoming.lineup": "On sale in this show",
      "upcoming.showPrice": "Show price {price}, instead of {regular}",
      "upcoming.cover": "Cover of {title}",
      "unsubscribe.title": "Unsubscribe",
      "unsubscribe.working": "Unsubscribing…",
      "unsubscribe.reminder": "Done: no more reminders for “{name}”.",
      "unsubscribe.reminderGone": "Done: this reminder no longer exists.",
      "unsubscribe.follow": "Done: you no longer follow {name} and get no more emails when they go live.",
      "unsubscribe.followGone": "Done: this follow no longer exists.",
      "unsubscribe.invalid": "This unsubscribe link is not valid. Open it exactly as it came in the email.",
    },
    {
      "remind.button": "Erinnere mich",
      "remind.email": "Deine E-Mail-Adresse",
      "remind.submit": "Per E-Mail erinnern",
      "remind.set": "Erinnerung gesetzt: Wir schreiben dir 15 Minuten vor Beginn und wenn die Show live geht.",
      "remind.setAccount": "Erinnerung gesetzt: Wir schreiben an {email} 15 Minuten vor Beginn und wenn die Show live geht.",
      "remind.already": "Diese Adresse wird an diese Show schon erinnert.",
      "remind.cancel": "Erinnerung abbestellen",
      "remind.cancelled": "Erinnerung abbestellt.",
      "upcoming.heading": "Demnächst",
      "upcoming.startsIn": "Beginnt in",
      "upcoming.days": { one: "{n} Tag", other: "{n} Tagen" },
      "upcoming.soon": "Es geht jeden Moment los",
      "upcoming.noTime": "Der Beginn steht noch nicht fest.",
      "upcoming.calendar": "Zum Kalender hinzufügen",
      "upcoming.lineup": "In dieser Show im Angebot",
      "upcoming.showPrice": "Showpreis {price} statt {regular}",
      "upcoming.cover": "Titelbild von {title}",
      "unsubscribe.title": "Abbestellen",
      "unsubscribe.working": "Wird abbestellt…",
      "unsubscribe.reminder": "Erledigt: keine Erinnerungen mehr an „{name}“.",
      "unsubscribe.reminderGone": "Erledigt: Diese Erinnerung gibt es nicht mehr.",
      "unsubscribe.follow": "Erledigt: Du folgst {name} nicht mehr und bekommst keine E-Mails mehr, wenn es live geht.",
      "unsubscribe.followGone": "Erledigt: Dieses Folgen gibt es nicht mehr.",
      "unsubscribe.invalid": "Dieser Abmeldelink ist ungültig. Öffne ihn genau so, wie er in der E-Mail stand.",
    },
  ),
  coreMessages,
);

export const useReminderText = () => useMessages(reminderMessages);
