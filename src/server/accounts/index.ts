export { AccountService, LoginLimiter, hashPassword, SESSION_COOKIE, type Account } from "./service.js";
export { registerAuth, requireAccount, publicAccount, CSRF_HEADER } from "./routes.js";
