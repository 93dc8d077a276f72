import { coreMessages } from "../i18n/coreText.js";
import { combineMessages, defineMessages, useMessages } from "../i18n/messages.js";

// The account pages' strings (password reset, invitation, sign-up confirmation): only /account loads them, so the
// viewer's first load (whose weight is benchmarked) does not carry them. Keys not found here are the shared ones.
const accountMessages = combineMessages(
  defineMessages(
    {
      "account.forgot.title": "Reset your password",
      "account.forgot.text": "Enter your email. If it has an account, we send you a link to set a new password.",
      "account.forgot.submit": "Send the link",
      "account.forgot.sent": "If the address has an account, the link is on its way. It is valid for one hour.",
      "account.reset.title": "Choose a new password",
      "account.reset.submit": "Save the password",
      "account.reset.done": "Your password is changed. Sign in with it.",
      "account.invite.title": "Join the team",
      "account.invite.name": "Your name",
      "account.invite.submit": "Create my account",
      "account.password.new": "New password (at least 10 characters)",
      "account.token.invalid": "This link is invalid, used or expired. Ask for a new one.",
      "account.token.missing": "This page needs the link from your email.",
      "account.signup.title": "Confirm your email",
      "account.signup.text": "One click and your account is ready: you are signed in right away.",
      "account.signup.submit": "Confirm and sign in",
      "account.signup.done": "Your account is ready and you are signed in.",
    },
    {
      "account.forgot.title": "Passwort zurücksetzen",
      "account.forgot.text": "Gib deine E-Mail-Adresse ein. Wenn es dazu ein Konto gibt, schicken wir dir einen Link für ein neues Passwort.",
      "account.forgot.submit": "Link senden",
      "account.forgot.sent": "Wenn es zu der Adresse ein Konto gibt, ist der Link unterwegs. Er gilt eine Stunde.",
      "account.reset.title": "Neues Passwort wählen",
      "account.reset.submit": "Passwort speichern",
      "account.reset.done": "Dein Passwort ist geändert. Melde dich damit an.",
      "account.invite.title": "Dem Team beitreten",
      "account.invite.name": "Dein Name",
      "account.invite.submit": "Konto anlegen",
      "account.password.new": "Neues Passwort (mindestens 10 Zeichen)",
      "account.token.invalid": "Dieser Link ist ungültig, schon benutzt oder abgelaufen. Fordere einen neuen an.",
      "account.token.missing": "Diese Seite braucht den Link aus deiner E-Mail.",
      "account.signup.title": "E-Mail-Adresse bestätigen",
      "account.signup.text": "Ein Klick, und dein Konto ist bereit: du bist gleich angemeldet.",
      "account.signup.submit": "Bestätigen und anmelden",
      "account.signup.done": "Dein Konto ist bereit und du bist angemeldet.",
    },
  ),
  coreMessages,
);

/** Like useI18n, with the account pages' strings added. */
export function useAccountText() {
  return useMessages(accountMessages);
}
