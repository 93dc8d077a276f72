import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { FastifyBaseLogger } from "fastify";
import { type DbHandle, openDb } from "../src/server/db/index.js";
import { createMailer } from "../src/server/mail/service.js";
import { type EmailDraft, orderEmailDraft, renderDraft } from "../src/server/orders/emails.js";
import { Outbox } from "../src/server/outbox/index.js";
import { MemoryBus } from "../src/server/platform/bus.js";
import { systemClock } from "../src/server/platform/clock.js";
import { dbTxPerSecond } from "./flash-sale.js";
import { round } from "./support.js";

interface OutboxBenchArgs {
  /** Confirmation emails written before the drain (default 4,000: the flash sale of issue #16). */
  emails?: number;
  /** PostgreSQL instead of PGlite (a schema of its own, dropped afterwards). */
  databaseUrl?: string;
}

const quiet: FastifyBaseLogger = {
  level: "silent",
  fatal() {},
  error() {},
  warn() {},
  info() {},
  debug() {},
  trace() {},
  silent() {},
  child: () => quiet,
} as unknown as FastifyBaseLogger;

// What orders/buyer-emails.ts writes for a paid order of the flash sale: the draft, laid out when delivered.
const confirmation = (i: number): EmailDraft =>
  orderEmailDraft(
    "confirmation",
    {
      id: `ord_bench${i}`,
      status: "paid",
      offerId: "off_bench",
      showId: "shw_bench",
      quantity: 1,
      unitPrice: 1999,
      total: 1999,
      currency: "EUR",
      buyer: { name: `Buyer ${i}`, email: `buyer${i}@example.com` },
      shipping: { name: `Buyer ${i}`, line1: "Hauptstr. 1", postalCode: "10115", city: "Berlin", country: "DE" },
      createdAt: new Date().toISOString(),
      holdExpiresAt: null,
      refundedQuantity: 0,
      refundedAmount: 0,
      vatRateBp: 1900,
      vat: 319,
    } as unknown as Parameters<typeof orderEmailDraft>[1],
    { lang: "en", link: `http://localhost:3000/orders/ord_bench${i}#t=bench`, items: [{ title: "Demo mug", quantity: 1, amount: 1999 }] },
  );

/**
 * The confirmation emails of a flash sale, drained by the outbox as `npm start` runs it: the sweeper started with its
 * 1 s tick and kicked once, the `email.send` handler the mail module installs, the file transport the demo uses
 * (no SMTP_URL: JSON files in the data dir). The rows are written first, 125 per transaction as a confirmation tick
 * writes them, by an outbox that never delivers. Baseline in the same run: the database's raw single-row update
 * transaction rate (`db_tx_per_s`, as the flash sale's); `ratio` = emails_per_s / db_tx_per_s. Then as many rows again,
 * drained by processDue() called back to back (`direct_*`): the delivery's own cost, without the tick.
 */
export async function outboxBench(args: OutboxBenchArgs) {
  const emails = args.emails ?? 4000;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "showcart-outbox-"));
  const schema = args.databaseUrl ? `bench_outbox_${Date.now()}` : undefined;
  let handle: DbHandle | undefined;
  try {
    handle = await openDb(args.databaseUrl ? { databaseUrl: args.databaseUrl, schema } : { dataDir: path.join(dir, "pglite") });
    const db = handle.db;
    const writer = new Outbox(db, systemClock, quiet, new MemoryBus());
    await writer.stop(); // writes only: its enqueues kick nothing
    const drafts = writer.packed("email.send", "orders.email", renderDraft);
    const write = async () => {
      for (let start = 0; start < emails; start += 125) {
        const tick = Array.from({ length: Math.min(125, emails - start) }, (_, k) => confirmation(start + k));
        await db.transaction().execute((tx) => drafts.enqueueMany(tx, tick));
      }
    };
    const mailDir = path.join(dir, "mail");
    const mailer = createMailer({ from: "Showcart <no-reply@showcart.local>", dir: mailDir, clock: systemClock });
    let deliveries = 0;
    const node = () => {
      const outbox = new Outbox(db, systemClock, quiet, new MemoryBus());
      outbox.packed("email.send", "orders.email", renderDraft);
      outbox.handle("email.send", async (msg, meta) => {
        deliveries++;
        await mailer.send(msg, meta.id);
      });
      return outbox;
    };

    await write();
    const outbox = node();
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    outbox.start(1000);
    outbox.kick();
    while ((await outbox.pending()) > 0) await new Promise((r) => setTimeout(r, 50));
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    await outbox.stop();
    const files = fs.readdirSync(mailDir).filter((f) => f.endsWith(".json")).length;
    const swept = deliveries;

    // The same rows again, delivered by processDue() called back to back until it finds nothing: no tick to wait for,
    // no polling; what the delivery itself costs.
    await write();
    const direct = node();
    const cpu1 = process.cpuUsage();
    const t1 = performance.now();
    while ((await direct.processDue()) > 0);
    const directSeconds = (performance.now() - t1) / 1000;
    const directCpu = process.cpuUsage(cpu1);
    const left = await direct.pending();
    const dbTx = await dbTxPerSecond(args.databaseUrl, args.databaseUrl ? 10 : 1);
    const perSecond = emails / seconds;
    return {
      bench: "outbox",
      backend: args.databaseUrl ? "postgres" : "pglite",
      emails,
      drain_s: round(seconds, 2),
      emails_per_s: round(perSecond),
      // Files in the mail dir (one per outbox row) and handler calls: more calls than rows is a duplicate delivery.
      mail_files: files,
      deliveries: swept,
      db_tx_per_s: round(dbTx),
      ratio: round(perSecond / dbTx, 3),
      // This process's CPU over the drain (the outbox, the layout and the file transport; not PostgreSQL's processes).
      server_cpu_us_per_email: Math.round((cpu.user + cpu.system) / emails),
      direct_s: round(directSeconds, 2),
      direct_emails_per_s: round(emails / directSeconds),
      direct_deliveries: deliveries - swept,
      direct_left: left,
      direct_ratio: round(emails / directSeconds / dbTx, 3),
      direct_cpu_us_per_email: Math.round((directCpu.user + directCpu.system) / emails),
      load: os.loadavg().map((l) => round(l, 1)),
    };
  } finally {
    if (handle && schema) await handle.db.schema.dropSchema(schema).cascade().execute();
    await handle?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
