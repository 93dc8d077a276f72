const formatters = new Map<string, Intl.NumberFormat>();

/** Formats integer minor units (cents) as a localized currency amount, e.g. 1999 → "19,99 €" (de-DE). */
export function formatMoney(minor: number, currency: string, locale: string): string {
  const key = `${locale}|${currency}`;
  let fmt = formatters.get(key);
  if (!fmt) {
    fmt = new Intl.NumberFormat(locale, { style: "currency", currency });
    formatters.set(key, fmt);
  }
  // Every currency we sell in has two minor digits (EUR); the server never sends fractional cents.
  return fmt.format(minor / 100);
}

/** Parses a price typed by a person ("19,99", "19.99", "1.234,50", "€ 5") into cents, or null. */
export function parsePriceToCents(input: string): number | null {
  let s = input.replace(/[\s€]/g, "");
  if (!/\d/.test(s)) return null;
  const lastComma = s.lastIndexOf(",");
  const lastDot = s.lastIndexOf(".");
  // The right-most separator followed by 1–2 digits is the decimal mark; any other separator groups thousands.
  const decimalAt = Math.max(lastComma, lastDot);
  let whole = s;
  let frac = "";
  if (decimalAt >= 0 && s.length - decimalAt - 1 <= 2) {
    whole = s.slice(0, decimalAt);
    frac = s.slice(decimalAt + 1);
  }
  // Grouped thousands must look like it ("1.234.567"), so a typo such as "1.2.3" is refused, not guessed at.
  if (/[.,]/.test(whole) && !/^\d{1,3}([.,]\d{3})+$/.test(whole)) return null;
  whole = whole.replace(/[.,]/g, "");
  if (!/^\d*$/.test(whole) || !/^\d{0,2}$/.test(frac)) return null;
  s = `${whole || "0"}.${frac.padEnd(2, "0")}`;
  const cents = Math.round(Number(s) * 100);
  return Number.isSafeInteger(cents) ? cents : null;
}
