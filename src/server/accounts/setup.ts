import { createHash } from "node:crypto";
import { type Kysely, type Transaction, sql } from "kysely";
import type { ShopBody, ShopView } from "../../protocol/api.js";
import { type Db, type SharedTx, scoped } from "../db/index.js";
import type { Outbox } from "../outbox/index.js";
import type { Clock } from "../platform/clock.js";
import { AppError } from "../platform/errors.js";
import { secretToken } from "../platform/ids.js";
import { verifyEmail } from "./emails.js";
import type { AccountsTables } from "./schema.js";
import type { Account, AccountService } from "./service.js";

// The first run's transaction, handed to catalog's shops (typed there to its own tables).
type Tx = SharedTx;
// A confirmation link is good for three days: the admin may set up first and read mail later.
const VERIFY_TTL_MS = 3 * 24 * 3600 * 1000;
// Serialises concurrent first runs: both would otherwise see an empty installation.
const SETUP_LOCK = 727_275;
const tokenHash = (token: string) => createHash("sha256").update(token).digest("base64url");

export interface SetupDeps {
  db: Db;
  clock: Clock;
  accounts: AccountService;
  outbox: Outbox;
  publicUrl: string;
  /** Catalog's shops. */
  shops: { any(q?: Tx): Promise<boolean>; create(input: ShopBody, q?: Tx): Promise<ShopView> };
}

/**
 * The first run of an empty installation (DEMO=0): the platform admin's account and the first shop in one
 * transaction, refused (setup_done) once any admin or shop exists. The admin's address is confirmed by an emailed
 * link (email_verified_at); until then the admin works normally and /admin shows a reminder.
 */
export class FirstRun {
  private readonly db: Kysely<AccountsTables>;

  constructor(private readonly deps: SetupDeps) {
    this.db = scoped(deps.db);
  }

  async needed(): Promise<boolean> {
    const admin = await this.db.selectFrom("accounts").select("id").where("role", "=", "admin").limit(1).executeTakeFirst();
    return !admin && !(await this.deps.shops.any());
  }

  async run(input: {
    admin: { email: string; password: string; displayName: string };
    shop: ShopBody;
    lang?: "de" | "en";
  }): Promise<{ account: Account; shop: ShopView; session: { token: string; expiresAt: Date } }> {
    if (!(await this.needed())) throw new AppError("setup_done");
    const { db } = this;
    const { accounts } = this.deps;
    const email = input.admin.email.trim().toLowerCase();
    const verifyToken = secretToken(32);
    const now = this.deps.clock.now();
    const { account, shop } = await db.transaction().execute(async (tx) => {
      await sql`select pg_advisory_xact_lock(${SETUP_LOCK})`.execute(tx);
      const admin = await tx.selectFrom("accounts").select("id").where("role", "=", "admin").limit(1).executeTakeFirst();
      if (admin || (await this.deps.shops.any(tx))) throw new AppError("setup_done");
      const shop = await this.deps.shops.create(input.shop, tx);
      // The platform admin acts for every shop (naming it); merchant_id stays empty.
      const account = await accounts.createAccount(
        { email, password: input.admin.password, displayName: input.admin.displayName, role: "admin", merchantId: null, emailVerified: false },
        tx,
      );
      await this.#sendVerification(tx, account, verifyToken, now, input.lang ?? "en");
      return { account, shop };
    });
    const session = await accounts.login(email, input.admin.password);
    return { account, shop, session: { token: session.token, expiresAt: session.expiresAt } };
  }

  /** A fresh confirmation link for a signed-in account whose address is not confirmed yet. */
  async resend(account: Account, lang: "de" | "en" = "en"): Promise<void> {
    const row = await this.db.selectFrom("accounts").select("email_verified_at").where("id", "=", account.id).executeTakeFirst();
    if (!row || row.email_verified_at) throw new AppError("conflict", "This address is confirmed already.");
    const token = secretToken(32);
    await this.db.transaction().execute((tx) => this.#sendVerification(tx, account, token, this.deps.clock.now(), lang));
  }

  /** The emailed link: marks the address confirmed (once). */
  async verify(token: string): Promise<void> {
    const now = this.deps.clock.now();
    const done = await this.db.transaction().execute(async (tx) => {
      const used = await tx
        .updateTable("email_verifications")
        .set({ used_at: now })
        .where("token_hash", "=", tokenHash(token))
        .where("used_at", "is", null)
        .where("expires_at", ">", now)
        .returning("account_id")
        .executeTakeFirst();
      if (!used) return false;
      await tx.updateTable("accounts").set({ email_verified_at: now }).where("id", "=", used.account_id).where("email_verified_at", "is", null).execute();
      return true;
    });
    if (!done) throw new AppError("invalid_body", "token: the link is invalid, used or expired; ask for a new one");
  }

  async isVerified(accountId: string): Promise<boolean> {
    const row = await this.db.selectFrom("accounts").select("email_verified_at").where("id", "=", accountId).executeTakeFirst();
    return !!row?.email_verified_at;
  }

  async #sendVerification(tx: Transaction<AccountsTables>, account: Account, token: string, now: Date, lang: "de" | "en"): Promise<void> {
    await tx
      .insertInto("email_verifications")
      .values({ token_hash: tokenHash(token), account_id: account.id, created_at: now, expires_at: new Date(now.getTime() + VERIFY_TTL_MS), used_at: null })
      .execute();
    await this.deps.outbox.enqueue(
      tx,
      "email.send",
      verifyEmail(account.email, account.displayName, `${this.deps.publicUrl}/verify-email#token=${token}`, lang),
    );
  }
}
