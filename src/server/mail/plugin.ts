import type { FastifyPluginAsync } from "fastify";
import { registerDevMailbox } from "./routes.js";
import type { Mailer } from "./service.js";

/** The dev mailbox shows reset links, invites and order links: only when the operator turns it on (DEV_MAILBOX=1). */
export const mailModule: FastifyPluginAsync<{ mailer: Mailer; devMailbox: boolean }> = async (app, { mailer, devMailbox }) => {
  app.addHook("onClose", async () => mailer.close?.());
  if (devMailbox && mailer.list) registerDevMailbox(app, mailer);
  if (devMailbox && mailer.list) app.log.warn("DEV_MAILBOX=1: every email sent is readable at /dev/mailbox by anyone who can reach this server");
  else app.log.info(mailer.list ? "dev mailbox off (DEV_MAILBOX=1 turns it on); emails are written to DATA_DIR/mail" : "dev mailbox off (SMTP_URL is set)");
};
