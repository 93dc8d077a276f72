import { coreMessages } from "../i18n/coreText.js";
import { combineMessages, defineMessages, useMessages } from "../i18n/messages.js";

// The share sheet's strings (viewer page: live, upcoming and replay); loaded with the sheet.
const shareMessages = combineMessages(
  defineMessages(
    {
      "share.title": "Share this show",
      "share.link": "Link to the show",
      "share.yours": "Your share link: sales through it are credited to you.",
      "share.newTab": "(opens in a new tab)",
      "share.email": "E-mail",
      "share.copy": "Copy link",
      "share.copied": "Link copied.",
      "share.copyFailed": "Could not copy. Select the link above and copy it.",
      "share.loadFailed": "The link could not be loaded. Please try again.",
      "share.close": "Close",
    },
    {
      "share.title": "Diese Show teilen",
      "share.link": "Link zur Show",
      "share.yours": "Dein Teilen-Link: Verkäufe darüber werden dir gutgeschrieben.",
      "share.newTab": "(öffnet in neuem Tab)",
      "share.email": "E-Mail",
      "share.copy": "Link kopieren",
      "share.copied": "Link kopiert.",
      "share.copyFailed": "Kopieren ging nicht. Markiere den Link oben und kopiere ihn.",
      "share.loadFailed": "Der Link konnte nicht geladen werden. Bitte versuche es erneut.",
      "share.close": "Schließen",
    },
  ),
  coreMessages,
);

export const useShareText = () => useMessages(shareMessages);
