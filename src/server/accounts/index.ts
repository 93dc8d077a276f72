export type { AccountsTables } from "./schema.js";
export { AccountService, ACCOUNT_LIMITS, hashPassword, SESSION_COOKIE, type Account } from "./service.js";
export { InviteService, type InviteView } from "./invites.js";
export { registerInviteRoutes } from "./invite-routes.js";
export { registerAuth, requireAccount, publicAccount, CSRF_HEADER } from "./routes.js";
export { accountsModule } from "./plugin.js";
export { Memberships, type Member, type MemberRole } from "./members.js";
export { FirstRun } from "./setup.js";
export { registerSetupRoutes } from "./setup-routes.js";
