import { appWide } from "../http/app-wide.js";
import { registerInviteRoutes } from "./invite-routes.js";
import type { InviteService } from "./invites.js";
import { registerAuth } from "./routes.js";
import type { FirstRun } from "./setup.js";
import { registerSetupRoutes } from "./setup-routes.js";
import type { AccountService } from "./service.js";

export interface AccountsModuleOptions {
  accounts: AccountService;
  invites: InviteService;
  firstRun: FirstRun;
  secureCookie: boolean;
  allowedOrigins: readonly string[];
}

/**
 * Sign-up, sign-in, resets and invites. For the whole app, and registered first: every module's routes run behind its
 * session hook (`req.account`) and the cross-site checks of cookie-authenticated requests.
 */
export const accountsModule = appWide<AccountsModuleOptions>(async (app, opts) => {
  registerAuth(app, opts.accounts, { secureCookie: opts.secureCookie, allowedOrigins: opts.allowedOrigins });
  registerInviteRoutes(app, { invites: opts.invites, secureCookie: opts.secureCookie });
  registerSetupRoutes(app, { firstRun: opts.firstRun, secureCookie: opts.secureCookie });
});
