import { createHash } from "node:crypto";
import { hash, verify } from "@node-rs/argon2";
import type { Db } from "../db/index.js";
import type { Outbox } from "../outbox/index.js";
import type { Clock } from "../platform/clock.js";
import { AppError } from "../platform/errors.js";
import { randomId, secretToken } from "../platform/ids.js";

export interface Account {
  id: string;
  email: string;
  displayName: string;
  role: "buyer" | "host" | "merchant" | "staff" | "admin";
  merchantId: string | null;
}

export const SESSION_COOKIE = "sc_session";
const SESSION_TTL_MS = 14 * 24 * 3600 * 1000;
// OWASP's argon2id minimum (19 MiB, t=2, p=1): fast enough for a 2-core box, still memory-hard.
const ARGON2 = { algorithm: 2 as const, memoryCost: 19456, timeCost: 2, parallelism: 1 };

// A hash to compare against when the email is unknown, so a miss costs as much as a wrong password.
let dummyHash: Promise<string> | null = null;

const RESET_TTL_MS = 60 * 60 * 1000;
// Failed logins within the window before 429 rate_limited: per email (guessing one account's password), and a looser
// limit per client address (many accounts from one machine; loose because offices and carriers share addresses).
const LOGIN_FAILURES_PER_EMAIL = 10;
const LOGIN_FAILURES_PER_CLIENT = 100;
const LOGIN_WINDOW_MS = 15 * 60 * 1000;

const tokenHash = (token: string) => createHash("sha256").update(token).digest("base64url");

export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2);
}

/** Sliding-window failure counter (per node; the realtime issue moves shared limits to Redis). */
export class LoginLimiter {
  readonly #failures = new Map<string, number[]>();
  constructor(
    private readonly clock: Clock,
    private readonly windowMs = LOGIN_WINDOW_MS,
  ) {}
  static allowed(key: string): number {
    return key.startsWith("client:") ? LOGIN_FAILURES_PER_CLIENT : LOGIN_FAILURES_PER_EMAIL;
  }
  #recent(key: string): number[] {
    const cutoff = this.clock.now().getTime() - this.windowMs;
    const list = (this.#failures.get(key) ?? []).filter((t) => t > cutoff);
    if (list.length) this.#failures.set(key, list);
    else this.#failures.delete(key);
    return list;
  }
  check(keys: string[]): void {
    if (keys.some((k) => this.#recent(k).length >= LoginLimiter.allowed(k))) throw new AppError("rate_limited", "Too many failed sign-ins; try again in 15 minutes.");
  }
  fail(keys: string[]): void {
    const now = this.clock.now().getTime();
    for (const k of keys) this.#failures.set(k, [...this.#recent(k), now]);
  }
  reset(keys: string[]): void {
    for (const k of keys) this.#failures.delete(k);
  }
}

export class AccountService {
  readonly limiter: LoginLimiter;
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly outbox?: Outbox,
    private readonly publicUrl: string = "http://localhost:3000",
  ) {
    this.limiter = new LoginLimiter(clock);
  }

  /** A buyer account (guest checkout stays possible); signs the new account in. */
  async signUp(input: { email: string; password: string; displayName: string }) {
    const email = input.email.trim().toLowerCase();
    const exists = await this.db.selectFrom("accounts").select("id").where("email", "=", email).executeTakeFirst();
    if (exists) throw new AppError("conflict", "An account with this email exists; sign in or reset the password.");
    try {
      await this.createAccount({ email, password: input.password, displayName: input.displayName, role: "buyer", merchantId: null });
    } catch (err) {
      if ((err as { code?: string }).code === "23505") throw new AppError("conflict", "An account with this email exists; sign in or reset the password.");
      throw err;
    }
    return this.login(email, input.password);
  }

  /**
   * Always answers the same way, whether or not the email has an account (no account enumeration). If it has one, a
   * single-use link valid for an hour is emailed through the outbox.
   */
  async requestPasswordReset(emailRaw: string, lang: "de" | "en" = "en"): Promise<void> {
    const email = emailRaw.trim().toLowerCase();
    const row = await this.db.selectFrom("accounts").select(["id", "display_name"]).where("email", "=", email).executeTakeFirst();
    if (!row || !this.outbox) return;
    const token = secretToken(32);
    const now = this.clock.now();
    const link = `${this.publicUrl}/reset-password#token=${token}`;
    const outbox = this.outbox;
    await this.db.transaction().execute(async (tx) => {
      await tx.insertInto("password_resets").values({ token_hash: tokenHash(token), account_id: row.id, created_at: now, expires_at: new Date(now.getTime() + RESET_TTL_MS), used_at: null }).execute();
      await outbox.enqueue(tx, "email.send", resetEmail(email, row.display_name, link, lang));
    });
  }

  /** Sets the new password, uses up the token and ends every session of the account. */
  async resetPassword(token: string, password: string): Promise<void> {
    const now = this.clock.now();
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
      if (!reset) return false;
      await tx.updateTable("accounts").set({ password_hash: hashed }).where("id", "=", reset.account_id).execute();
      await tx.deleteFrom("sessions").where("account_id", "=", reset.account_id).execute();
      return true;
    });
    if (!done) throw new AppError("invalid_body", "token: the link is invalid, used or expired; request a new one");
  }

  async createAccount(input: { email: string; password: string; displayName: string; role: Account["role"]; merchantId: string | null }): Promise<Account> {
    const id = randomId("acc");
    await this.db
      .insertInto("accounts")
      .values({
        id,
        email: input.email.toLowerCase(),
        password_hash: await hashPassword(input.password),
        display_name: input.displayName,
        role: input.role,
        merchant_id: input.merchantId,
        created_at: this.clock.now(),
      })
      .execute();
    return { id, email: input.email.toLowerCase(), displayName: input.displayName, role: input.role, merchantId: input.merchantId };
  }

  async login(email: string, password: string, clientKey?: string): Promise<{ account: Account; token: string; expiresAt: Date }> {
    const normalised = email.trim().toLowerCase();
    const limitKeys = [`email:${normalised}`, ...(clientKey ? [`client:${clientKey}`] : [])];
    this.limiter.check(limitKeys);
    const row = await this.db.selectFrom("accounts").selectAll().where("email", "=", normalised).executeTakeFirst();
    if (!row) {
      dummyHash ??= hashPassword("not-a-real-password");
      await verify(await dummyHash, password).catch(() => false);
      this.limiter.fail(limitKeys);
      throw new AppError("invalid_credentials");
    }
    const ok = await verify(row.password_hash, password).catch(() => false);
    if (!ok) {
      this.limiter.fail(limitKeys);
      throw new AppError("invalid_credentials");
    }
    this.limiter.reset([`email:${normalised}`]);
    const token = secretToken(32);
    const now = this.clock.now();
    const expiresAt = new Date(now.getTime() + SESSION_TTL_MS);
    await this.db.insertInto("sessions").values({ token_hash: tokenHash(token), account_id: row.id, created_at: now, expires_at: expiresAt }).execute();
    return { account: toAccount(row), token, expiresAt };
  }

  async logout(token: string): Promise<void> {
    await this.db.deleteFrom("sessions").where("token_hash", "=", tokenHash(token)).execute();
  }

  async accountForSession(token: string | undefined): Promise<Account | null> {
    if (!token || token.length > 100) return null;
    const row = await this.db
      .selectFrom("sessions")
      .innerJoin("accounts", "accounts.id", "sessions.account_id")
      .selectAll("accounts")
      .select("sessions.expires_at")
      .where("sessions.token_hash", "=", tokenHash(token))
      .executeTakeFirst();
    if (!row || new Date(row.expires_at).getTime() <= this.clock.now().getTime()) return null;
    return toAccount(row);
  }
}

function toAccount(row: { id: string; email: string; display_name: string; role: Account["role"]; merchant_id: string | null }): Account {
  return { id: row.id, email: row.email, displayName: row.display_name, role: row.role, merchantId: row.merchant_id };
}

function resetEmail(to: string, name: string, link: string, lang: "de" | "en") {
  if (lang === "de") {
    return {
      to,
      subject: "Showcart: Passwort zurücksetzen",
      text: `Hallo ${name},\n\nüber diesen Link setzt du dein Showcart-Passwort zurück (eine Stunde gültig, nur einmal):\n${link}\n\nWenn du das nicht angefordert hast, ignoriere diese E-Mail.`,
    };
  }
  return {
    to,
    subject: "Showcart: reset your password",
    text: `Hello ${name},\n\nuse this link to reset your Showcart password (valid for one hour, once):\n${link}\n\nIf you did not ask for this, ignore this email.`,
  };
}
