import type { Kysely } from "kysely";
import { type Db, type SharedDb, scoped } from "../db/index.js";
import type { Clock } from "../platform/clock.js";
import type { AccountsTables } from "./schema.js";

export type MemberRole = "merchant" | "staff" | "host";

export interface Member {
  accountId: string;
  displayName: string;
  email: string;
  role: MemberRole;
}

/**
 * Who works for which shop. A host may host for several shops (one membership each); owners and staff work for one.
 * `accounts.merchant_id` stays the account's first shop, so everything that reads it keeps working; memberships are
 * what lists and checks of a shop's people read (migration 62 copied every existing account into them).
 */
export class Memberships {
  private readonly db: Kysely<AccountsTables>;

  constructor(
    db: Db,
    private readonly clock: Clock,
  ) {
    this.db = scoped(db);
  }

  /** `q`: the database or the caller's transaction. */
  async add(q: SharedDb, accountId: string, merchantId: string, role: MemberRole): Promise<void> {
    await scoped<AccountsTables>(q)
      .insertInto("merchant_members")
      .values({ account_id: accountId, merchant_id: merchantId, role, created_at: this.clock.now() })
      .onConflict((oc) => oc.columns(["account_id", "merchant_id"]).doNothing())
      .execute();
  }

  async isMember(accountId: string, merchantId: string, roles: MemberRole[] = ["merchant", "staff", "host"]): Promise<boolean> {
    const row = await this.db
      .selectFrom("accounts")
      .leftJoin("merchant_members", (j) => j.onRef("merchant_members.account_id", "=", "accounts.id").on("merchant_members.merchant_id", "=", merchantId))
      .select(["accounts.role", "accounts.merchant_id", "merchant_members.role as member_role"])
      .where("accounts.id", "=", accountId)
      .executeTakeFirst();
    if (!row) return false;
    if (row.member_role) return roles.includes(row.member_role);
    return row.merchant_id === merchantId && (roles as string[]).includes(row.role);
  }

  /** The shop's people with a role among `roles`, by name. */
  async of(merchantId: string, roles: MemberRole[]): Promise<Member[]> {
    const rows = await this.db
      .selectFrom("merchant_members")
      .innerJoin("accounts", "accounts.id", "merchant_members.account_id")
      .select(["accounts.id", "accounts.display_name", "accounts.email", "merchant_members.role"])
      .where("merchant_members.merchant_id", "=", merchantId)
      .where("merchant_members.role", "in", roles)
      .orderBy("accounts.display_name")
      .orderBy("accounts.id")
      .execute();
    return rows.map((r) => ({ accountId: r.id, displayName: r.display_name, email: r.email, role: r.role }));
  }

  async displayNames(accountIds: string[]): Promise<Map<string, string>> {
    if (!accountIds.length) return new Map();
    const rows = await this.db.selectFrom("accounts").select(["id", "display_name"]).where("id", "in", accountIds).execute();
    return new Map(rows.map((r) => [r.id, r.display_name]));
  }
}
