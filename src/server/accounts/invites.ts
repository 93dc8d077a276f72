import { createHash } from "node:crypto";
import type { Db } from "../db/index.js";
import type { Outbox } from "../outbox/index.js";
import type { Clock } from "../platform/clock.js";
import { AppError } from "../platform/errors.js";
import { randomId, secretToken } from "../platform/ids.js";
import { inviteEmail } from "./emails.js";
import type { Account, AccountService } from "./service.js";

const INVITE_TTL_MS = 7 * 24 * 3600 * 1000;
const tokenHash = (token: string) => createHash("sha256").update(token).digest("base64url");

export interface InviteView {
  id: string;
  email: string;
  role: "host" | "staff";
  status: "pending" | "accepted" | "expired" | "revoked";
  createdAt: string;
  expiresAt: string;
}

/** A merchant's owner invites hosts and staff by email; the link creates their account inside the merchant. */
export class InviteService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly accounts: AccountService,
    private readonly outbox: Outbox,
    private readonly publicUrl: string,
  ) {}

  static requireOwner(account: Account): string {
    if (account.role !== "merchant" || !account.merchantId) throw new AppError("forbidden", "Only the merchant's owner can invite.");
    return account.merchantId;
  }

  async invite(owner: Account, input: { email: string; role: "host" | "staff"; lang?: "de" | "en" }): Promise<InviteView> {
    const merchantId = InviteService.requireOwner(owner);
    const email = input.email.trim().toLowerCase();
    const exists = await this.db.selectFrom("accounts").select("id").where("email", "=", email).executeTakeFirst();
    if (exists) throw new AppError("conflict", "This email already has a Showcart account.");
    const token = secretToken(32);
    const now = this.clock.now();
    const id = randomId("inv");
    const expiresAt = new Date(now.getTime() + INVITE_TTL_MS);
    const merchant = await this.db.selectFrom("merchants").select("name").where("id", "=", merchantId).executeTakeFirstOrThrow();
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
    return { id, email, role: input.role, status: "pending", createdAt: now.toISOString(), expiresAt: expiresAt.toISOString() };
  }

  async list(owner: Account): Promise<InviteView[]> {
    const merchantId = InviteService.requireOwner(owner);
    const now = this.clock.now().getTime();
    const rows = await this.db.selectFrom("invites").selectAll().where("merchant_id", "=", merchantId).orderBy("created_at", "desc").limit(200).execute();
    return rows.map((r) => ({
      id: r.id,
      email: r.email,
      role: r.role,
      status: r.accepted_at ? "accepted" : r.revoked_at ? "revoked" : new Date(r.expires_at).getTime() <= now ? "expired" : "pending",
      createdAt: new Date(r.created_at).toISOString(),
      expiresAt: new Date(r.expires_at).toISOString(),
    }));
  }

  async revoke(owner: Account, inviteId: string): Promise<void> {
    const merchantId = InviteService.requireOwner(owner);
    const res = await this.db
      .updateTable("invites")
      .set({ revoked_at: this.clock.now() })
      .where("id", "=", inviteId)
      .where("merchant_id", "=", merchantId)
      .where("accepted_at", "is", null)
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) === 0) throw new AppError("not_found", "No open invite with this id.");
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
