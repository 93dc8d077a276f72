import type { FastifyInstance } from "fastify";
import type { Mailer, StoredMail } from "./service.js";

const escapeHtml = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** The text part with its http(s) URLs as links (escaped first, so a URL cannot close the attribute). */
function linkified(text: string): string {
  return escapeHtml(text).replace(/https?:\/\/[^\s<>"]+/g, (url) => `<a href="${url}" target="_blank" rel="noopener noreferrer">${url}</a>`);
}

/**
 * The HTML part in an iframe without scripts or same-origin rights (sandbox with no allow-scripts and no
 * allow-same-origin): an email's markup cannot run or read the mailbox. Links open in a new tab.
 */
function htmlFrame(m: StoredMail): string {
  const doc = `<base target="_blank">${m.html ?? ""}`;
  return `<iframe class="mail-html" sandbox="allow-popups allow-popups-to-escape-sandbox" srcdoc="${escapeHtml(doc)}" title="${escapeHtml(`HTML: ${m.subject}`)}" data-testid="mail-html"></iframe>`;
}

const PAGE_CSS =
  "body{font-family:system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;color:#1a1a1a}article{border:1px solid #ddd;border-radius:8px;padding:0 1rem 1rem;margin:1rem 0}pre{white-space:pre-wrap}a{color:#0b57d0}nav a{margin-right:.75rem}nav a[aria-current]{font-weight:700;color:#1a1a1a}.mail-html{width:100%;height:28rem;border:1px solid #ddd;border-radius:6px;background:#fff}.muted{color:#555}";

/**
 * The dev mailbox: with no SMTP_URL every email lands in DATA_DIR/mail and is readable here, by anyone (reset links
 * included). Registered only when the operator sets DEV_MAILBOX=1 and there is no SMTP (app.ts); never by default.
 * `?part=html` (default) shows each message's HTML part as it renders, `?part=text` its text part.
 */
export function registerDevMailbox(app: FastifyInstance, mailer: Mailer) {
  const list = () => mailer.list?.() ?? [];
  app.get("/api/dev/mailbox", async () => ({ messages: list() }));
  app.get<{ Querystring: { part?: string } }>("/dev/mailbox", async (req, reply) => {
    const part = req.query.part === "text" ? "text" : "html";
    const items = list()
      .map((m) => {
        // Emails enqueued before HTML parts existed have none: their text stands in.
        const body = part === "html" && m.html ? htmlFrame(m) : `<pre data-testid="mail-text">${linkified(m.text)}</pre>`;
        return `<article data-testid="mail" data-to="${escapeHtml(m.to)}"><h2>${escapeHtml(m.subject)}</h2><p><b>To:</b> ${escapeHtml(m.to)} · ${escapeHtml(m.at)}</p>${body}</article>`;
      })
      .join("");
    const tab = (value: "html" | "text", label: string) =>
      `<a href="/dev/mailbox?part=${value}" data-testid="mailbox-part-${value}"${part === value ? ' aria-current="page"' : ""}>${label}</a>`;
    return (
      reply
        .type("text/html; charset=utf-8")
        .header("cache-control", "no-store")
        // No script anywhere; the emails' inline styles and their images (logos) may load, nothing else.
        .header("content-security-policy", "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' https: data:")
        .send(
          `<!doctype html><html lang="en"><meta charset="utf-8"><title>Showcart dev mailbox</title><style>${PAGE_CSS}</style><main><h1>Dev mailbox</h1><p>Emails Showcart sent while no SMTP server is configured (newest first).</p><nav aria-label="Part shown">Show: ${tab("html", "HTML part")}${tab("text", "Text part")}</nav>${items || "<p>No emails yet.</p>"}</main></html>`,
        )
    );
  });
}
