import { useI18n } from "../i18n.js";

// Giveaway, poll and verification strings live with their lazily loaded chunks, not in i18n.ts: a viewer of a show
// without a game never downloads them, and the viewer's first load stays within its weight budget.
const en = {
  "giveaway.title": "Giveaway",
  "giveaway.noPurchase": "No purchase necessary. One entry per account.",
  "giveaway.entries": "{n} entered",
  "giveaway.endsIn": "Entries close in {time}",
  "giveaway.enter": "Enter the giveaway",
  "giveaway.keyword": "…or type {keyword} in the chat (signed in).",
  "giveaway.adult": "I am 18 or older",
  "giveaway.country": "Country",
  "giveaway.countries": "Open to: {list}",
  "giveaway.signIn": "Sign in to enter",
  "giveaway.entered": "You're in! Good luck.",
  "giveaway.closed": "Entries are closed — the draw is next.",
  "giveaway.drawn": "Winner(s)",
  "giveaway.none": "No entries, no winner.",
  "giveaway.youWon": "You won! We'll be in touch.",
  "giveaway.notWon": "Not this time — thanks for joining!",
  "giveaway.verify": "Check this draw",
  "giveaway.commitment": "Sealed seed (SHA-256): {hash}…",
  "giveaway.error.already_entered": "You have already entered.",
  "giveaway.error.giveaway_closed": "Entries are closed.",
  "giveaway.error.not_eligible": "Not eligible: {message}",
  "giveaway.error.other": "That did not work. Please try again.",
  "verify.title": "Verify a giveaway draw",
  "verify.lead": "Everything below is recomputed in your browser from the published data — no trust in our server needed.",
  "verify.commitment": "Commitment published before entries opened",
  "verify.seed": "Revealed seed",
  "verify.listHash": "Entrant list hash",
  "verify.entrants": "Entrants ({n}, pseudonymous entry ids, sorted)",
  "verify.winners": "Winners",
  "verify.step.commitment": "SHA-256(seed) equals the commitment",
  "verify.step.listHash": "SHA-256(entrant list) equals the published list hash",
  "verify.step.winners": "The draw function gives the same winners",
  "verify.pending": "Not drawn yet: the seed is revealed at the draw.",
  "verify.checking": "Checking…",
  "verify.ok": "Verified",
  "verify.fail": "Does not match",
  "verify.how": "How the draw works",
  "verify.algorithm":
    "winner index = HMAC-SHA256(key = seed, message = listHash ‖ round ‖ counter) read as a 256-bit number; values at or above the largest multiple of the number of entrants are skipped (counter + 1), the rest is reduced modulo that number. Each round draws from the sorted list without the earlier winners.",
  "verify.notFound": "No such giveaway.",
  "poll.title": "Poll",
  "poll.votes": "{n} votes",
  "poll.hidden": "Results are revealed when voting closes.",
  "poll.endsIn": "Closes in {time}",
  "poll.vote": "Vote",
  "poll.voted": "Thanks for voting!",
  "poll.signIn": "Sign in to vote",
  "poll.closed": "Voting closed",
  "poll.winner": "Winner",
  "poll.pinned": "Now on offer!",
  "poll.error.already_voted": "You have already voted.",
  "poll.error.poll_closed": "Voting has closed.",
  "poll.error.other": "Your vote did not go through. Please try again.",
};
export type GameKey = keyof typeof en;

const de: Record<GameKey, string> = {
  "giveaway.title": "Gewinnspiel",
  "giveaway.noPurchase": "Kein Kauf nötig. Eine Teilnahme pro Konto.",
  "giveaway.entries": "{n} nehmen teil",
  "giveaway.endsIn": "Teilnahme noch {time}",
  "giveaway.enter": "Jetzt mitmachen",
  "giveaway.keyword": "…oder schreib {keyword} in den Chat (angemeldet).",
  "giveaway.adult": "Ich bin mindestens 18 Jahre alt",
  "giveaway.country": "Land",
  "giveaway.countries": "Teilnahme aus: {list}",
  "giveaway.signIn": "Zum Mitmachen anmelden",
  "giveaway.entered": "Du bist dabei! Viel Glück.",
  "giveaway.closed": "Teilnahme geschlossen — gleich wird gezogen.",
  "giveaway.drawn": "Gewinner:innen",
  "giveaway.none": "Keine Teilnahmen, kein Gewinn.",
  "giveaway.youWon": "Du hast gewonnen! Wir melden uns bei dir.",
  "giveaway.notWon": "Diesmal nicht — danke fürs Mitmachen!",
  "giveaway.verify": "Ziehung prüfen",
  "giveaway.commitment": "Versiegelter Seed (SHA-256): {hash}…",
  "giveaway.error.already_entered": "Du machst schon mit.",
  "giveaway.error.giveaway_closed": "Die Teilnahme ist geschlossen.",
  "giveaway.error.not_eligible": "Nicht teilnahmeberechtigt: {message}",
  "giveaway.error.other": "Das hat nicht geklappt. Bitte versuch es nochmal.",
  "verify.title": "Gewinnspiel-Ziehung prüfen",
  "verify.lead": "Alles hier wird in deinem Browser aus den veröffentlichten Daten nachgerechnet — ohne unserem Server vertrauen zu müssen.",
  "verify.commitment": "Vor der Teilnahme veröffentlichtes Commitment",
  "verify.seed": "Aufgedeckter Seed",
  "verify.listHash": "Hash der Teilnahmeliste",
  "verify.entrants": "Teilnahmen ({n}, pseudonyme Teilnahme-IDs, sortiert)",
  "verify.winners": "Gewinner:innen",
  "verify.step.commitment": "SHA-256(Seed) entspricht dem Commitment",
  "verify.step.listHash": "SHA-256(Teilnahmeliste) entspricht dem veröffentlichten Hash",
  "verify.step.winners": "Die Ziehungsfunktion ergibt dieselben Gewinner:innen",
  "verify.pending": "Noch nicht gezogen: der Seed wird bei der Ziehung aufgedeckt.",
  "verify.checking": "Prüfe…",
  "verify.ok": "Bestätigt",
  "verify.fail": "Stimmt nicht überein",
  "verify.how": "So funktioniert die Ziehung",
  "verify.algorithm":
    "Gewinner-Index = HMAC-SHA256(Schlüssel = Seed, Nachricht = Listen-Hash ‖ Runde ‖ Zähler) als 256-Bit-Zahl; Werte ab dem größten Vielfachen der Teilnahmezahl werden übersprungen (Zähler + 1), der Rest modulo dieser Zahl genommen. Jede Runde zieht aus der sortierten Liste ohne die bisherigen Gewinner:innen.",
  "verify.notFound": "Dieses Gewinnspiel gibt es nicht.",
  "poll.title": "Abstimmung",
  "poll.votes": "{n} Stimmen",
  "poll.hidden": "Das Ergebnis wird am Ende der Abstimmung aufgedeckt.",
  "poll.endsIn": "Endet in {time}",
  "poll.vote": "Abstimmen",
  "poll.voted": "Danke für deine Stimme!",
  "poll.signIn": "Zum Abstimmen anmelden",
  "poll.closed": "Abstimmung beendet",
  "poll.winner": "Gewinner",
  "poll.pinned": "Jetzt im Angebot!",
  "poll.error.already_voted": "Du hast schon abgestimmt.",
  "poll.error.poll_closed": "Die Abstimmung ist beendet.",
  "poll.error.other": "Deine Stimme ist nicht angekommen. Bitte versuch es nochmal.",
};

export function useGameText() {
  const i18n = useI18n();
  const dict = i18n.lang === "de" ? de : en;
  const t = (key: GameKey, vars?: Record<string, string | number>) => {
    const template = dict[key] ?? en[key];
    return vars ? template.replace(/\{(\w+)\}/g, (m, name: string) => (name in vars ? String(vars[name]) : m)) : template;
  };
  return { ...i18n, t };
}

/** Styles that travel with a chunk: a constructed sheet (the CSP allows no inline <style>). */
export function adoptCss(css: string): void {
  try {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(css);
    document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
  } catch {
    // Old browsers: unstyled but working.
  }
}
