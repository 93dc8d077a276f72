import { type ModuleContext, type ModulePlugin, modulePlugin } from "../modules.js";
import type { Outbox } from "../outbox/index.js";
import { InviteService } from "./invites.js";
import { Memberships } from "./members.js";
import { accountsModule } from "./plugin.js";
import { AccountService } from "./service.js";
import { FirstRun, type SetupDeps } from "./setup.js";

/** Accounts, sessions, invites and the first run; its plugin is whole-app (the session hook every route runs behind). */
export function createAccountsModule(
  ctx: ModuleContext,
  doors: {
    outbox: Outbox;
    /** Catalog's shops: an invite names one, the first run creates one. */
    shops: SetupDeps["shops"] & ConstructorParameters<typeof InviteService>[5];
  },
): { accounts: AccountService; memberships: Memberships; firstRun: FirstRun; plugin: ModulePlugin } {
  const { db, clock, config, publicUrl } = ctx;
  const { outbox, shops } = doors;
  const accounts = new AccountService(db, clock, outbox, publicUrl, ctx.rateLimits, { ttlMs: config.SESSION_CACHE_SECONDS * 1000, bus: ctx.bus });
  const memberships = new Memberships(db, clock);
  const firstRun = new FirstRun({ db, clock, accounts, outbox, publicUrl, shops });
  const plugin = modulePlugin("accounts", accountsModule, {
    accounts,
    invites: new InviteService(db, clock, accounts, outbox, publicUrl, shops),
    firstRun,
    secureCookie: config.cookieSecure,
    allowedOrigins: config.allowedOrigins,
  });
  return { accounts, memberships, firstRun, plugin };
}
