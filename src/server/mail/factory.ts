import path from "node:path";
import { type ModuleContext, type ModulePlugin, modulePlugin } from "../modules.js";
import type { Outbox } from "../outbox/index.js";
import { mailModule } from "./plugin.js";
import { type Mailer, createMailer } from "./service.js";

/** SMTP or the dev mailbox; it sends what the outbox relays as `email.send`. */
export function createMailModule(ctx: ModuleContext, doors: { outbox: Outbox }): { mailer: Mailer; plugin: ModulePlugin } {
  const { config } = ctx;
  const mailer = createMailer({ smtpUrl: config.SMTP_URL, from: config.MAIL_FROM, dir: path.join(config.dataDir, "mail"), clock: ctx.clock });
  doors.outbox.handle("email.send", (msg, meta) => mailer.send(msg, meta.id));
  return { mailer, plugin: modulePlugin("mail", mailModule, { mailer, devMailbox: config.DEV_MAILBOX }) };
}
