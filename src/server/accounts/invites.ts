import { createHash } from "node:crypto";
import type { Kysely } from "kysely";
import { type Db, scoped } from "../db/index.js";
import type { Outbox } from "../outbox/index.js";
import type { Clock } from "../platform/clock.js";
import { AppError } from "../platform/errors.js";
import { randomId, secretToken } from "../platform/ids.js";
import { inviteEmail } from "./emails.js";
import type { AccountsTables } from "./schema.js";
import type { Account, AccountService } from "./service.js";

const INVITE_TTL_MS = 7 * 24 * 3600 * 1000;
const tokenHash = (token: string) => createHash("sha256").update(token).digest("base64url");

export interface InviteView {
  id: string;
  merchantId: string;
  email: string;
  role: "host" | "staff";
  status: "pending" | "accepted" | "expired" | "revoked";
  createdAt: string;
  expiresAt: string;
}

/** A merchant's owner invites hosts and staff by email; the link creates their account inside the merchant. */
export class InviteService {
  private readonly db: Kysely<AccountsTables>;

  constructor(
    db: Db,
    private readonly clock: Clock,
    private readonly accounts: AccountService,
    private readonly outbox: Outbox,
    private readonly publicUrl: string,
    /** Catalog's shops: the shop an invite names (not_found for none) and its name in the email and on the accept page. */
    private readonly shops: { shop(id: string): Promise<{ name: string }> },
  ) {
    this.db = scoped(db);
  }

  /** The shop an invite acts on: the owner's own, or the one a platform admin names (invalid_query without one). */
  static requireOwner(account: Account, named?: string): string {
    if (account.role === "admin") {
      if (!named) throw new AppError("invalid_query", "merchantId: required for platform admins");
      return named;
    }
    if (account.role !== "merchant" || !account.merchantId) throw new AppError("forbidden", "Only the merchant's owner can invite.");
    return account.merchantId;
  }

  /**
   * Emails an invite link. An address without an account gets an account when the link is used; a host of another
   * shop may be invited as a host here too (a host works for several shops) and joins once signed in. Any other
   * existing account, or one already in this shop: 409 conflict.
   */
  async invite(owner: Account, input: { email: string; role: "host" | "staff"; lang?: "de" | "en"; merchantId?: string }): Promise<InviteView> {
    const merchantId = InviteService.requireOwner(owner, input.merchantId);
    const email = input.email.trim().toLowerCase();
    const exists = await this.db.selectFrom("accounts").select(["id", "role"]).where("email", "=", email).executeTakeFirst();
    if (exists) {
      const member = await this.db
        .selectFrom("merchant_members")
        .select("role")
        .where("account_id", "=", exists.id)
        .where("merchant_id", "=", merchantId)
        .executeTakeFirst();
      if (member) throw new AppError("conflict", "This person already works for this shop.");
      if (!(exists.role === "host" && input.role === "host")) throw new AppError("conflict", "This email already has a Showcart account.");
    }
    const merchant = await this.shops.shop(merchantId);
    const token = secretToken(32);
    const now = this.clock.now();
    const id = randomId("inv");
    const expiresAt = new Date(now.getTime() + INVITE_TTL_MS);
    const link = `${this.publicUrl}/accept-invite#token=${token}`;
    await this.db.transaction().execute(async (tx) => {
      await tx
        .insertInto("invites")
        .values({
          id,
          token_hash: tokenHash(token),
          merchant_id: merchantId,
          email,
          role: input.role,
          invited_by: owner.id,
          created_at: now,
          expires_at: expiresAt,
          lang: input.lang ?? null,
        })
        .execute();
      await this.outbox.enqueue(tx, "email.send", inviteEmail(email, merchant.name, owner.displayName, input.role, link, input.lang ?? "en"));
    });
    return { id, merchantId, email, role: input.role, status: "pending", createdAt: now.toISOString(), expiresAt: expiresAt.toISOString() };
  }

  async list(owner: Account, named?: string): Promise<InviteView[]> {
    const merchantId = InviteService.requireOwner(owner, named);
    const now = this.clock.now().getTime();
    const rows = await this.db.selectFrom("invites").selectAll().where("merchant_id", "=", merchantId).orderBy("created_at", "desc").limit(200).execute();
    return rows.map((r) => ({
      id: r.id,
      merchantId: r.merchant_id,
      email: r.email,
      role: r.role,
      status: r.accepted_at ? "accepted" : r.revoked_at ? "revoked" : new Date(r.expires_at).getTime() <= now ? "expired" : "pending",
      createdAt: new Date(r.created_at).toISOString(),
      expiresAt: new Date(r.expires_at).toISOString(),
    }));
  }

  async revoke(owner: Account, inviteId: string): Promise<void> {
    // An admin may revoke any shop's invite; an owner only their own shop's.
    const merchantId = owner.role === "admin" ? null : InviteService.requireOwner(owner);
    const res = await this.db
      .updateTable("invites")
      .set({ revoked_at: this.clock.now() })
      .where("id", "=", inviteId)
      .$if(merchantId !== null, (q) => q.where("merchant_id", "=", merchantId!))
      .where("accepted_at", "is", null)
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) === 0) throw new AppError("not_found", "No open invite with this id.");
  }

  /** What the accept page shows before anything is done: the shop, the role, and whether the address has an account. */
  async info(token: string): Promise<{ email: string; role: "host" | "staff"; merchantName: string; existingAccount: boolean }> {
    const now = this.clock.now();
    const invite = await this.db
      .selectFrom("invites")
      .select(["email", "role", "merchant_id"])
      .where("token_hash", "=", tokenHash(token))
      .where("accepted_at", "is", null)
      .where("revoked_at", "is", null)
      .where("expires_at", ">", now)
      .executeTakeFirst();
    if (!invite) throw new AppError("invalid_body", "token: the invite is invalid, used, revoked or expired");
    const [shop, existing] = await Promise.all([
      this.shops.shop(invite.merchant_id),
      this.db.selectFrom("accounts").select("id").where("email", "=", invite.email).executeTakeFirst(),
    ]);
    return { email: invite.email, role: invite.role, merchantName: shop.name, existingAccount: !!existing };
  }

  /**
   * An invite for an address that has an account (a host joining another shop): the signed-in account of that
   * address accepts it, and becomes a member of the shop.
   */
  async acceptAsMember(token: string, account: Account | null): Promise<Account> {
    if (!account) throw new AppError("unauthenticated", "Sign in with the invited address to accept.");
    const now = this.clock.now();
    await this.db.transaction().execute(async (tx) => {
      const invite = await tx
        .updateTable("invites")
        .set({ accepted_at: now, account_id: account.id })
        .where("token_hash", "=", tokenHash(token))
        .where("accepted_at", "is", null)
        .where("revoked_at", "is", null)
        .where("expires_at", ">", now)
        .where("email", "=", account.email.toLowerCase())
        .returningAll()
        .executeTakeFirst();
      if (!invite) throw new AppError("invalid_body", "token: the invite is invalid, used, revoked, expired, or for another address");
      if (account.role !== invite.role) throw new AppError("conflict", `This account is a ${account.role}; the invite is for a ${invite.role}.`);
      await tx
        .insertInto("merchant_members")
        .values({ account_id: account.id, merchant_id: invite.merchant_id, role: invite.role, created_at: now })
        .onConflict((oc) => oc.columns(["account_id", "merchant_id"]).doNothing())
        .execute();
    });
    return account;
  }

  /** Creates the invited account (role and merchant from the invite), once, and signs it in. */
  async accept(token: string, input: { password: string; displayName: string }) {
    const now = this.clock.now();
    const invite = await this.db
      .updateTable("invites")
      .set({ accepted_at: now })
      .where("token_hash", "=", tokenHash(token))
      .where("accepted_at", "is", null)
      .where("revoked_at", "is", null)
      .where("expires_at", ">", now)
      .returningAll()
      .executeTakeFirst();
    if (!invite) throw new AppError("invalid_body", "token: the invite is invalid, used, revoked or expired");
    try {
      const account = await this.accounts.createAccount({
        email: invite.email,
        password: input.password,
        displayName: input.displayName,
        role: invite.role,
        merchantId: invite.merchant_id,
        lang: invite.lang,
      });
      await this.db.updateTable("invites").set({ account_id: account.id }).where("id", "=", invite.id).execute();
    } catch (err) {
      await this.db.updateTable("invites").set({ accepted_at: null }).where("id", "=", invite.id).execute();
      if ((err as { code?: string }).code === "23505") throw new AppError("conflict", "This email already has a Showcart account.");
      throw err;
    }
    return this.accounts.login(invite.email, input.password);
  }
}
