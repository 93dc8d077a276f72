import { randomUUID } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import nodemailer from "nodemailer";
import type { Clock } from "../platform/clock.js";

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  /** The HTML part (emails enqueued before it existed have none). */
  html?: string;
  /** Extra headers (List-Unsubscribe and List-Unsubscribe-Post of a notice, RFC 8058). */
  headers?: Record<string, string>;
}

export interface StoredMail extends MailMessage {
  id: string;
  from: string;
  at: string;
}

export interface Mailer {
  readonly kind: "smtp" | "file";
  send(msg: MailMessage, id: string): Promise<void>;
  /** The dev mailbox (file transport only). */
  list?(): StoredMail[];
  /** Closes SMTP connections kept open for the next messages. */
  close?(): void;
}

/**
 * SMTP_URL with nodemailer's connection pool unless the URL sets `pool` itself: the outbox hands over up to 16 emails
 * at once, which unpooled would be 16 SMTP connections (a TLS handshake and login each) that a provider may refuse
 * over its per-client limit. Pooled, at most `maxConnections` (nodemailer's default 5) carry every message.
 */
export function pooledSmtpUrl(smtpUrl: string): string {
  const url = new URL(smtpUrl);
  if (!url.searchParams.has("pool")) url.searchParams.set("pool", "true");
  return url.toString();
}

/**
 * SMTP (nodemailer) when SMTP_URL is set; otherwise every message is written as JSON to <dir>, which the dev mailbox
 * page shows. The outbox id names the file, so a retried delivery overwrites rather than duplicates.
 */
export function createMailer(opts: { smtpUrl?: string; from: string; dir: string; clock: Clock }): Mailer {
  if (opts.smtpUrl) {
    const transport = nodemailer.createTransport(pooledSmtpUrl(opts.smtpUrl));
    return {
      kind: "smtp",
      close: () => transport.close(),
      async send(msg, id) {
        await transport.sendMail({
          from: opts.from,
          to: msg.to,
          subject: msg.subject,
          text: msg.text,
          html: msg.html,
          headers: msg.headers,
          messageId: `<${id}@showcart>`,
        });
      },
    };
  }
  fs.mkdirSync(opts.dir, { recursive: true });
  const transport = nodemailer.createTransport({ jsonTransport: true });
  return {
    kind: "file",
    async send(msg, id) {
      // Render through nodemailer anyway, so the addresses and headers are validated like a real send.
      await transport.sendMail({ from: opts.from, to: msg.to, subject: msg.subject, text: msg.text, html: msg.html, headers: msg.headers });
      const stored: StoredMail = { id, from: opts.from, ...msg, at: opts.clock.now().toISOString() };
      const file = path.join(opts.dir, `${id}.json`);
      // Off the event loop: an order's confirmation is written while the node is busy with the next orders.
      // A temporary name of its own: two deliveries of one id in flight never write into each other's file.
      const tmp = `${file}.${randomUUID()}.tmp`;
      await fs.promises.writeFile(tmp, JSON.stringify(stored));
      await fs.promises.rename(tmp, file);
    },
    list() {
      return fs
        .readdirSync(opts.dir)
        .filter((f) => f.endsWith(".json"))
        .map((f) => JSON.parse(fs.readFileSync(path.join(opts.dir, f), "utf8")) as StoredMail)
        .sort((a, b) => (a.at < b.at ? 1 : -1))
        .slice(0, 200);
    },
  };
}
