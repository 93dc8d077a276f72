import { useEffect, useState } from "preact/hooks";

export type Lang = "de" | "en";

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

/** The current language; re-renders the calling component when it changes. */
export function useLang(): Lang {
  const [lang, setState] = useState(current);
  useEffect(() => {
    listeners.add(setState);
    setState(current);
    return () => void listeners.delete(setState);
  }, []);
  return lang;
}
