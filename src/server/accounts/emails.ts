import { type EmailBody, type EmailLang, type EmailMessage, renderEmail } from "../mail/index.js";

// The account emails, one dictionary per language. Links carry their token in the #fragment (never sent to a server).

const RESET: Record<EmailLang, (name: string, link: string) => EmailBody> = {
  en: (name, link) => ({
    subject: "Showcart: reset your password",
    greeting: `Hello ${name},`,
    parts: ["use this link to reset your Showcart password. It works once, for one hour.", { link, label: "Choose a new password" }],
    footer: "If you did not ask for this, ignore this email: your password stays as it is.",
  }),
  de: (name, link) => ({
    subject: "Showcart: Passwort zurücksetzen",
    greeting: `Hallo ${name},`,
    parts: ["über diesen Link setzt du dein Showcart-Passwort zurück. Er gilt einmal, eine Stunde lang.", { link, label: "Neues Passwort wählen" }],
    footer: "Wenn du das nicht angefordert hast, ignoriere diese E-Mail: dein Passwort bleibt, wie es ist.",
  }),
};

const CONFIRM_SIGN_UP: Record<EmailLang, (name: string, link: string) => EmailBody> = {
  en: (name, link) => ({
    subject: "Showcart: confirm your email",
    greeting: `Hello ${name},`,
    parts: [
      "use this link to confirm your email and create your Showcart account. It works once, for 24 hours.",
      { link, label: "Confirm and create my account" },
    ],
    footer: "If this was not you, ignore this email.",
  }),
  de: (name, link) => ({
    subject: "Showcart: E-Mail-Adresse bestätigen",
    greeting: `Hallo ${name},`,
    parts: [
      "über diesen Link bestätigst du deine E-Mail-Adresse und legst dein Showcart-Konto an. Er gilt einmal, 24 Stunden lang.",
      { link, label: "Bestätigen und Konto anlegen" },
    ],
    footer: "Wenn du das nicht warst, ignoriere diese E-Mail.",
  }),
};

// Sent instead of a sign-up link when the email has an account: the owner learns someone tried, nobody else learns anything.
const ACCOUNT_EXISTS: Record<EmailLang, (name: string, publicUrl: string) => EmailBody> = {
  en: (name, publicUrl) => ({
    subject: "Showcart: you already have an account",
    greeting: `Hello ${name},`,
    parts: [
      "someone asked to create a Showcart account with this email. You already have one: sign in, or reset your password if you forgot it.",
      { link: `${publicUrl}/login`, label: "Sign in" },
      { link: `${publicUrl}/forgot-password`, label: "Reset my password" },
    ],
    footer: "If this was not you, ignore this email.",
  }),
  de: (name, publicUrl) => ({
    subject: "Showcart: Du hast schon ein Konto",
    greeting: `Hallo ${name},`,
    parts: [
      "jemand wollte mit dieser E-Mail-Adresse ein Showcart-Konto anlegen. Du hast schon eines: melde dich an, oder setze dein Passwort zurück, falls du es vergessen hast.",
      { link: `${publicUrl}/login`, label: "Anmelden" },
      { link: `${publicUrl}/forgot-password`, label: "Passwort zurücksetzen" },
    ],
    footer: "Wenn du das nicht warst, ignoriere diese E-Mail.",
  }),
};

// The first-run admin confirms the address Showcart was set up with.
const VERIFY: Record<EmailLang, (name: string, link: string) => EmailBody> = {
  en: (name, link) => ({
    subject: "Showcart: confirm your email",
    greeting: `Hello ${name},`,
    parts: ["you set up Showcart. Please confirm your email address with this link; it works once, for 3 days.", { link, label: "Confirm my email" }],
    footer: "If this was not you, ignore this email.",
  }),
  de: (name, link) => ({
    subject: "Showcart: E-Mail-Adresse bestätigen",
    greeting: `Hallo ${name},`,
    parts: [
      "du hast Showcart eingerichtet. Bitte bestätige deine E-Mail-Adresse über diesen Link; er gilt einmal, 3 Tage lang.",
      { link, label: "E-Mail-Adresse bestätigen" },
    ],
    footer: "Wenn du das nicht warst, ignoriere diese E-Mail.",
  }),
};

const INVITE: Record<EmailLang, (merchant: string, inviter: string, role: "host" | "staff", link: string) => EmailBody> = {
  en: (merchant, inviter, role, link) => ({
    subject: `${merchant} invites you to Showcart`,
    greeting: "Hello,",
    parts: [
      `${inviter} invites you ${role === "host" ? "as a host" : "to the team"} of ${merchant} on Showcart. Create your account with this link; it works for 7 days.`,
      { link, label: "Accept the invitation" },
    ],
    footer: "If you did not expect this invitation, ignore this email.",
  }),
  de: (merchant, inviter, role, link) => ({
    subject: `${merchant} lädt dich zu Showcart ein`,
    greeting: "Hallo,",
    parts: [
      `${inviter} lädt dich ${role === "host" ? "als Host" : "ins Team"} von ${merchant} auf Showcart ein. Über diesen Link legst du dein Konto an; er gilt 7 Tage.`,
      { link, label: "Einladung annehmen" },
    ],
    footer: "Wenn du diese Einladung nicht erwartet hast, ignoriere diese E-Mail.",
  }),
};

export const resetEmail = (to: string, name: string, link: string, lang: EmailLang): EmailMessage => renderEmail(to, lang, RESET[lang](name, link));

export const confirmSignUpEmail = (to: string, name: string, link: string, lang: EmailLang): EmailMessage =>
  renderEmail(to, lang, CONFIRM_SIGN_UP[lang](name, link));

export const accountExistsEmail = (to: string, name: string, publicUrl: string, lang: EmailLang): EmailMessage =>
  renderEmail(to, lang, ACCOUNT_EXISTS[lang](name, publicUrl));

export const verifyEmail = (to: string, name: string, link: string, lang: EmailLang): EmailMessage => renderEmail(to, lang, VERIFY[lang](name, link));

export const inviteEmail = (to: string, merchant: string, inviter: string, role: "host" | "staff", link: string, lang: EmailLang): EmailMessage =>
  renderEmail(to, lang, INVITE[lang](merchant, inviter, role, link));
