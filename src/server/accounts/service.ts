import { createHash } from "node:crypto";
import { hash, verify } from "@node-rs/argon2";
import type { Db } from "../db/index.js";
import type { Clock } from "../platform/clock.js";
import { AppError } from "../platform/errors.js";
import { randomId, secretToken } from "../platform/ids.js";

export interface Account {
  id: string;
  email: string;
  displayName: string;
  role: "host" | "merchant" | "admin";
  merchantId: string | null;
}

export const SESSION_COOKIE = "sc_session";
const SESSION_TTL_MS = 14 * 24 * 3600 * 1000;
// OWASP's argon2id minimum (19 MiB, t=2, p=1): fast enough for a 2-core box, still memory-hard.
const ARGON2 = { algorithm: 2 as const, memoryCost: 19456, timeCost: 2, parallelism: 1 };

// A hash to compare against when the email is unknown, so a miss costs as much as a wrong password.
let dummyHash: Promise<string> | null = null;

const tokenHash = (token: string) => createHash("sha256").update(token).digest("base64url");

export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2);
}

export class AccountService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

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

  async login(email: string, password: string): Promise<{ account: Account; token: string; expiresAt: Date }> {
    const row = await this.db.selectFrom("accounts").selectAll().where("email", "=", email.trim().toLowerCase()).executeTakeFirst();
    if (!row) {
      dummyHash ??= hashPassword("not-a-real-password");
      await verify(await dummyHash, password).catch(() => false);
      throw new AppError("invalid_credentials");
    }
    const ok = await verify(row.password_hash, password).catch(() => false);
    if (!ok) throw new AppError("invalid_credentials");
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
