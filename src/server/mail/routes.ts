import type { FastifyInstance } from "fastify";
import type { Mailer } from "./service.js";

const escapeHtml = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/**
 * The dev mailbox: with no SMTP_URL every email lands in DATA_DIR/mail and is readable here, by anyone (reset links
 * included). Registered only when the operator sets DEV_MAILBOX=1 and there is no SMTP (app.ts); never by default.
 */
export function registerDevMailbox(app: FastifyInstance, mailer: Mailer) {
  const list = () => mailer.list?.() ?? [];
  app.get("/api/dev/mailbox", async () => ({ messages: list() }));
  app.get("/dev/mailbox", async (_req, reply) => {
    const items = list()
      .map(
        (m) =>
          `<article><h2>${escapeHtml(m.subject)}</h2><p><b>To:</b> ${escapeHtml(m.to)} · ${escapeHtml(m.at)}</p><pre>${escapeHtml(m.text)}</pre></article>`,
      )
      .join("");
    return reply
      .type("text/html; charset=utf-8")
      .header("cache-control", "no-store")
      .header("content-security-policy", "default-src 'none'; style-src 'unsafe-inline'")
      .send(
        `<!doctype html><html lang="en"><meta charset="utf-8"><title>Showcart dev mailbox</title><style>body{font-family:system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem}article{border:1px solid #ddd;border-radius:8px;padding:0 1rem;margin:1rem 0}pre{white-space:pre-wrap}</style><h1>Dev mailbox</h1><p>Emails Showcart sent while no SMTP server is configured (newest first).</p>${items || "<p>No emails yet.</p>"}</html>`,
      );
  });
}
