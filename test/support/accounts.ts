import type { Account } from "../../src/server/accounts/index.js";
import type { RunningServer } from "../../src/server/app.js";
import { login } from "./http.js";

/**
 * A buyer account for tests that need one, signed in. Sign-up over HTTP goes through an emailed link and is limited
 * per address, so the account is made through the service (as the link would), then signed in over HTTP.
 */
export async function createBuyer(server: Pick<RunningServer, "url" | "services">, email: string, password: string, displayName = email.split("@")[0]!): Promise<{ account: Account; cookie: string }> {
  const account = await server.services.accounts.createAccount({ email, password, displayName, role: "buyer", merchantId: null });
  return { account, cookie: await login(server.url, email, password) };
}
