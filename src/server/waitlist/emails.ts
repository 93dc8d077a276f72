import { type EmailBody, type EmailLang, type EmailMessage, renderEmail } from "../mail/index.js";

// The waitlist's emails, one dictionary per language (the page the buyer joined from).

const ALREADY_WAITING: Record<EmailLang, (title: string, link: string) => EmailBody> = {
  en: (title, link) => ({
    subject: `Showcart: your place on the waitlist for ${title}`,
    greeting: "Hello,",
    parts: [
      `someone asked to put this address on the waitlist for “${title}”. It is already on it; this link opens your place in line (keep it to yourself).`,
      { link, label: "My place on the waitlist" },
    ],
    footer: "If that was not you, ignore this email.",
  }),
  de: (title, link) => ({
    subject: `Showcart: dein Platz auf der Warteliste für ${title}`,
    greeting: "Hallo,",
    parts: [
      `jemand wollte diese Adresse auf die Warteliste für „${title}“ setzen. Sie steht schon darauf; dieser Link öffnet deinen Platz (behalte ihn für dich).`,
      { link, label: "Mein Platz auf der Warteliste" },
    ],
    footer: "Wenn du das nicht warst, ignoriere diese E-Mail.",
  }),
};

const CLAIM: Record<EmailLang, (title: string, minutes: number, link: string) => EmailBody> = {
  en: (title, minutes, link) => ({
    subject: `Showcart: ${title} is available for you`,
    greeting: "Good news!",
    parts: [
      `A unit of “${title}” came back and is reserved for you for ${minutes} ${minutes === 1 ? "minute" : "minutes"}.`,
      "Claim it before it goes to the next person on the waitlist:",
      { link, label: "Claim it now" },
    ],
  }),
  de: (title, minutes, link) => ({
    subject: `Showcart: ${title} ist für dich da`,
    greeting: "Gute Nachricht!",
    parts: [
      `Ein Stück von „${title}“ ist zurückgekommen und für ${minutes} ${minutes === 1 ? "Minute" : "Minuten"} für dich reserviert.`,
      "Sichere es dir, bevor es an die nächste Person auf der Warteliste geht:",
      { link, label: "Jetzt sichern" },
    ],
  }),
};

export const alreadyWaitingEmail = (to: string, title: string, link: string, lang: EmailLang): EmailMessage =>
  renderEmail(to, lang, ALREADY_WAITING[lang](title, link));

export const claimEmail = (to: string, title: string, minutes: number, link: string, lang: EmailLang): EmailMessage =>
  renderEmail(to, lang, CLAIM[lang](title, minutes, link));
