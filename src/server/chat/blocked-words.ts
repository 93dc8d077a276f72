// Blocked words and links: text is normalised before matching so that "F.u.c.k", "fuuuck", "f4ck" and "fück" are
// caught, while whole-token matching keeps "Scunthorpe" and "class" out of trouble.

/** Default lists (lower case, as typed). A merchant adds words to these or allows some of them back. */
export const DEFAULT_BLOCKED_WORDS: Record<"en" | "de", readonly string[]> = {
  en: [
    "fuck",
    "fucking",
    "fucker",
    "motherfucker",
    "shit",
    "bullshit",
    "bitch",
    "cunt",
    "asshole",
    "dickhead",
    "bastard",
    "slut",
    "whore",
    "wanker",
    "retard",
    "faggot",
    "nigger",
    "scam",
    "scammer",
  ],
  de: [
    "scheiße",
    "scheisse",
    "arschloch",
    "fotze",
    "hurensohn",
    "hure",
    "wichser",
    "missgeburt",
    "spast",
    "behindert",
    "schlampe",
    "fick",
    "ficken",
    "verpiss",
    "kanake",
    "betrug",
    "betrüger",
  ],
};

const LEET: Record<string, string> = { "0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", $: "s" };

/**
 * Lower case, compatibility-decomposed (fullwidth and styled letters become plain ones), diacritics dropped, leetspeak
 * digits and symbols read as letters. ß becomes "ss" (German spelling without ß).
 */
export function foldText(text: string): string {
  return text
    .toLowerCase()
    .replace(/ß/g, "ss")
    .normalize("NFKD")
    .replace(/\p{M}+/gu, "")
    .replace(/[013457@$]/g, (c) => LEET[c] ?? c);
}

/** Runs of one letter become one: "fuuuck" → "fuck". */
const squeeze = (s: string) => s.replace(/(\p{L})\1+/gu, "$1");

/**
 * Tokens of a text for matching: letters only; separators between single letters are ignored ("f.u.c.k",
 * "f u c k" → "fuck"), so one-letter tokens in a row are joined.
 */
export function matchTokens(text: string): string[] {
  const raw = foldText(text)
    .split(/[^\p{L}]+/u)
    .filter(Boolean);
  const out: string[] = [];
  let run = "";
  for (const t of raw) {
    if (t.length === 1) {
      run += t;
      continue;
    }
    if (run) out.push(run);
    run = "";
    out.push(t);
  }
  if (run) out.push(run);
  return out;
}

/** Runs of single letters ("what a f.u.c.k.i.n.g deal" → "afucking"); a real word may sit inside one. */
function singleLetterRuns(text: string): string[] {
  const runs: string[] = [];
  let run = "";
  for (const t of foldText(text).split(/[^\p{L}]+/u)) {
    if (t.length === 1) run += t;
    else {
      if (run.length > 2) runs.push(run.slice(0, 40));
      run = t.length === 0 ? run : "";
    }
  }
  if (run.length > 2) runs.push(run.slice(0, 40));
  return runs;
}

const infixes = (s: string) => {
  const out: string[] = [];
  for (let i = 0; i < s.length; i++) for (let j = i + 2; j <= s.length; j++) out.push(s.slice(i, j));
  return out;
};

interface Rule {
  squeezed: string;
  /** The word as folded: a token must be at least this long to match (keeps "as" from matching "ass"). */
  length: number;
  prefix: boolean;
}

/** Compiled list: `word` blocks the whole token; `word*` blocks tokens starting with it. */
export class WordFilter {
  readonly #exact = new Map<string, number>();
  readonly #prefixes: Rule[] = [];
  constructor(words: Iterable<string>) {
    for (const w of words) {
      const prefix = w.endsWith("*");
      const tokens = matchTokens(prefix ? w.slice(0, -1) : w);
      const folded = tokens.join("");
      if (folded.length < 2) continue;
      const squeezed = squeeze(folded);
      if (prefix) this.#prefixes.push({ squeezed, length: folded.length, prefix });
      else this.#exact.set(squeezed, Math.min(this.#exact.get(squeezed) ?? Infinity, folded.length));
    }
  }

  /** The first blocked word found (as folded), or null. */
  find(text: string): string | null {
    const tokens = matchTokens(text);
    // Words written with spaces between letter groups ("fu ck") are caught by also trying adjacent pairs.
    const candidates = [...tokens, ...tokens.slice(1).map((t, i) => tokens[i] + t)];
    for (const run of singleLetterRuns(text)) candidates.push(...infixes(run));
    for (const token of candidates) {
      const s = squeeze(token);
      const min = this.#exact.get(s);
      if (min !== undefined && token.length >= min) return s;
      for (const p of this.#prefixes) if (s.startsWith(p.squeezed) && token.length >= p.length) return p.squeezed;
    }
    return null;
  }
}

/** The effective list of a merchant: defaults plus its own blocked words, less the ones it allowed. */
export function effectiveWords(blocked: Iterable<string>, allowed: Iterable<string>): string[] {
  const allow = new Set([...allowed].map((w) => squeeze(matchTokens(w).join(""))));
  const all = [...DEFAULT_BLOCKED_WORDS.en, ...DEFAULT_BLOCKED_WORDS.de, ...blocked];
  return [...new Set(all)].filter((w) => !allow.has(squeeze(matchTokens(w.replace(/\*$/, "")).join(""))));
}

// Links: schemes, www., and bare domains with a common top-level domain ("example.com", "shop.de"), also written
// with "(.)", "[.]" or " dot ". A closed TLD list keeps "ok.so" style chat and version numbers out.
const TLDS =
  "com|net|org|de|at|ch|eu|io|co|uk|us|info|biz|me|tv|ly|gg|xyz|app|dev|shop|store|online|site|link|live|ru|cn|fr|it|es|nl|pl|be|tk|top|club|ws|to|gl|cc|li|su|onion";
const SCHEME = /\b(?:https?|ftp):\/\/|\bwww\.|\b(?:t\.me|bit\.ly|discord\.gg)\//i;
const DOMAIN = new RegExp(`\\b[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?(?:\\.[a-z0-9-]{1,63})*\\.(?:${TLDS})\\b(?!\\.[a-z0-9])`, "i");

export function containsLink(text: string): boolean {
  const folded = text
    .normalize("NFKC")
    .toLowerCase()
    .replace(/\s*[([{<]\s*(?:\.|dot|punkt)\s*[)\]}>]\s*/g, ".")
    .replace(/\s+(?:dot|punkt)\s+/g, ".");
  return SCHEME.test(folded) || DOMAIN.test(folded);
}
