import type { Account } from "../../src/server/accounts/index.js";
import type { RunningServer } from "../../src/server/app.js";
import { login } from "./http.js";

/**
 * A buyer account for tests that need one, signed in. Sign-up over HTTP goes through an emailed link and is limited
 * per address, so the account is made through the service (as the link would), then signed in over HTTP.
 */
export async function createBuyer(
  server: Pick<RunningServer, "url" | "services">,
  email: string,
  password: string,
  displayName = email.split("@")[0]!,
): Promise<{ account: Account; cookie: string }> {
  const account = await server.services.accounts.createAccount({ email, password, displayName, role: "buyer", merchantId: null });
  return { account, cookie: await login(server.url, email, password) };
}

/** The token of an emailed link to `page` (e.g. "confirm-signup") sent to `to`, read from the server's file mailer. */
export async function mailedToken(server: Pick<RunningServer, "services">, to: string, page: string, timeoutMs = 10_000): Promise<string> {
  const link = new RegExp(`/${page}#token=([A-Za-z0-9_-]+)`);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await server.services.outbox.processDue();
    const mail = (server.services.mailer.list?.() ?? []).find((m) => m.to === to && link.test(m.text)); // newest first
    if (mail) return link.exec(mail.text)![1]!;
    if (Date.now() > deadline) throw new Error(`no ${page} mail for ${to}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
