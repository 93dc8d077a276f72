import { type Kysely, sql } from "kysely";
import type { FollowTarget } from "../../protocol/api.js";
import { type Db, type SharedTx, scoped } from "../db/index.js";
import type { Clock } from "../platform/clock.js";
import { AppError } from "../platform/errors.js";
import { randomId } from "../platform/ids.js";
import type { FollowsTables } from "./schema.js";

export interface Follower {
  followId: string;
  accountId: string;
  target: FollowTarget;
}

export interface FollowTargets {
  /** The name of the host (an account that hosts a show) or shop, or null when there is no such host or shop. */
  nameOf(target: FollowTarget, targetId: string): Promise<string | null>;
}

/** Who follows which host or shop. A follow is the subscription to that host's or shop's go-live notices. */
export class FollowService {
  private readonly db: Kysely<FollowsTables>;

  constructor(
    db: Db,
    private readonly clock: Clock,
    private readonly targets: FollowTargets,
  ) {
    this.db = scoped(db);
  }

  async follow(accountId: string, target: FollowTarget, targetId: string): Promise<void> {
    if (target === "host" && targetId === accountId) throw new AppError("cannot_follow_self");
    if ((await this.targets.nameOf(target, targetId)) === null) throw new AppError("not_found", `No such ${target}.`);
    await this.db
      .insertInto("follows")
      .values({ id: randomId("fol"), account_id: accountId, target, target_id: targetId, created_at: this.clock.now() })
      .onConflict((oc) => oc.columns(["account_id", "target", "target_id"]).doNothing())
      .execute();
  }

  async unfollow(accountId: string, target: FollowTarget, targetId: string): Promise<void> {
    await this.db.deleteFrom("follows").where("account_id", "=", accountId).where("target", "=", target).where("target_id", "=", targetId).execute();
  }

  async isFollowing(accountId: string, target: FollowTarget, targetId: string): Promise<boolean> {
    const row = await this.db
      .selectFrom("follows")
      .select("id")
      .where("account_id", "=", accountId)
      .where("target", "=", target)
      .where("target_id", "=", targetId)
      .executeTakeFirst();
    return row !== undefined;
  }

  async count(target: FollowTarget, targetId: string): Promise<number> {
    const row = await this.db
      .selectFrom("follows")
      .select(sql<number>`count(*)::int`.as("n"))
      .where("target", "=", target)
      .where("target_id", "=", targetId)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** Followers of a show's host and of its shop (someone following both appears twice, once per follow). */
  async followersOf(tx: SharedTx, hostAccountId: string, merchantId: string): Promise<Follower[]> {
    const rows = await scoped<FollowsTables>(tx)
      .selectFrom("follows")
      .select(["id", "account_id", "target"])
      .where((eb) =>
        eb.or([
          eb.and([eb("target", "=", "host"), eb("target_id", "=", hostAccountId)]),
          eb.and([eb("target", "=", "shop"), eb("target_id", "=", merchantId)]),
        ]),
      )
      .orderBy("created_at")
      .orderBy("id")
      .execute();
    return rows.map((r) => ({ followId: r.id, accountId: r.account_id, target: r.target }));
  }

  /** One follow by id (an unsubscribe link names it). */
  async byId(followId: string): Promise<{ accountId: string; target: FollowTarget; targetId: string } | null> {
    const row = await this.db.selectFrom("follows").select(["account_id", "target", "target_id"]).where("id", "=", followId).executeTakeFirst();
    return row ? { accountId: row.account_id, target: row.target, targetId: row.target_id } : null;
  }

  /** The follow ends (its unsubscribe link was used). True when there was one. */
  async removeById(followId: string): Promise<boolean> {
    const res = await this.db.deleteFrom("follows").where("id", "=", followId).executeTakeFirst();
    return Number(res.numDeletedRows) > 0;
  }

  nameOf(target: FollowTarget, targetId: string): Promise<string | null> {
    return this.targets.nameOf(target, targetId);
  }
}
