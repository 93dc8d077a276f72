// What a page says when the API refused a request. The server's messages are English (errors.ts); a German page
// says the German one for the error's code, and where the server said something more specific than its code's
// default (which field, which limit) that follows in parentheses, as the server wrote it.
import { type ErrorCode, errorCodes } from "../../protocol/errors.js";
import { ApiError, NetworkError } from "../platform/apiClient.js";
import { translate } from "./coreText.js";
import { type Lang, useLang } from "./lang.js";

const de: Record<ErrorCode, string> = {
  invalid_body: "Die Eingabe ist nicht gültig.",
  invalid_json: "Die Anfrage ist kein gültiges JSON.",
  invalid_query: "Die Anfrage (Query-String) ist nicht gültig.",
  invalid_sdp: "Das SDP-Angebot ist nicht gültig: Es braucht einen Videoteil (H.264 oder VP8).",
  invalid_range: "Der Zeitraum ist leer oder vertauscht: „bis“ muss nach „von“ liegen.",
  range_too_large: "Der Zeitraum ist länger, als dieser Bericht erlaubt.",
  idempotency_key_required: "Diese Anfrage braucht einen Idempotency-Key-Header.",
  invalid_signature: "Die Signatur des Webhooks ist nicht gültig.",
  unauthenticated: "Melde dich zuerst an.",
  invalid_credentials: "E-Mail oder Passwort ist falsch.",
  payment_declined: "Die Zahlung wurde abgelehnt.",
  forbidden: "Das darfst du nicht.",
  order_access_denied: "Diese Bestellung braucht ihren Link, die Anmeldung des Käufers oder das Team des Shops.",
  push_access_denied: "Dieses Push-Abo braucht die Anmeldung, mit der es angelegt wurde, oder sein Token.",
  waitlist_access_denied: "Dieser Wartelisten-Eintrag braucht seinen Link oder die Anmeldung, mit der er angelegt wurde.",
  origin_not_allowed: "Anfragen mit deiner Anmeldung dürfen nur von den Seiten dieser Website kommen.",
  not_found: "Nicht gefunden.",
  embed_not_enabled: "Dieser Shop hat noch keiner Website erlaubt, seine Shows einzubetten.",
  method_not_allowed: "Diese Methode ist nicht erlaubt.",
  sold_out: "Ausverkauft.",
  offer_not_active: "Dieses Angebot ist gerade nicht im Verkauf.",
  offer_not_pinned: "Dieses Angebot gibt es nur, solange es die angeheftete Karte ist.",
  bag_mixed_shows: "Eine Tasche enthält nur Angebote einer Show.",
  idempotency_in_progress: "Eine Anfrage mit diesem Idempotency-Key läuft noch.",
  conflict: "Die Daten haben sich inzwischen geändert. Versuche es erneut.",
  insufficient_stock: "Von dieser Variante ist nicht genug auf Lager.",
  lineup_exhausted: "Im Ablauf der Show gibt es nichts mehr, das angeheftet werden kann.",
  setup_done: "Showcart ist schon eingerichtet: Melde dich stattdessen an.",
  show_not_live: "Diese Show ist nicht live: Es gibt nichts in Echtzeit abzuspielen.",
  show_not_upcoming: "Diese Show steht nicht bevor (sie ist live, vorbei, abgesagt oder hat keine Startzeit).",
  cannot_follow_self: "Du kannst dir nicht selbst folgen.",
  unsubscribe_link_invalid: "Dieser Abmeldelink ist nicht gültig.",
  scheduled_in_past: "Die Startzeit der Show liegt in der Vergangenheit.",
  split_too_high: "Die Anteile der Co-Hosts lassen dem Host nichts übrig (über 100 %).",
  hold_expired: "Die Reservierung ist abgelaufen; die Stücke sind wieder im Verkauf.",
  limit_exceeded: "Du hast das Limit pro Käufer für dieses Angebot erreicht.",
  bid_too_low: "Das Gebot liegt unter dem nächsten Mindestgebot.",
  auction_closed: "Diese Auktion nimmt keine Gebote an (beendet, abgebrochen oder noch nicht gestartet).",
  cannot_bid_own_show: "Hosts der Show und das Team des Händlers können in ihren Auktionen nicht bieten.",
  already_entered: "Du nimmst an diesem Gewinnspiel schon teil.",
  giveaway_closed: "Dieses Gewinnspiel nimmt keine Teilnahmen an.",
  not_eligible: "Du kannst an diesem Gewinnspiel nicht teilnehmen.",
  already_voted: "Du hast in dieser Umfrage schon abgestimmt.",
  poll_closed: "Diese Umfrage ist nicht offen.",
  coupon_expired: "Dieser Gutschein ist abgelaufen.",
  coupon_exhausted: "Dieser Gutschein wurde so oft eingelöst, wie er darf.",
  coupon_already_used: "Du hast diesen Gutschein schon eingelöst.",
  coupon_invalid: "Diesen Gutschein gibt es in dieser Show nicht.",
  invite_used: "Diese Bühnen-Einladung hat schon jemand anderes genutzt.",
  invite_expired: "Diese Bühnen-Einladung ist abgelaufen: Bitte den Host um eine neue.",
  stage_not_ready: "Das geht in diesem Bühnen-Zustand nicht.",
  stage_token_invalid: "Dieser Bühnen-Link ist nicht gültig, oder die Person hat die Bühne verlassen.",
  already_publishing: "Diese Show wird schon gesendet (von OBS oder einem anderen Browser).",
  body_too_large: "Die Anfrage ist zu groß.",
  unsupported_media_type: "Sende JSON (Content-Type: application/json).",
  idempotency_mismatch: "Dieser Idempotency-Key wurde schon für eine andere Anfrage benutzt.",
  rate_limited: "Zu viele Anfragen: Bitte warte einen Moment.",
  chat_slow_mode: "Der langsame Modus ist an: Warte kurz vor deiner nächsten Nachricht.",
  chat_muted: "Du bist in diesem Chat für eine Weile stummgeschaltet.",
  chat_banned: "Du kannst in den Shows dieses Shops nicht chatten.",
  chat_buyers_only: "Gerade können nur Käufer dieses Shops chatten.",
  chat_blocked_word: "Deine Nachricht enthält ein Wort, das hier nicht erlaubt ist.",
  chat_link_blocked: "Links sind in diesem Chat nicht erlaubt.",
  oembed_format_unsupported: "oEmbed antwortet nur in JSON (format=json).",
  trickle_ice_unsupported: "Diese WHIP-Sitzung nimmt kein Trickle-ICE und keinen ICE-Neustart an: Sende das Angebot mit seinen Kandidaten.",
  internal: "Bei uns ist etwas schiefgelaufen.",
  unavailable: "Vorübergehend nicht verfügbar.",
  whep_full: "Wiedergabe unter einer Sekunde ist auf diesem Server ausgelastet: Spiele LL-HLS ab.",
  whep_unavailable: "Wiedergabe unter einer Sekunde gibt es für diese Show auf diesem Server nicht: Spiele LL-HLS ab.",
  payment_pending: "Der Zahlungsanbieter hat die Zahlung noch nicht bestätigt; die Stücke bleiben reserviert.",
};

/** The text for a refused request's code in this language (English: the server's default message). */
export function errorCodeText(code: ErrorCode, lang: Lang): string {
  return lang === "de" ? (de[code] ?? de.internal) : (errorCodes[code]?.message ?? errorCodes.internal.message);
}

/** What the server said when it refused (`{ error: { code, message, details } }`), in this language (see above). */
export function refusalText(refusal: { code: ErrorCode; message?: string; details?: unknown }, lang: Lang): string {
  const { code, message, details } = refusal;
  if (lang === "en") return message || errorCodeText(code, lang);
  const retryAfterMs = (details as { retryAfterMs?: unknown } | undefined)?.retryAfterMs;
  if (code === "rate_limited" && typeof retryAfterMs === "number")
    return `Zu viele Anfragen: Versuche es in ${Math.max(1, Math.ceil(retryAfterMs / 1000))} s erneut.`;
  const text = errorCodeText(code, lang);
  const specific = message && message !== errorCodes[code]?.message ? message : "";
  return specific ? `${text} (${specific})` : text;
}

/**
 * What to show for an error from `api` in this language: an API refusal as `refusalText` says; no answer at all, the
 * network text; anything else, `fallback` or the common "something went wrong".
 */
export function errorText(err: unknown, lang: Lang, fallback?: string): string {
  if (err instanceof ApiError) return refusalText(err, lang);
  if (err instanceof NetworkError) return translate(lang, "common.network");
  return fallback ?? translate(lang, "common.error");
}

/** `errorText` in the current language (re-renders on a switch). */
export function useErrorText(): (err: unknown, fallback?: string) => string {
  const lang = useLang();
  return (err, fallback) => errorText(err, lang, fallback);
}
