import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { loginBody, passwordResetBody, passwordResetRequestBody, signUpBody, signUpConfirmBody, updateMeBody } from "../../protocol/api.js";
import { CSRF_HEADER, guardCookieRequest } from "../http/cross-site.js";
import { parseWith } from "../http/validate.js";
import { AppError } from "../platform/errors.js";
import { type Account, type AccountService, SESSION_COOKIE } from "./service.js";

declare module "fastify" {
  interface FastifyRequest {
    account: Account | null;
  }
}

export { CSRF_HEADER };

// Resolves the session cookie once per request. Cookie-authenticated writes must carry a custom header and come from
// our own origin, and cookie-authenticated WebSockets from our own origin (http/cross-site.ts; SameSite=Lax besides).
export function registerAuth(app: FastifyInstance, accounts: AccountService, opts: { secureCookie: boolean; allowedOrigins: readonly string[] }) {
  app.decorateRequest("account", null);
  app.addHook("preHandler", async (req) => {
    const token = req.cookies[SESSION_COOKIE];
    if (!token) return;
    req.account = await accounts.accountForSession(token);
    if (req.account) guardCookieRequest(req, opts.allowedOrigins);
  });

  app.post("/api/auth/login", async (req, reply) => {
    const body = parseWith(loginBody, req.body);
    const { account, token, expiresAt } = await accounts.login(body.email, body.password, req.ip);
    setSessionCookie(reply, token, expiresAt, opts.secureCookie);
    return { account: publicAccount(account) };
  });

  // Always 202 with the same body, whether or not the email has an account: the emailed link decides the rest.
  app.post("/api/auth/signup", async (req, reply) => {
    const body = parseWith(signUpBody, req.body);
    await accounts.requestSignUp(body, req.ip);
    return reply.status(202).send({ status: "verification_sent" });
  });

  app.post("/api/auth/signup/confirm", async (req, reply) => {
    const body = parseWith(signUpConfirmBody, req.body);
    const { account, token, expiresAt } = await accounts.confirmSignUp(body.token, req.ip);
    setSessionCookie(reply, token, expiresAt, opts.secureCookie);
    return reply.status(201).send({ account: publicAccount(account) });
  });

  app.post("/api/auth/password-reset", async (req, reply) => {
    const body = parseWith(passwordResetRequestBody, req.body);
    await accounts.requestPasswordReset(body.email, body.lang, req.ip);
    return reply.status(202).send({ ok: true });
  });

  app.post("/api/auth/password-reset/confirm", async (req) => {
    const body = parseWith(passwordResetBody, req.body);
    await accounts.resetPassword(body.token, body.password, req.ip);
    return { ok: true };
  });

  app.post("/api/auth/logout", async (req, reply) => {
    const token = req.cookies[SESSION_COOKIE];
    if (token) await accounts.logout(token);
    reply.clearCookie(SESSION_COOKIE, { path: "/" });
    return { ok: true };
  });

  app.get("/api/auth/me", async (req) => ({ account: publicAccount(requireAccount(req)) }));

  // The owner rule: a session changes only its own account (there is no id in the path to point elsewhere).
  app.patch("/api/auth/me", async (req) => {
    const account = requireAccount(req);
    const body = parseWith(updateMeBody, req.body);
    return { account: publicAccount(await accounts.setLang(account.id, body.lang)) };
  });
}

export function setSessionCookie(reply: FastifyReply, token: string, expiresAt: Date, secure: boolean) {
  reply.setCookie(SESSION_COOKIE, token, { path: "/", httpOnly: true, sameSite: "lax", secure, expires: expiresAt });
}

export function requireAccount(req: FastifyRequest): Account {
  if (!req.account) throw new AppError("unauthenticated");
  return req.account;
}

export function publicAccount(a: Account) {
  return { id: a.id, email: a.email, displayName: a.displayName, role: a.role, lang: a.lang ?? null };
}
