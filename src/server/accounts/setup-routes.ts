import type { FastifyInstance } from "fastify";
import { setupBody, verifyEmailBody } from "../../protocol/api.js";
import { parseWith } from "../http/validate.js";
import { publicAccount, requireAccount, setSessionCookie } from "./routes.js";
import type { FirstRun } from "./setup.js";

/**
 * The first-run page's API (under /api/auth/: it sets the session cookie, so it is never replayed by idempotency)
 * and the admin's email confirmation.
 */
export function registerSetupRoutes(app: FastifyInstance, deps: { firstRun: FirstRun; secureCookie: boolean }) {
  const { firstRun } = deps;
  app.get("/api/auth/setup", async () => ({ needed: await firstRun.needed() }));

  app.post("/api/auth/setup", async (req, reply) => {
    const body = parseWith(setupBody, req.body);
    const { account, shop, session } = await firstRun.run(body);
    setSessionCookie(reply, session.token, session.expiresAt, deps.secureCookie);
    return reply.status(201).send({ account: publicAccount(account), shop });
  });

  app.post("/api/auth/verify-email", async (req) => {
    await firstRun.verify(parseWith(verifyEmailBody, req.body).token);
    return { ok: true };
  });

  app.get("/api/auth/email-verification", async (req) => ({ verified: await firstRun.isVerified(requireAccount(req).id) }));

  app.post("/api/auth/email-verification/resend", async (req, reply) => {
    const account = requireAccount(req);
    const lang = (req.body as { lang?: unknown } | undefined)?.lang === "de" ? "de" : "en";
    await firstRun.resend(account, lang);
    return reply.status(202).send({ ok: true });
  });
}
