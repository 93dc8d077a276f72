import { useEffect, useState } from "preact/hooks";

export type Lang = "de" | "en";

const en = {
  "app.name": "Showcart",
  "lang.switch": "Language",
  "status.live": "Live",
  "status.scheduled": "Upcoming",
  "status.offline": "Offline",
  "status.ended": "Ended",
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
  "common.close": "Close",
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
  "offer.regularPrice": "Regular price",
  "offer.left": "{n} left",
  "offer.soldOut": "Sold out",
  "offer.ended": "Offer ended",
  "offer.endsIn": "Ends in {time}",
  "offer.buy": "Buy now",
  "offer.none": "No offer on screen right now — stay tuned.",
  "checkout.title": "Checkout",
  "checkout.quantity": "Quantity",
  "checkout.buyer": "Your details",
  "checkout.name": "Full name",
  "checkout.email": "Email",
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
  "checkout.total": "Total",
  "checkout.pay": "Pay {amount}",
  "checkout.paying": "Paying…",
  "checkout.declined": "Your card was declined. Try another card.",
  "checkout.soldOut": "Sorry — this offer just sold out.",
  "checkout.notActive": "Sorry — this offer has ended.",
  "checkout.invalid": "Please check the highlighted fields.",
  "checkout.mismatch": "This checkout changed while it was being processed. Please submit again.",
  "checkout.success": "Thank you for your order!",
  "checkout.orderId": "Order number",
  "checkout.emailNote": "We'll send the confirmation to {email}.",
  "checkout.done": "Back to the show",
  "field.required": "Required",
  "field.invalid": "Please check this field",
  "login.title": "Sign in to the studio",
  "login.email": "Email",
  "login.password": "Password",
  "login.submit": "Sign in",
  "login.invalid": "Email or password is wrong.",
  "login.signedInAs": "Signed in as {name}",
  "login.logout": "Sign out",
  "studio.title": "Studio",
  "studio.forbidden": "You are not the host or merchant of this show.",
  "studio.notFound": "This show does not exist.",
  "studio.viewers": "Viewers",
  "studio.unitsSold": "Units sold",
  "studio.revenue": "Revenue",
  "studio.commission": "Your commission",
  "studio.ingest": "Go live",
  "studio.ingestLead": "In OBS (or any RTMP encoder), set the server and stream key below.",
  "studio.rtmpUrl": "Server (RTMP URL)",
  "studio.streamKey": "Stream key",
  "studio.reveal": "Reveal",
  "studio.hide": "Hide",
  "studio.copy": "Copy",
  "studio.copied": "Copied",
  "studio.rotate": "Rotate key",
  "studio.rotateConfirm": "Rotate the stream key? The current key stops working immediately.",
  "studio.rotateYes": "Yes, rotate",
  "studio.rotated": "New key created. Update your encoder.",
  "studio.preview": "Preview",
  "studio.products": "Create an offer",
  "studio.product": "Product",
  "studio.showPrice": "Show price (€)",
  "studio.quantity": "Units",
  "studio.duration": "Duration (minutes)",
  "studio.pinNow": "Pin now",
  "studio.createOffer": "Create offer",
  "studio.offerCreated": "Offer created.",
  "studio.noProducts": "No products in the catalogue yet.",
  "studio.offers": "Offers",
  "studio.noOffers": "No active offers.",
  "studio.pin": "Pin",
  "studio.unpin": "Unpin",
  "studio.end": "End",
  "studio.pinned": "Pinned",
  "studio.priceInvalid": "Enter a price like 19.99",
  "studio.openViewer": "Open viewer page",
};

export type MessageKey = keyof typeof en;

const de: Record<MessageKey, string> = {
  "app.name": "Showcart",
  "lang.switch": "Sprache",
  "status.live": "Live",
  "status.scheduled": "Demnächst",
  "status.offline": "Offline",
  "status.ended": "Beendet",
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
  "common.close": "Schließen",
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
  "offer.regularPrice": "Normalpreis",
  "offer.left": "Noch {n} verfügbar",
  "offer.soldOut": "Ausverkauft",
  "offer.ended": "Angebot beendet",
  "offer.endsIn": "Endet in {time}",
  "offer.buy": "Jetzt kaufen",
  "offer.none": "Gerade kein Angebot im Bild — bleib dran.",
  "checkout.title": "Zur Kasse",
  "checkout.quantity": "Menge",
  "checkout.buyer": "Deine Angaben",
  "checkout.name": "Vollständiger Name",
  "checkout.email": "E-Mail",
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
  "checkout.total": "Gesamt",
  "checkout.pay": "{amount} bezahlen",
  "checkout.paying": "Zahlung läuft…",
  "checkout.declined": "Deine Karte wurde abgelehnt. Versuche es mit einer anderen Karte.",
  "checkout.soldOut": "Leider ist dieses Angebot gerade ausverkauft.",
  "checkout.notActive": "Leider ist dieses Angebot abgelaufen.",
  "checkout.invalid": "Bitte prüfe die markierten Felder.",
  "checkout.mismatch": "Die Bestellung hat sich während der Verarbeitung geändert. Bitte sende sie erneut ab.",
  "checkout.success": "Danke für deine Bestellung!",
  "checkout.orderId": "Bestellnummer",
  "checkout.emailNote": "Die Bestätigung geht an {email}.",
  "checkout.done": "Zurück zur Show",
  "field.required": "Pflichtfeld",
  "field.invalid": "Bitte prüfe dieses Feld",
  "login.title": "Im Studio anmelden",
  "login.email": "E-Mail",
  "login.password": "Passwort",
  "login.submit": "Anmelden",
  "login.invalid": "E-Mail oder Passwort ist falsch.",
  "login.signedInAs": "Angemeldet als {name}",
  "login.logout": "Abmelden",
  "studio.title": "Studio",
  "studio.forbidden": "Du bist weder Host noch Händler dieser Show.",
  "studio.notFound": "Diese Show gibt es nicht.",
  "studio.viewers": "Zuschauer",
  "studio.unitsSold": "Verkaufte Stück",
  "studio.revenue": "Umsatz",
  "studio.commission": "Deine Provision",
  "studio.ingest": "Auf Sendung gehen",
  "studio.ingestLead": "Trage in OBS (oder einem anderen RTMP-Encoder) Server und Streamschlüssel ein.",
  "studio.rtmpUrl": "Server (RTMP-URL)",
  "studio.streamKey": "Streamschlüssel",
  "studio.reveal": "Anzeigen",
  "studio.hide": "Verbergen",
  "studio.copy": "Kopieren",
  "studio.copied": "Kopiert",
  "studio.rotate": "Neuen Schlüssel erzeugen",
  "studio.rotateConfirm": "Neuen Streamschlüssel erzeugen? Der aktuelle Schlüssel funktioniert dann sofort nicht mehr.",
  "studio.rotateYes": "Ja, neu erzeugen",
  "studio.rotated": "Neuer Schlüssel erzeugt. Trage ihn in deinem Encoder ein.",
  "studio.preview": "Vorschau",
  "studio.products": "Angebot erstellen",
  "studio.product": "Produkt",
  "studio.showPrice": "Showpreis (€)",
  "studio.quantity": "Stückzahl",
  "studio.duration": "Dauer (Minuten)",
  "studio.pinNow": "Sofort anheften",
  "studio.createOffer": "Angebot erstellen",
  "studio.offerCreated": "Angebot erstellt.",
  "studio.noProducts": "Noch keine Produkte im Katalog.",
  "studio.offers": "Angebote",
  "studio.noOffers": "Keine aktiven Angebote.",
  "studio.pin": "Anheften",
  "studio.unpin": "Lösen",
  "studio.end": "Beenden",
  "studio.pinned": "Angeheftet",
  "studio.priceInvalid": "Gib einen Preis wie 19,99 ein",
  "studio.openViewer": "Zuschauerseite öffnen",
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
