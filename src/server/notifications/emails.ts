import { type EmailLang, type EmailMessage, renderEmail } from "../mail/index.js";
import type { NoticeRecipient, ShowNotice } from "./notifier.js";

// A show's reminder and go-live emails, in German and English. The words live here; mail/template.ts lays them out.

const LOCALE: Record<EmailLang, string> = { de: "de-DE", en: "en-GB" };

const words = {
  en: {
    soonSubject: (title: string) => `Starting in 15 minutes: ${title}`,
    liveSubject: (title: string) => `Live now: ${title}`,
    greeting: "Hello,",
    soonLead: (n: ShowNotice, time: string) => `“${n.show.title}” with ${n.show.hostName} from ${n.show.shopName} starts at ${time}.`,
    liveLead: (n: ShowNotice) => `${n.show.hostName} has just gone live from ${n.show.shopName}: “${n.show.title}”.`,
    watch: "Watch the show",
    why: (r: NoticeRecipient, n: ShowNotice) =>
      r.subscription.kind === "reminder"
        ? "You get this email because you asked to be reminded of this show."
        : `You get this email because you follow ${r.subscription.target === "host" ? n.show.hostName : n.show.shopName} on Showcart.`,
    unsubscribe: (r: NoticeRecipient) => (r.subscription.kind === "reminder" ? "Unsubscribe from this reminder" : "Unfollow (no more emails)"),
  },
  de: {
    soonSubject: (title: string) => `In 15 Minuten geht es los: ${title}`,
    liveSubject: (title: string) => `Jetzt live: ${title}`,
    greeting: "Hallo,",
    soonLead: (n: ShowNotice, time: string) => `„${n.show.title}“ mit ${n.show.hostName} von ${n.show.shopName} beginnt um ${time}.`,
    liveLead: (n: ShowNotice) => `${n.show.hostName} ist gerade bei ${n.show.shopName} live gegangen: „${n.show.title}“.`,
    watch: "Zur Show",
    why: (r: NoticeRecipient, n: ShowNotice) =>
      r.subscription.kind === "reminder"
        ? "Du bekommst diese E-Mail, weil du dich an diese Show erinnern lassen wolltest."
        : `Du bekommst diese E-Mail, weil du ${r.subscription.target === "host" ? n.show.hostName : n.show.shopName} auf Showcart folgst.`,
    unsubscribe: (r: NoticeRecipient) => (r.subscription.kind === "reminder" ? "Erinnerung abbestellen" : "Nicht mehr folgen (keine E-Mails mehr)"),
  },
} as const;

/** The notice as an email to one recipient (who must have an address), in the recipient's language. */
export function noticeEmail(notice: ShowNotice, recipient: NoticeRecipient & { email: string }, timeZone: string): EmailMessage {
  const w = words[recipient.lang];
  const time =
    notice.show.scheduledAt === null
      ? ""
      : new Intl.DateTimeFormat(LOCALE[recipient.lang], { hour: "2-digit", minute: "2-digit", timeZone, timeZoneName: "short" }).format(
          new Date(notice.show.scheduledAt),
        );
  const soon = notice.kind === "show.starting_soon";
  return renderEmail(recipient.email, recipient.lang, {
    subject: soon ? w.soonSubject(notice.show.title) : w.liveSubject(notice.show.title),
    greeting: w.greeting,
    parts: [soon ? w.soonLead(notice, time) : w.liveLead(notice), { link: notice.url, label: w.watch }],
    footer: w.why(recipient, notice),
    unsubscribe: { url: recipient.unsubscribeUrl, label: w.unsubscribe(recipient) },
  });
}
