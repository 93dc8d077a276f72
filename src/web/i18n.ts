import { useEffect, useState } from "preact/hooks";

export type Lang = "de" | "en";

const en = {
  "app.name": "Showcart",
  "lang.switch": "Language",
  "status.live": "Live",
  "status.scheduled": "Upcoming",
  "status.offline": "Offline",
  "status.ended": "Ended",
  "status.reconnecting": "Reconnecting…",
  "home.title": "Live shopping",
  "home.lead": "Watch, chat and buy while it's on air.",
  "home.live": "Live now",
  "home.upcoming": "Coming up",
  "home.others": "Off air",
  "home.empty": "No shows right now. Check back soon.",
  "home.startsAt": "Starts {time}",
  "home.by": "with {host} · {merchant}",
  "home.watch": "Watch",
  "common.loading": "Loading…",
  "common.retry": "Try again",
  "common.error": "Something went wrong. Please try again.",
  "common.network": "Network problem. Check your connection and try again.",
  "common.cancel": "Cancel",
  "show.notFound": "This show does not exist (any more).",
  "show.viewers": "{n} watching",
  "show.away": "The host is away",
  "show.awayLead": "The stream starts again as soon as the host is back on air.",
  "show.scheduledLead": "This show starts {time}.",
  "show.endedLead": "This show has ended. Thanks for watching!",
  "show.connecting": "Reconnecting…",
  "player.unmute": "Tap to unmute",
  "player.mute": "Mute",
  "player.loading": "Waiting for the stream…",
  "player.quality": "Quality",
  "player.quality.auto": "Auto",
  "chat.title": "Chat",
  "chat.empty": "No messages yet. Say hi!",
  "chat.placeholder": "Say something…",
  "chat.send": "Send",
  "chat.namePrompt": "Pick a name to join the chat",
  "chat.namePlaceholder": "Your name",
  "chat.join": "Join chat",
  "chat.changeName": "Change name",
  "chat.host": "Host",
  "chat.rateLimited": "Slow down a little — try again in a moment.",
  "chat.error": "Your message was not sent: {message}",
  "chat.offline": "Chat reconnects automatically…",
  "chat.slowMode": "Slow mode is on: you can write again in {s} s.",
  "chat.muted": "You are timed out of this chat for {min} more min.",
  "chat.banned": "You can no longer chat in this shop's shows.",
  "chat.blockedWord": "Your message contains a word that is not allowed here.",
  "chat.linkBlocked": "Links are not allowed in this chat.",
  "chat.buyersOnly": "Only buyers of this shop can chat right now.",
  "chat.signInToChat": "Sign in to chat in this show right now.",
  "chat.report": "Report",
  "chat.reported": "Reported — thanks.",
  "chat.reason.spam": "Spam",
  "chat.reason.abuse": "Abusive",
  "chat.reason.scam": "Scam",
  "chat.delete": "Delete",
  "chat.timeout": "Mute 5 min",
  "offer.regularPrice": "Regular price",
  "offer.left": "{n} left",
  "offer.soldOut": "Sold out",
  "offer.ended": "Offer ended",
  "offer.endsIn": "Ends in {time}",
  "offer.buy": "Buy now",
  "offer.none": "No offer on screen right now — stay tuned.",
  "checkout.name": "Full name",
  "checkout.shipping": "Shipping address",
  "checkout.line1": "Street and number",
  "checkout.line2": "Address line 2 (optional)",
  "checkout.postalCode": "Postal code",
  "checkout.city": "City",
  "checkout.country": "Country",
  "checkout.payment": "Payment",
  "checkout.card": "Card number",
  "checkout.testNote":
    "This is a test shop — no money moves. 4242 4242 4242 4242 is accepted, 4000 0000 0000 0002 is declined.",
  "login.title": "Sign in to the studio",
  "login.email": "Email",
  "login.password": "Password",
  "login.submit": "Sign in",
  "login.invalid": "Email or password is wrong.",
  "login.signedInAs": "Signed in as {name}",
  "login.logout": "Sign out",
  "login.forgot": "Forgot your password?",
  "reactions.label": "React",
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
  "replay.title": "Replay of the show",
  "replay.badge": "Replay",
  "replay.jumpTo": "Jump to {title} at {time}",
  "replay.products": "Products in this show",
  "home.replay": "Watch the replay",
  "hold.reserved": "Reserved for you: {time}",
  "buyer.account": "Account",
  "buyer.signIn": "Sign in",
  "buyer.signUp": "Create account",
  "buyer.signOut": "Sign out",
  "buyer.passwordHint": "At least 10 characters.",
  "buyer.signedInAs": "Signed in as {email}",
  "buyer.checkEmail": "Almost done: we sent a link to {email}. Open it to confirm your email and sign in.",
  "buyer.oneTapLead": "Save an address and a card to buy with one tap.",
  "buyer.oneTapReady": "One-tap buying is on: your saved card and address are used.",
  "buyer.saveAddress": "Save address",
  "buyer.saveCard": "Save card",
  "buyer.replaceCard": "Replace card",
  "buyer.addressSaved": "Address saved.",
  "buyer.cardSaved": "Card saved (we keep only the last 4 digits).",
  "offer.perBuyer": "max. {n} per buyer",
  "waitlist.join": "Join the waitlist",
  "waitlist.joined": "You're on the waitlist (#{n}). We'll email you if units come back.",
  "waitlist.linkSent": "This email is already on the waitlist. We've sent it a link to its place in line.",
  "waitlist.email": "Email for the waitlist",
};

export type MessageKey = keyof typeof en;

const de: Record<MessageKey, string> = {
  "app.name": "Showcart",
  "lang.switch": "Sprache",
  "status.live": "Live",
  "status.scheduled": "Demnächst",
  "status.offline": "Offline",
  "status.ended": "Beendet",
  "status.reconnecting": "Verbindet neu…",
  "home.title": "Live-Shopping",
  "home.lead": "Zuschauen, chatten und kaufen, solange die Show läuft.",
  "home.live": "Jetzt live",
  "home.upcoming": "Demnächst",
  "home.others": "Nicht auf Sendung",
  "home.empty": "Gerade laufen keine Shows. Schau bald wieder vorbei.",
  "home.startsAt": "Beginnt {time}",
  "home.by": "mit {host} · {merchant}",
  "home.watch": "Ansehen",
  "common.loading": "Wird geladen…",
  "common.retry": "Erneut versuchen",
  "common.error": "Etwas ist schiefgelaufen. Bitte versuche es erneut.",
  "common.network": "Netzwerkproblem. Prüfe deine Verbindung und versuche es erneut.",
  "common.cancel": "Abbrechen",
  "show.notFound": "Diese Show gibt es nicht (mehr).",
  "show.viewers": "{n} schauen zu",
  "show.away": "Der Host ist gerade weg",
  "show.awayLead": "Der Stream geht weiter, sobald der Host wieder auf Sendung ist.",
  "show.scheduledLead": "Diese Show beginnt {time}.",
  "show.endedLead": "Diese Show ist vorbei. Danke fürs Zuschauen!",
  "show.connecting": "Verbindung wird wiederhergestellt…",
  "player.unmute": "Ton einschalten",
  "player.mute": "Stumm",
  "player.loading": "Warte auf den Stream…",
  "player.quality": "Qualität",
  "player.quality.auto": "Automatisch",
  "chat.title": "Chat",
  "chat.empty": "Noch keine Nachrichten. Sag hallo!",
  "chat.placeholder": "Schreib etwas…",
  "chat.send": "Senden",
  "chat.namePrompt": "Wähle einen Namen, um mitzuchatten",
  "chat.namePlaceholder": "Dein Name",
  "chat.join": "Mitchatten",
  "chat.changeName": "Name ändern",
  "chat.host": "Host",
  "chat.rateLimited": "Etwas langsamer bitte — versuch es gleich noch einmal.",
  "chat.error": "Deine Nachricht wurde nicht gesendet: {message}",
  "chat.offline": "Der Chat verbindet sich automatisch neu…",
  "chat.slowMode": "Langsamer Modus: Du kannst in {s} s wieder schreiben.",
  "chat.muted": "Du bist in diesem Chat noch {min} Min. stummgeschaltet.",
  "chat.banned": "Du kannst in den Shows dieses Shops nicht mehr chatten.",
  "chat.blockedWord": "Deine Nachricht enthält ein Wort, das hier nicht erlaubt ist.",
  "chat.linkBlocked": "Links sind in diesem Chat nicht erlaubt.",
  "chat.buyersOnly": "Gerade können nur Käufer dieses Shops chatten.",
  "chat.signInToChat": "Melde dich an, um in dieser Show gerade mitzuchatten.",
  "chat.report": "Melden",
  "chat.reported": "Gemeldet — danke.",
  "chat.reason.spam": "Spam",
  "chat.reason.abuse": "Beleidigend",
  "chat.reason.scam": "Betrug",
  "chat.delete": "Löschen",
  "chat.timeout": "5 Min. stumm",
  "offer.regularPrice": "Normalpreis",
  "offer.left": "Noch {n} verfügbar",
  "offer.soldOut": "Ausverkauft",
  "offer.ended": "Angebot beendet",
  "offer.endsIn": "Endet in {time}",
  "offer.buy": "Jetzt kaufen",
  "offer.none": "Gerade kein Angebot im Bild — bleib dran.",
  "checkout.name": "Vollständiger Name",
  "checkout.shipping": "Lieferadresse",
  "checkout.line1": "Straße und Hausnummer",
  "checkout.line2": "Adresszusatz (optional)",
  "checkout.postalCode": "PLZ",
  "checkout.city": "Ort",
  "checkout.country": "Land",
  "checkout.payment": "Zahlung",
  "checkout.card": "Kartennummer",
  "checkout.testNote":
    "Dies ist ein Testshop — es fließt kein Geld. 4242 4242 4242 4242 wird akzeptiert, 4000 0000 0000 0002 abgelehnt.",
  "login.title": "Im Studio anmelden",
  "login.email": "E-Mail",
  "login.password": "Passwort",
  "login.submit": "Anmelden",
  "login.invalid": "E-Mail oder Passwort ist falsch.",
  "login.signedInAs": "Angemeldet als {name}",
  "login.logout": "Abmelden",
  "login.forgot": "Passwort vergessen?",
  "reactions.label": "Reagieren",
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
  "replay.title": "Aufzeichnung der Show",
  "account.signup.title": "E-Mail-Adresse bestätigen",
  "account.signup.text": "Ein Klick, und dein Konto ist bereit: du bist gleich angemeldet.",
  "account.signup.submit": "Bestätigen und anmelden",
  "account.signup.done": "Dein Konto ist bereit und du bist angemeldet.",
  "replay.badge": "Aufzeichnung",
  "replay.jumpTo": "Zu {title} bei {time} springen",
  "replay.products": "Produkte in dieser Show",
  "home.replay": "Aufzeichnung ansehen",
  "hold.reserved": "Für dich reserviert: {time}",
  "buyer.account": "Konto",
  "buyer.signIn": "Anmelden",
  "buyer.signUp": "Konto erstellen",
  "buyer.signOut": "Abmelden",
  "buyer.passwordHint": "Mindestens 10 Zeichen.",
  "buyer.signedInAs": "Angemeldet als {email}",
  "buyer.oneTapLead": "Speichere Adresse und Karte, um mit einem Tipp zu kaufen.",
  "buyer.checkEmail": "Fast geschafft: Wir haben dir einen Link an {email} geschickt. Öffne ihn, um deine E-Mail-Adresse zu bestätigen und dich anzumelden.",
  "buyer.oneTapReady": "Kauf mit einem Tipp ist aktiv: gespeicherte Karte und Adresse werden verwendet.",
  "buyer.saveAddress": "Adresse speichern",
  "buyer.saveCard": "Karte speichern",
  "buyer.replaceCard": "Karte ersetzen",
  "buyer.addressSaved": "Adresse gespeichert.",
  "buyer.cardSaved": "Karte gespeichert (wir behalten nur die letzten 4 Ziffern).",
  "offer.perBuyer": "max. {n} pro Person",
  "waitlist.join": "Auf die Warteliste",
  "waitlist.joined": "Du stehst auf der Warteliste (Nr. {n}). Wir schreiben dir, wenn Stücke frei werden.",
  "waitlist.linkSent": "Diese E-Mail steht schon auf der Warteliste. Wir haben ihr einen Link zu ihrem Platz geschickt.",
  "waitlist.email": "E-Mail für die Warteliste",
};

const dictionaries: Record<Lang, Record<MessageKey, string>> = { en, de };
const STORAGE_KEY = "showcart.lang";

function detectLang(): Lang {
  try {
    const stored = localStorage.getItem(STORAGE_KEY);
    if (stored === "de" || stored === "en") return stored;
  } catch {
    // Storage can be unavailable (private mode, sandboxed iframes); fall through to the browser language.
  }
  const preferred = navigator.languages?.length ? navigator.languages : [navigator.language];
  for (const l of preferred) {
    const base = (l ?? "").slice(0, 2).toLowerCase();
    if (base === "de" || base === "en") return base;
  }
  return "en";
}

let current: Lang = detectLang();
const listeners = new Set<(lang: Lang) => void>();
document.documentElement.lang = current;

export function getLang(): Lang {
  return current;
}

export function setLang(lang: Lang): void {
  current = lang;
  document.documentElement.lang = lang;
  try {
    localStorage.setItem(STORAGE_KEY, lang);
  } catch {
    // Not persisted; the switch still applies to this page.
  }
  for (const fn of listeners) fn(lang);
}

/** BCP 47 locale for Intl formatting. */
export function localeFor(lang: Lang): string {
  return lang === "de" ? "de-DE" : "en-GB";
}

export function translate(lang: Lang, key: MessageKey, vars?: Record<string, string | number>): string {
  const template = dictionaries[lang][key] ?? en[key];
  if (!vars) return template;
  return template.replace(/\{(\w+)\}/g, (m, name: string) => (name in vars ? String(vars[name]) : m));
}

export type Translate = (key: MessageKey, vars?: Record<string, string | number>) => string;

/** Re-renders the calling component when the language changes. */
export function useI18n(): { lang: Lang; t: Translate; locale: string } {
  const [lang, setState] = useState(current);
  useEffect(() => {
    listeners.add(setState);
    setState(current);
    return () => void listeners.delete(setState);
  }, []);
  return { lang, t: (key, vars) => translate(lang, key, vars), locale: localeFor(lang) };
}
