export { createMailer, type Mailer, type MailMessage, type StoredMail } from "./service.js";
export { registerDevMailbox } from "./routes.js";
export { mailModule } from "./plugin.js";
