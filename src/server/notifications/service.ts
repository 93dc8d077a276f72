import type { Kysely, Transaction } from "kysely";
import type { ReminderView, UnsubscribeView } from "../../protocol/api.js";
import type { AccountService } from "../accounts/index.js";
import { type Db, type SharedTx, scoped } from "../db/index.js";
import type { FollowService } from "../follows/index.js";
import type { Clock } from "../platform/clock.js";
import { AppError } from "../platform/errors.js";
import { randomId } from "../platform/ids.js";
import type { Show, ShowService } from "../shows/index.js";
import type { NoticeKind, NoticeRecipient, Notifier, ShowNotice } from "./notifier.js";
import type { NotificationsTables } from "./schema.js";
import type { UnsubscribeTokens } from "./tokens.js";

/** The reminder goes out this long before a scheduled show starts. */
export const REMINDER_LEAD_MS = 15 * 60_000;

type Tx = Transaction<NotificationsTables>;
type Lang = "de" | "en";

export interface ReminderDeps {
  db: Db;
  clock: Clock;
  shows: ShowService;
  follows: FollowService;
  accounts: Pick<AccountService, "contacts">;
  notifier: Notifier;
  tokens: UnsubscribeTokens;
  /** The shop's name and time zone (the notice names the shop and writes the start in its zone). */
  shop(merchantId: string): Promise<{ name: string; timeZone: string }>;
  urls: {
    /** The show's viewer page. */
    show(slug: string): string;
    /** The unsubscribe page; the token rides in the fragment, never in a logged path. */
    unsubscribe(token: string): string;
    /** The show's cover (absolute), or null without one. */
    cover(show: Show): string | null;
  };
}

interface Due {
  kind: NoticeKind;
  key: string;
  show: Show;
}

/**
 * "Remind me" on a scheduled show, the unsubscribe links, and the fan-out of a show's notices: the reminder 15 minutes
 * before its start and the go-live notice (reminders and the host's and shop's followers). A notice's key is inserted
 * into notice_sends in the transaction that writes every recipient's outbox rows (through the notifier's channels),
 * so however many nodes sweep, and whatever restarts in between, each notice is fanned out once.
 */
export class ReminderService {
  private readonly db: Kysely<NotificationsTables>;
  readonly #removedListeners: ((tx: SharedTx, reminderId: string) => Promise<void>)[] = [];

  constructor(private readonly deps: ReminderDeps) {
    this.db = scoped(deps.db);
  }

  /** A guest's reminder ended (its unsubscribe link), in that transaction: what hangs on it goes too (push subscriptions). */
  onReminderRemoved(listener: (tx: SharedTx, reminderId: string) => Promise<void>): void {
    this.#removedListeners.push(listener);
  }

  /** A reminder for the show: the account's, or a guest's address (lower-cased). An existing one is returned without its token. */
  async remind(showIdOrSlug: string, who: { accountId: string } | { email: string }, lang: Lang): Promise<{ reminder: ReminderView; created: boolean }> {
    const show = await this.deps.shows.show(showIdOrSlug);
    if (show.status !== "scheduled" || show.cancelledAt) throw new AppError("show_not_upcoming");
    const accountId = "accountId" in who ? who.accountId : null;
    const email = "email" in who ? who.email.trim().toLowerCase() : null;
    const id = randomId("rem");
    const inserted = await this.db
      .insertInto("show_reminders")
      .values({ id, show_id: show.id, account_id: accountId, email, lang, created_at: this.deps.clock.now() })
      .onConflict((oc) => oc.doNothing())
      .returning("id")
      .executeTakeFirst();
    if (inserted) return { reminder: { id, showId: show.id, token: this.deps.tokens.token(id) }, created: true };
    let q = this.db.selectFrom("show_reminders").select("id").where("show_id", "=", show.id);
    q = accountId ? q.where("account_id", "=", accountId) : q.where("email", "=", email);
    const existing = await q.executeTakeFirstOrThrow();
    return { reminder: { id: existing.id, showId: show.id }, created: false };
  }

  /** The signed-in viewer's reminder for the show, or null. */
  async reminderOf(showIdOrSlug: string, accountId: string): Promise<ReminderView | null> {
    const show = await this.deps.shows.show(showIdOrSlug);
    const row = await this.db.selectFrom("show_reminders").select("id").where("show_id", "=", show.id).where("account_id", "=", accountId).executeTakeFirst();
    return row ? { id: row.id, showId: show.id } : null;
  }

  async cancel(showIdOrSlug: string, accountId: string): Promise<void> {
    const show = await this.deps.shows.show(showIdOrSlug);
    await this.db.deleteFrom("show_reminders").where("show_id", "=", show.id).where("account_id", "=", accountId).execute();
  }

  /** Is `token` the one a guest's "Remind me" answer gave for this reminder (push: a guest's browser opts in with it)? */
  async isGuestReminderToken(reminderId: string, token: string): Promise<boolean> {
    if (this.deps.tokens.verify(token) !== reminderId) return false;
    const row = await this.db.selectFrom("show_reminders").select("id").where("id", "=", reminderId).where("account_id", "is", null).executeTakeFirst();
    return row !== undefined;
  }

  /** Ends the one subscription the token was made for (a reminder, or a follow); a second use finds it gone. */
  async unsubscribe(token: string): Promise<UnsubscribeView> {
    const id = this.deps.tokens.verify(token);
    if (!id) throw new AppError("unsubscribe_link_invalid");
    if (id.startsWith("rem_")) {
      const row = await this.db.transaction().execute(async (tx) => {
        const gone = await tx.deleteFrom("show_reminders").where("id", "=", id).returning("show_id").executeTakeFirst();
        for (const listener of this.#removedListeners) await listener(tx, id);
        return gone;
      });
      const name = row ? (await this.deps.shows.show(row.show_id).catch(() => null))?.title : undefined;
      return { kind: "reminder", name: name ?? "", subscribed: false };
    }
    const follow = await this.deps.follows.byId(id);
    const name = follow ? await this.deps.follows.nameOf(follow.target, follow.targetId) : null;
    await this.deps.follows.removeById(id);
    return { kind: "follow", name: name ?? "", subscribed: false };
  }

  /**
   * Fans out every notice due now: "starting soon" for scheduled shows starting within 15 minutes (keyed by their start
   * time, so a show moved later is reminded again for its new time), "live" for shows on air. Returns how many
   * notices this call fanned out (another node's or an earlier run's are skipped by their key).
   */
  async sendDue(): Promise<number> {
    const now = this.deps.clock.now();
    const [soon, onAir] = await Promise.all([this.deps.shows.startingBetween(now, new Date(now.getTime() + REMINDER_LEAD_MS)), this.deps.shows.onAir()]);
    const due: Due[] = [
      ...soon.map((show) => ({ kind: "show.starting_soon" as const, key: `show.starting_soon:${show.id}:${show.scheduledAt!.toISOString()}`, show })),
      ...onAir.map((show) => ({ kind: "show.live" as const, key: `show.live:${show.id}`, show })),
    ];
    if (due.length === 0) return 0;
    const sent = new Set(
      (
        await this.db
          .selectFrom("notice_sends")
          .select("key")
          .where(
            "key",
            "in",
            due.map((d) => d.key),
          )
          .execute()
      ).map((r) => r.key),
    );
    let n = 0;
    for (const d of due) if (!sent.has(d.key) && (await this.fanOut(d))) n++;
    return n;
  }

  /** One notice to all its recipients, in one transaction that first claims the notice's key. */
  private async fanOut(due: Due): Promise<boolean> {
    // Read before the transaction: on PGlite (one connection) nothing but the transaction may query while it is open.
    const notice = await this.notice(due);
    return this.db.transaction().execute(async (tx) => {
      const claimed = await tx
        .insertInto("notice_sends")
        .values({ key: due.key, show_id: due.show.id, kind: due.kind, created_at: this.deps.clock.now(), recipients: 0 })
        .onConflict((oc) => oc.column("key").doNothing())
        .returning("key")
        .executeTakeFirst();
      if (!claimed) return false;
      const recipients = await this.recipients(tx, due);
      await this.deps.notifier.queue(tx, notice, recipients);
      await tx.updateTable("notice_sends").set({ recipients: recipients.length }).where("key", "=", due.key).execute();
      return true;
    });
  }

  private async notice(due: Due): Promise<ShowNotice> {
    const shop = await this.deps.shop(due.show.merchantId);
    return {
      kind: due.kind,
      key: due.key,
      show: {
        id: due.show.id,
        slug: due.show.slug,
        title: due.show.title,
        scheduledAt: due.show.scheduledAt?.toISOString() ?? null,
        coverUrl: this.deps.urls.cover(due.show),
        shopName: shop.name,
        hostName: due.show.hostName,
        timeZone: shop.timeZone,
      },
      url: this.deps.urls.show(due.show.slug),
    };
  }

  /**
   * Everyone the notice goes to, once each: the show's reminders first (their link ends the reminder), then for the
   * go-live notice the followers of the host and of the shop. One account or address gets one email however many
   * ways it subscribed; the show's own host gets none.
   */
  private async recipients(tx: Tx, due: Due): Promise<NoticeRecipient[]> {
    const reminders = await tx
      .selectFrom("show_reminders")
      .select(["id", "account_id", "email", "lang"])
      .where("show_id", "=", due.show.id)
      .orderBy("created_at")
      .orderBy("id")
      .execute();
    const followers = due.kind === "show.live" ? await this.deps.follows.followersOf(tx, due.show.hostAccountId, due.show.merchantId) : [];
    const accountIds = [...new Set([...reminders.flatMap((r) => (r.account_id ? [r.account_id] : [])), ...followers.map((f) => f.accountId)])];
    const contacts = await this.deps.accounts.contacts(tx, accountIds);
    const showLang: Lang = due.show.language === "de" ? "de" : "en";
    const out: NoticeRecipient[] = [];
    const seenAccounts = new Set<string>([due.show.hostAccountId]);
    const seenEmails = new Set<string>();
    const add = (r: Omit<NoticeRecipient, "unsubscribeUrl">) => {
      if (r.accountId && seenAccounts.has(r.accountId)) return;
      const email = r.email?.toLowerCase() ?? null;
      if (email && seenEmails.has(email)) return;
      if (r.accountId) seenAccounts.add(r.accountId);
      if (email) seenEmails.add(email);
      out.push({ ...r, unsubscribeUrl: this.deps.urls.unsubscribe(this.deps.tokens.token(r.subscription.id)) });
    };
    for (const r of reminders) {
      const contact = r.account_id ? contacts.get(r.account_id) : undefined;
      if (r.account_id && !contact) continue;
      add({
        subscription: { kind: "reminder", id: r.id },
        accountId: r.account_id,
        email: contact?.email ?? r.email,
        lang: contact?.lang ?? r.lang,
      });
    }
    for (const f of followers) {
      const contact = contacts.get(f.accountId);
      if (!contact) continue;
      add({ subscription: { kind: "follow", id: f.followId, target: f.target }, accountId: f.accountId, email: contact.email, lang: contact.lang ?? showLang });
    }
    return out;
  }
}
