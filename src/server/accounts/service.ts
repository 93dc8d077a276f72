import { hash as digest } from "node:crypto";
import { hash, verify } from "@node-rs/argon2";
import type { Kysely, Transaction } from "kysely";
import { type Db, type SharedDb, type SharedTx, scoped } from "../db/index.js";
import type { Outbox } from "../outbox/index.js";
import { accountExistsEmail, confirmSignUpEmail, resetEmail } from "./emails.js";
import type { Clock } from "../platform/clock.js";
import { isUniqueViolation } from "../db/index.js";
import type { AccountsTables } from "./schema.js";
import { AppError } from "../platform/errors.js";
import { randomId, secretToken } from "../platform/ids.js";
import { type RateLimit, type RateRule, RateLimits, rateLimited } from "../platform/rate-limit.js";
import type { Bus } from "../platform/bus.js";
import { type CachedSession, SessionCache } from "./session-cache.js";

export interface Account {
  id: string;
  email: string;
  displayName: string;
  role: "buyer" | "host" | "merchant" | "staff" | "admin";
  merchantId: string | null;
  /** The language of the account's emails and statements (null: not known yet; the page's language stands in). */
  lang?: "de" | "en" | null;
}

export const SESSION_COOKIE = "sc_session";
const SESSION_TTL_MS = 14 * 24 * 3600 * 1000;
// OWASP's argon2id minimum (19 MiB, t=2, p=1): fast enough for a 2-core box, still memory-hard.
const ARGON2 = { algorithm: 2 as const, memoryCost: 19456, timeCost: 2, parallelism: 1 };

// A hash to compare against when the email is unknown, so a miss costs as much as a wrong password.
let dummyHash: Promise<string> | null = null;

const RESET_TTL_MS = 60 * 60 * 1000;
// A sign-up link is good for a day: long enough to find the mail the next morning.
const SIGNUP_TTL_MS = 24 * 3600 * 1000;

/**
 * Abuse limits of the account routes, counted by wall clock in platform/rate-limit.ts (shared through Redis when
 * REDIS_URL is set). Keys are the client address (`req.ip`: TRUST_PROXY decides what that is) and/or the email.
 */
export const ACCOUNT_LIMITS = {
  // One address guessing one account: 10 attempts in 15 min stop that address for that account for an hour. Only the
  // guesser's address is hurt (an owner who forgot their password can still reset it, or sign in from elsewhere).
  loginPair: { name: "login-address-account", points: 10, windowSeconds: 15 * 60, blockSeconds: 3600 },
  // One address guessing many accounts: loose, since offices and carriers share one address; a success is given back.
  loginAddress: { name: "login-address", points: 100, windowSeconds: 15 * 60, blockSeconds: 15 * 60 },
  // Attempts on one account from anywhere since its last success: the first 10 are free, then each further attempt
  // takes the account's one slot for 1, 2, 4 … 60 s (a distributed guesser gets ~60 tries an hour; the owner waits
  // a minute at most, so this cannot lock anyone out for long).
  loginAccount: { name: "login-account", points: 10, windowSeconds: 15 * 60 },
  loginSlot: { name: "login-account-slot", points: 1, windowSeconds: 60 },
  // Each sign-up costs an argon2 hash and an email: 10 an hour per address, 3 an hour per email (no inbox flooding).
  signupAddress: { name: "signup-address", points: 10, windowSeconds: 3600 },
  signupEmail: { name: "signup-email", points: 3, windowSeconds: 3600 },
  // Reset requests send email: 10 an hour per address, 3 an hour per email.
  resetAddress: { name: "reset-address", points: 10, windowSeconds: 3600 },
  resetEmail: { name: "reset-email", points: 3, windowSeconds: 3600 },
  // Emailed-link tokens (reset, sign-up) tried per address: 20 per 15 min, a good one given back. The token is checked
  // before any argon2 work, so a wrong one costs one database read.
  tokenAddress: { name: "token-address", points: 20, windowSeconds: 15 * 60, blockSeconds: 15 * 60 },
} satisfies Record<string, RateRule>;
const LOGIN_MAX_DELAY_SECONDS = 60;
type AccountLimits = { [K in keyof typeof ACCOUNT_LIMITS]: RateLimit };

// crypto.hash: one call, no Hash object (~4× cheaper than createHash…digest; runs on every signed-in request).
const tokenHash = (token: string) => digest("sha256", token, "base64url");

export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2);
}

export class AccountService {
  readonly #limits: AccountLimits;
  readonly #sessions: SessionCache;
  private readonly db: Kysely<AccountsTables>;

  constructor(
    db: Db,
    private readonly clock: Clock,
    private readonly outbox?: Outbox,
    private readonly publicUrl: string = "http://localhost:3000",
    rateLimits: RateLimits = new RateLimits(),
    /** Sessions kept this long in memory (0: read every time; lookups are still grouped), dropped across nodes via the bus. */
    sessionCache: { ttlMs: number; bus?: Bus } = { ttlMs: 0 },
  ) {
    this.db = scoped(db);
    this.#limits = Object.fromEntries(Object.entries(ACCOUNT_LIMITS).map(([k, rule]) => [k, rateLimits.limit(rule)])) as AccountLimits;
    this.#sessions = new SessionCache((hashes) => this.#readSessions(hashes), sessionCache);
  }

  /**
   * Sign-up by emailed link, with the same answer whether or not the email has an account (no account enumeration):
   * a new email gets a link that creates the account (confirmSignUp), a taken one a "you already have an account"
   * mail. The password is hashed either way, so both take as long.
   */
  async requestSignUp(input: { email: string; password: string; displayName: string; lang?: "de" | "en" }, clientAddress: string): Promise<void> {
    const email = input.email.trim().toLowerCase();
    await this.#limits.signupAddress.take(clientAddress);
    await this.#limits.signupEmail.take(email);
    const passwordHash = await hashPassword(input.password);
    const outbox = this.#requireOutbox();
    const lang = input.lang ?? "en";
    const taken = await this.db.selectFrom("accounts").select("display_name").where("email", "=", email).executeTakeFirst();
    const now = this.clock.now();
    await this.db.transaction().execute(async (tx) => {
      if (taken) {
        await outbox.enqueue(tx, "email.send", accountExistsEmail(email, taken.display_name, this.publicUrl, lang));
        return;
      }
      const token = secretToken(32);
      await tx
        .insertInto("signup_verifications")
        .values({
          token_hash: tokenHash(token),
          email,
          display_name: input.displayName,
          password_hash: passwordHash,
          created_at: now,
          expires_at: new Date(now.getTime() + SIGNUP_TTL_MS),
          used_at: null,
          lang: input.lang ?? null,
        })
        .execute();
      await outbox.enqueue(tx, "email.send", confirmSignUpEmail(email, input.displayName, `${this.publicUrl}/confirm-signup#token=${token}`, lang));
    });
  }

  /** The emailed sign-up link: creates the buyer account (once) and signs it in. */
  async confirmSignUp(token: string, clientAddress: string): Promise<{ account: Account; token: string; expiresAt: Date }> {
    await this.#limits.tokenAddress.take(clientAddress);
    const now = this.clock.now();
    const pending = await this.db
      .updateTable("signup_verifications")
      .set({ used_at: now })
      .where("token_hash", "=", tokenHash(token))
      .where("used_at", "is", null)
      .where("expires_at", ">", now)
      .returning(["email", "display_name", "password_hash", "lang"])
      .executeTakeFirst();
    if (!pending) throw new AppError("invalid_body", "token: the link is invalid, used or expired; sign up again");
    await this.#limits.tokenAddress.refund(clientAddress);
    const id = randomId("acc");
    try {
      await this.db
        .insertInto("accounts")
        .values({
          id,
          email: pending.email,
          password_hash: pending.password_hash,
          display_name: pending.display_name,
          role: "buyer",
          merchant_id: null,
          created_at: now,
          lang: pending.lang,
          // The emailed link proved the address.
          email_verified_at: now,
        })
        .execute();
    } catch (err) {
      // Two links for one email (or an invite accepted meanwhile): only the mailbox's owner can get here.
      if (isUniqueViolation(err)) throw new AppError("conflict", "An account with this email exists; sign in or reset the password.");
      throw err;
    }
    return this.#startSession({ id, email: pending.email, displayName: pending.display_name, role: "buyer", merchantId: null });
  }

  /**
   * Always answers the same way, whether or not the email has an account (no account enumeration). If it has one, a
   * single-use link valid for an hour is emailed through the outbox.
   */
  async requestPasswordReset(emailRaw: string, lang: "de" | "en" = "en", clientAddress?: string): Promise<void> {
    const email = emailRaw.trim().toLowerCase();
    if (clientAddress !== undefined) await this.#limits.resetAddress.take(clientAddress);
    await this.#limits.resetEmail.take(email);
    const row = await this.db.selectFrom("accounts").select(["id", "display_name", "lang"]).where("email", "=", email).executeTakeFirst();
    if (!row || !this.outbox) return;
    const token = secretToken(32);
    const now = this.clock.now();
    const link = `${this.publicUrl}/reset-password#token=${token}`;
    const outbox = this.outbox;
    await this.db.transaction().execute(async (tx) => {
      await tx
        .insertInto("password_resets")
        .values({ token_hash: tokenHash(token), account_id: row.id, created_at: now, expires_at: new Date(now.getTime() + RESET_TTL_MS), used_at: null })
        .execute();
      // The account's language when it is known (set at sign-up or invite), else the page's the request came from.
      await outbox.enqueue(tx, "email.send", resetEmail(email, row.display_name, link, row.lang ?? lang));
    });
  }

  /**
   * Sets the new password, uses up the token and ends every session of the account. The token is checked (and
   * wrong ones counted per address) before argon2 runs: a made-up token costs one read, not a hash.
   */
  async resetPassword(token: string, password: string, clientAddress?: string): Promise<void> {
    if (clientAddress !== undefined) await this.#limits.tokenAddress.take(clientAddress);
    const now = this.clock.now();
    const valid = await this.db
      .selectFrom("password_resets")
      .innerJoin("accounts", "accounts.id", "password_resets.account_id")
      .select("accounts.email")
      .where("token_hash", "=", tokenHash(token))
      .where("used_at", "is", null)
      .where("expires_at", ">", now)
      .executeTakeFirst();
    if (!valid) throw new AppError("invalid_body", "token: the link is invalid, used or expired; request a new one");
    if (clientAddress !== undefined) await this.#limits.tokenAddress.refund(clientAddress);
    const hashed = await hashPassword(password);
    const done = await this.db.transaction().execute(async (tx) => {
      const reset = await tx
        .updateTable("password_resets")
        .set({ used_at: now })
        .where("token_hash", "=", tokenHash(token))
        .where("used_at", "is", null)
        .where("expires_at", ">", now)
        .returning("account_id")
        .executeTakeFirst();
      if (!reset) return null;
      await tx.updateTable("accounts").set({ password_hash: hashed }).where("id", "=", reset.account_id).execute();
      await tx.deleteFrom("sessions").where("account_id", "=", reset.account_id).execute();
      return reset.account_id;
    });
    if (!done) throw new AppError("invalid_body", "token: the link is invalid, used or expired; request a new one");
    await this.#sessions.changed(done);
    // The owner proved the mailbox: sign-in delays on the account end.
    await Promise.all([this.#limits.loginAccount.reset(valid.email), this.#limits.loginSlot.reset(valid.email)]);
  }

  /**
   * An account whose address is taken as confirmed (an invite link, an operator, the demo), and its membership of
   * `merchantId` for owners, staff and hosts. `emailVerified: false` leaves it unconfirmed (the first-run admin).
   */
  async createAccount(
    input: {
      email: string;
      password: string;
      displayName: string;
      role: Account["role"];
      merchantId: string | null;
      emailVerified?: boolean;
      /** The language of the account's emails and statements (null: not known). */
      lang?: "de" | "en" | null;
    },
    /** The caller's transaction (the first run's), typed here to the accounts' tables. */
    inTx?: SharedTx,
  ): Promise<Account> {
    const id = randomId("acc");
    const passwordHash = await hashPassword(input.password);
    const now = this.clock.now();
    const write = async (tx: Transaction<AccountsTables>) => {
      await tx
        .insertInto("accounts")
        .values({
          id,
          email: input.email.toLowerCase(),
          password_hash: passwordHash,
          display_name: input.displayName,
          role: input.role,
          merchant_id: input.merchantId,
          created_at: now,
          email_verified_at: input.emailVerified === false ? null : now,
          lang: input.lang ?? null,
        })
        .execute();
      if (input.merchantId && (input.role === "merchant" || input.role === "staff" || input.role === "host"))
        await tx.insertInto("merchant_members").values({ account_id: id, merchant_id: input.merchantId, role: input.role, created_at: now }).execute();
    };
    if (inTx) await write(inTx);
    else await this.db.transaction().execute(write);
    return { id, email: input.email.toLowerCase(), displayName: input.displayName, role: input.role, merchantId: input.merchantId };
  }

  /**
   * Signs in with email and password. Limits (ACCOUNT_LIMITS) are counted per attempt before argon2 runs, so parallel
   * guesses are counted too; a refusal is 429 rate_limited with retryAfterMs.
   */
  async login(email: string, password: string, clientAddress?: string): Promise<{ account: Account; token: string; expiresAt: Date }> {
    const normalised = email.trim().toLowerCase();
    await this.#checkLoginLimits(normalised, clientAddress);
    const row = await this.db.selectFrom("accounts").selectAll().where("email", "=", normalised).executeTakeFirst();
    if (!row) {
      dummyHash ??= hashPassword("not-a-real-password");
      await verify(await dummyHash, password).catch(() => false);
      throw new AppError("invalid_credentials");
    }
    const ok = await verify(row.password_hash, password).catch(() => false);
    if (!ok) throw new AppError("invalid_credentials");
    const l = this.#limits;
    await Promise.all([
      l.loginAccount.reset(normalised),
      l.loginSlot.reset(normalised),
      ...(clientAddress === undefined ? [] : [l.loginPair.reset(`${clientAddress}|${normalised}`), l.loginAddress.refund(clientAddress)]),
    ]);
    return this.#startSession(toAccount(row));
  }

  async #checkLoginLimits(email: string, clientAddress: string | undefined): Promise<void> {
    const l = this.#limits;
    if (clientAddress !== undefined) {
      const waits = await Promise.all([l.loginPair.hit(`${clientAddress}|${email}`), l.loginAddress.hit(clientAddress)]);
      const wait = Math.max(...waits);
      if (wait > 0) throw rateLimited(wait, `Too many sign-in attempts; try again in ${Math.ceil(wait / 1000)} s.`);
    }
    if ((await l.loginAccount.hit(email)) === 0) return;
    // Past the free attempts: the n-th further attempt holds the account's slot for 2^(n-1) s (max a minute).
    const further = (await l.loginAccount.used(email)) - ACCOUNT_LIMITS.loginAccount.points;
    const delaySeconds = Math.min(2 ** Math.max(0, further - 1), LOGIN_MAX_DELAY_SECONDS);
    const wait = await l.loginSlot.hit(email, 1, delaySeconds);
    if (wait > 0) {
      // A refused attempt does not lengthen the next delay (the owner retrying early is not punished).
      await l.loginAccount.refund(email);
      throw rateLimited(wait, `Too many failed sign-ins for this account; try again in ${Math.ceil(wait / 1000)} s.`);
    }
  }

  async #startSession(account: Account): Promise<{ account: Account; token: string; expiresAt: Date }> {
    const token = secretToken(32);
    const now = this.clock.now();
    const expiresAt = new Date(now.getTime() + SESSION_TTL_MS);
    await this.db
      .insertInto("sessions")
      .values({ token_hash: tokenHash(token), account_id: account.id, created_at: now, expires_at: expiresAt })
      .execute();
    return { account, token, expiresAt };
  }

  #requireOutbox(): Outbox {
    if (!this.outbox) throw new Error("AccountService needs the outbox to send sign-up mail");
    return this.outbox;
  }

  async logout(token: string): Promise<void> {
    const gone = await this.db.deleteFrom("sessions").where("token_hash", "=", tokenHash(token)).returning("account_id").executeTakeFirst();
    if (gone) await this.#sessions.changed(gone.account_id);
  }

  /** The account by its id, or null. */
  async account(id: string): Promise<Account | null> {
    const row = await this.db
      .selectFrom("accounts")
      .select(["id", "email", "display_name", "role", "merchant_id", "lang"])
      .where("id", "=", id)
      .executeTakeFirst();
    return row ? toAccount(row) : null;
  }

  /** The account's language: every later email and statement to it is written in it (reset, notices, statements). */
  async setLang(accountId: string, lang: "de" | "en"): Promise<Account> {
    const row = await this.db
      .updateTable("accounts")
      .set({ lang })
      .where("id", "=", accountId)
      .returning(["id", "email", "display_name", "role", "merchant_id", "lang"])
      .executeTakeFirst();
    if (!row) throw new AppError("not_found", "No such account.");
    await this.#sessions.changed(accountId);
    return toAccount(row);
  }

  /** Where and in which language to write to these accounts (a notice's recipients); unknown ids are left out. */
  async contacts(q: SharedDb, ids: readonly string[]): Promise<Map<string, { email: string; lang: "de" | "en" | null }>> {
    if (ids.length === 0) return new Map();
    const rows = await scoped<AccountsTables>(q)
      .selectFrom("accounts")
      .select(["id", "email", "lang"])
      .where("id", "in", [...ids])
      .execute();
    return new Map(rows.map((r) => [r.id, { email: r.email, lang: r.lang }]));
  }

  /** How the account is named and written to (a host's statement), or null. */
  async profile(id: string): Promise<{ displayName: string; lang: "de" | "en" | null } | null> {
    const row = await this.db.selectFrom("accounts").select(["display_name", "lang"]).where("id", "=", id).executeTakeFirst();
    return row ? { displayName: row.display_name, lang: row.lang } : null;
  }

  /** The signed-in account of a session cookie, or null (no such session, or it ended). Cached: see SessionCache. */
  async accountForSession(token: string | undefined): Promise<Account | null> {
    if (!token || token.length > 100) return null;
    const s = await this.#sessions.get(tokenHash(token));
    if (!s || s.expiresAt <= this.clock.now().getTime()) return null;
    return s.account;
  }

  /** The sessions of these token hashes, in one query (those that exist; expiry is the caller's check). */
  async #readSessions(hashes: string[]): Promise<Map<string, CachedSession>> {
    const rows = await this.db
      .selectFrom("sessions")
      .innerJoin("accounts", "accounts.id", "sessions.account_id")
      .select(["accounts.id", "accounts.email", "accounts.display_name", "accounts.role", "accounts.merchant_id", "accounts.lang"])
      .select(["sessions.token_hash", "sessions.expires_at"])
      .where("sessions.token_hash", "in", hashes)
      .execute();
    return new Map(rows.map((r) => [r.token_hash, { account: toAccount(r), expiresAt: new Date(r.expires_at).getTime() }]));
  }
}

function toAccount(row: {
  id: string;
  email: string;
  display_name: string;
  role: Account["role"];
  merchant_id: string | null;
  lang?: "de" | "en" | null;
}): Account {
  return { id: row.id, email: row.email, displayName: row.display_name, role: row.role, merchantId: row.merchant_id, lang: row.lang ?? null };
}
