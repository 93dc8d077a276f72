export { createMailer, type Mailer, type MailMessage, type StoredMail } from "./service.js";
