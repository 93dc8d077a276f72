export { createMailer, type Mailer, type MailMessage, type StoredMail } from "./service.js";
export { registerDevMailbox } from "./routes.js";
export { type EmailBody, type EmailLang, type EmailMessage, type EmailPart, emailMoney, escapeHtml, renderEmail, safeUrl } from "./template.js";
export { mailModule } from "./plugin.js";
export { createMailModule } from "./factory.js";
