import { type Lang, localeFor, useLang } from "./lang";

export type { Lang } from "./lang";

/** A message that depends on a count: chosen by `Intl.PluralRules` on the `n` variable ("1 bid", "2 bids"). */
export type PluralMessage = Partial<Record<Intl.LDMLPluralRule, string>> & { other: string };
export type Message = string | PluralMessage;
export type MessageVars = Record<string, string | number>;
export type MessageFormat<K extends string> = (key: K, vars?: MessageVars) => string;

/** One dictionary in both languages; German must have every English key (the type checks it). */
export interface Messages<K extends string> {
  has(key: string): key is K;
  format(lang: Lang, key: K, vars?: MessageVars): string;
}

const pluralRules = new Map<Lang, Intl.PluralRules>();
function pluralCategory(lang: Lang, n: number): Intl.LDMLPluralRule {
  let rules = pluralRules.get(lang);
  if (!rules) {
    rules = new Intl.PluralRules(localeFor(lang));
    pluralRules.set(lang, rules);
  }
  return rules.select(n);
}

/** `{name}` is replaced by vars.name; a placeholder without a value stays as written. */
function substitute(template: string, vars?: MessageVars): string {
  if (!vars) return template;
  return template.replace(/\{(\w+)\}/g, (m, name: string) => (name in vars ? String(vars[name]) : m));
}

export function defineMessages<const E extends Record<string, Message>>(en: E, de: Record<keyof E & string, Message>): Messages<keyof E & string> {
  type K = keyof E & string;
  const dictionaries: Record<Lang, Record<K, Message>> = { en, de };
  return {
    has: (key: string): key is K => key in en,
    format(lang, key, vars) {
      const message = dictionaries[lang][key] ?? en[key];
      if (typeof message === "string") return substitute(message, vars);
      const n = Number(vars?.n);
      return substitute(message[pluralCategory(lang, n)] ?? message.other, vars);
    },
  };
}

/** Both dictionaries under one lookup; a key of `first` wins over the same key of `second`. */
export function combineMessages<A extends string, B extends string>(first: Messages<A>, second: Messages<B>): Messages<A | B> {
  return {
    has: (key: string): key is A | B => first.has(key) || second.has(key),
    format: (lang, key, vars) => (first.has(key) ? first.format(lang, key, vars) : second.format(lang, key as B, vars)),
  };
}

/** A component's strings in the current language (re-renders on a switch), plus the locale for Intl formatting. */
export function useMessages<K extends string>(messages: Messages<K>): { lang: Lang; locale: string; t: MessageFormat<K> } {
  const lang = useLang();
  return { lang, locale: localeFor(lang), t: (key, vars) => messages.format(lang, key, vars) };
}
