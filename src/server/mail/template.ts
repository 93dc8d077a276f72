// Every email Showcart sends is rendered here from a small structured body: one HTML part and one plain-text part
// with the same content, every value escaped for HTML. The words live beside each module's emails, one dictionary
// per language (de, en); this file only lays them out.

export type EmailLang = "de" | "en";

/** What the outbox's email.send carries: the recipient, the subject and both parts. */
export interface EmailMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
}

export type EmailPart =
  /** A paragraph. */
  | string
  /** A link shown as a button in HTML and as "label:\nurl" in text. Only http(s) URLs. */
  | { link: string; label: string }
  /** Label/value pairs (an order's lines, amounts). */
  | { rows: readonly (readonly [string, string])[] }
  /** Lines kept together (an address). */
  | { lines: readonly string[] }
  /** A message from someone else, quoted. */
  | { quote: string };

export interface EmailBody {
  subject: string;
  greeting: string;
  parts: readonly EmailPart[];
  /** The small print under everything (why the email came, what to do if unexpected). */
  footer?: string;
  /** A notice someone subscribed to: the one-click link that ends that subscription, under the footer. */
  unsubscribe?: { url: string; label: string };
}

const LOCALE: Record<EmailLang, string> = { de: "de-DE", en: "en-GB" };

export function escapeHtml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");
}

/** Minor units as the language writes money: "12,34 €" in German, "€12.34" in English. */
// Building a NumberFormat per amount was 1.4 s of the server CPU of a 4,000-order flash sale: one per language and currency.
const moneyFormats = new Map<string, Intl.NumberFormat>();

export function emailMoney(cents: number, currency: string, lang: EmailLang): string {
  const key = `${lang}:${currency}`;
  let format = moneyFormats.get(key);
  if (!format) {
    format = new Intl.NumberFormat(LOCALE[lang], { style: "currency", currency });
    if (moneyFormats.size < 1000) moneyFormats.set(key, format);
  }
  return format.format(cents / 100);
}

/** A link as an email may carry it (http(s) only), or an error: renderEmail checks every link with it. */
export function safeUrl(url: string): string {
  const u = new URL(url);
  if (u.protocol !== "https:" && u.protocol !== "http:") throw new Error(`email link must be http(s), got ${u.protocol}`);
  return u.href;
}

function textPart(p: EmailPart): string {
  if (typeof p === "string") return p;
  if ("link" in p) return `${p.label}:\n${safeUrl(p.link)}`;
  if ("rows" in p) return p.rows.map(([k, v]) => `${k}: ${v}`).join("\n");
  if ("lines" in p) return p.lines.join("\n");
  return p.quote
    .split(/\r?\n/)
    .map((l) => `> ${l}`)
    .join("\n");
}

const para = (html: string) => `<p style="margin:0 0 16px">${html}</p>`;
const withBreaks = (s: string) => escapeHtml(s).replace(/\r?\n/g, "<br>");

function htmlPart(p: EmailPart): string {
  if (typeof p === "string") return para(withBreaks(p));
  if ("link" in p)
    return para(
      `<a href="${escapeHtml(safeUrl(p.link))}" style="display:inline-block;background:#d91f56;color:#ffffff;text-decoration:none;padding:10px 18px;border-radius:6px;font-weight:600">${escapeHtml(p.label)}</a>`,
    );
  if ("rows" in p)
    return `<table role="presentation" style="border-collapse:collapse;margin:0 0 16px">${p.rows
      .map(([k, v]) => `<tr><td style="padding:2px 16px 2px 0;color:#555">${escapeHtml(k)}</td><td style="padding:2px 0">${escapeHtml(v)}</td></tr>`)
      .join("")}</table>`;
  if ("lines" in p) return para(p.lines.map(escapeHtml).join("<br>"));
  return `<blockquote style="margin:0 0 16px;padding:8px 12px;border-left:3px solid #ccc;color:#333">${withBreaks(p.quote)}</blockquote>`;
}

/** The email in both parts. Subject and text are plain strings; the HTML is a single self-contained page. */
export function renderEmail(to: string, lang: EmailLang, body: EmailBody): EmailMessage {
  const small = [body.footer, body.unsubscribe ? `${body.unsubscribe.label}: ${safeUrl(body.unsubscribe.url)}` : undefined].filter((x) => x !== undefined);
  const text = [body.greeting, ...body.parts.map(textPart), ...(small.length ? [`--\n${small.join("\n")}`] : [])].join("\n\n");
  const html = `<!doctype html><html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${escapeHtml(
    body.subject,
  )}</title></head><body style="margin:0;padding:24px;background:#f6f6f6"><div style="max-width:560px;margin:0 auto;background:#ffffff;border-radius:8px;padding:24px;font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;font-size:15px;line-height:1.5;color:#111">${para(
    escapeHtml(body.greeting),
  )}${body.parts.map(htmlPart).join("")}${body.footer ? `<p style="margin:24px 0 0;font-size:13px;color:#555">${withBreaks(body.footer)}</p>` : ""}${
    body.unsubscribe
      ? `<p style="margin:8px 0 0;font-size:13px;color:#555"><a href="${escapeHtml(safeUrl(body.unsubscribe.url))}" style="color:#555">${escapeHtml(body.unsubscribe.label)}</a></p>`
      : ""
  }</div></body></html>`;
  return { to, subject: body.subject, text: `${text}\n`, html };
}
