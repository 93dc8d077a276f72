import type { ChatModerationView, ChatReportView, ChatRestrictionView, ChatSettingsView } from "../../protocol/api.js";
import type { ChatPinned } from "../../protocol/realtime.js";
import type { Account } from "../accounts/index.js";
import type { Kysely } from "kysely";
import { type Db, scoped } from "../db/index.js";
import type { ChatTables } from "./schema.js";
import type { Bus } from "../platform/bus.js";
import type { Clock } from "../platform/clock.js";
import { AppError } from "../platform/errors.js";
import { randomId } from "../platform/ids.js";
import { DEFAULT_BLOCKED_WORDS } from "./blocked-words.js";
import { type ChatRules, DEFAULT_SETTINGS, type RoomRules, type SubjectType, chatPower } from "./rules.js";
import { cleanChatText } from "./service.js";

export interface ModerationDeps {
  db: Db;
  clock: Clock;
  bus: Bus;
  rules: ChatRules;
}

/** A moderator's view of one show: what they may do there is decided once per request. */
export interface ModeratorContext {
  account: Account;
  rules: RoomRules;
  power: "manage" | "moderate";
}

/** Studio operations on a show's chat: settings, pin, moderators, words, delete, timeouts, bans, reports. */
export class ChatModeration {
  readonly #db: Kysely<ChatTables>;

  constructor(private readonly deps: ModerationDeps) {
    this.#db = scoped(deps.db);
  }

  /** The host/merchant (manage) or an appointed moderator (moderate); others get 403. */
  async context(account: Account, showId: string, need: "manage" | "moderate"): Promise<ModeratorContext> {
    const rules = await this.deps.rules.forShow(showId);
    const power = chatPower(rules, account);
    if (!power || (need === "manage" && power !== "manage")) {
      throw new AppError(
        "forbidden",
        need === "manage" ? "Only the show's host or merchant can do that." : "Only the show's host, merchant or moderators can do that.",
      );
    }
    return { account, rules, power };
  }

  async view(ctx: ModeratorContext): Promise<ChatModerationView> {
    const { db } = this.deps;
    const showId = ctx.rules.showId;
    const [moderators, restrictions, reports] = await Promise.all([
      db.selectFrom("chat_moderator_appointments").select(["id", "email"]).where("show_id", "=", showId).orderBy("created_at").orderBy("id").execute(),
      this.restrictions(ctx),
      this.reports(showId),
    ]);
    return {
      settings: ctx.rules.settings,
      pinned: ctx.rules.pinned,
      moderators: moderators.map((m) => ({ id: m.id, email: m.email })),
      words: { defaults: { en: [...DEFAULT_BLOCKED_WORDS.en], de: [...DEFAULT_BLOCKED_WORDS.de] }, block: ctx.rules.block, allow: ctx.rules.allow },
      reports,
      restrictions,
      you: ctx.power,
    };
  }

  async restrictions(ctx: ModeratorContext): Promise<ChatRestrictionView[]> {
    const now = this.deps.clock.now();
    const rows = await this.#db
      .selectFrom("chat_restrictions")
      .selectAll()
      .where("merchant_id", "=", ctx.rules.merchantId)
      .where("lifted_at", "is", null)
      .where((eb) => eb.or([eb("show_id", "is", null), eb("show_id", "=", ctx.rules.showId)]))
      .where((eb) => eb.or([eb("expires_at", "is", null), eb("expires_at", ">", now)]))
      .orderBy("created_at", "desc")
      .limit(500)
      .execute();
    return rows.map((r) => ({
      id: r.id,
      kind: r.kind,
      by: r.subject_type,
      label: r.label,
      reason: r.reason,
      showId: r.show_id,
      expiresAt: r.expires_at ? new Date(r.expires_at).toISOString() : null,
      createdAt: new Date(r.created_at).toISOString(),
    }));
  }

  async reports(showId: string): Promise<ChatReportView[]> {
    const rows = await this.#db
      .selectFrom("chat_reports")
      .innerJoin("chat_messages", "chat_messages.id", "chat_reports.message_id")
      .select([
        "chat_reports.id",
        "chat_reports.reason",
        "chat_reports.created_at",
        "chat_messages.id as message_id",
        "chat_messages.author",
        "chat_messages.text",
        "chat_messages.created_at as message_at",
        "chat_messages.deleted_at",
      ])
      .where("chat_reports.show_id", "=", showId)
      .where("chat_reports.status", "=", "open")
      .orderBy("chat_reports.created_at")
      .limit(1000)
      .execute();
    const byMessage = new Map<string, ChatReportView>();
    for (const r of rows) {
      const seen = byMessage.get(r.message_id);
      if (seen) {
        seen.count += 1;
        continue;
      }
      byMessage.set(r.message_id, {
        id: r.id,
        reason: r.reason as ChatReportView["reason"],
        createdAt: new Date(r.created_at).toISOString(),
        count: 1,
        message: { id: r.message_id, author: r.author, text: r.text, at: new Date(r.message_at).toISOString(), deleted: r.deleted_at !== null },
      });
    }
    return [...byMessage.values()];
  }

  /** Changes only the given settings (two moderators changing different ones do not undo each other). */
  async updateSettings(ctx: ModeratorContext, patch: Partial<ChatSettingsView>): Promise<ChatSettingsView> {
    const now = this.deps.clock.now();
    const set = {
      ...(patch.slowModeSeconds !== undefined && { slow_mode_seconds: patch.slowModeSeconds }),
      ...(patch.mode !== undefined && { mode: patch.mode }),
      ...(patch.linksAllowed !== undefined && { links_allowed: patch.linksAllowed }),
      updated_at: now,
    };
    const first = { ...DEFAULT_SETTINGS, ...patch };
    await this.#db
      .insertInto("chat_settings")
      .values({ show_id: ctx.rules.showId, slow_mode_seconds: first.slowModeSeconds, mode: first.mode, links_allowed: first.linksAllowed, updated_at: now })
      .onConflict((oc) => oc.column("show_id").doUpdateSet(set))
      .execute();
    await this.deps.rules.changed(ctx.rules.merchantId, ctx.rules.showId);
    return (await this.deps.rules.forShow(ctx.rules.showId)).settings;
  }

  async pin(ctx: ModeratorContext, rawText: string): Promise<ChatPinned> {
    const text = cleanChatText(rawText);
    if (!text) throw new AppError("invalid_body", "text: empty message");
    const now = this.deps.clock.now();
    const pinned: ChatPinned = { id: randomId("pin"), text, author: ctx.account.displayName, at: now.toISOString() };
    const values = { pinned_id: pinned.id, pinned_text: text, pinned_author: pinned.author, pinned_at: now, updated_at: now };
    await this.#db
      .insertInto("chat_settings")
      .values({
        show_id: ctx.rules.showId,
        slow_mode_seconds: ctx.rules.settings.slowModeSeconds,
        mode: ctx.rules.settings.mode,
        links_allowed: ctx.rules.settings.linksAllowed,
        ...values,
      })
      .onConflict((oc) => oc.column("show_id").doUpdateSet(values))
      .execute();
    await this.deps.rules.changed(ctx.rules.merchantId, ctx.rules.showId);
    await this.deps.bus.publish("chat.pinned", { showId: ctx.rules.showId, ...pinned });
    return pinned;
  }

  async unpin(ctx: ModeratorContext): Promise<void> {
    const row = await this.#db
      .updateTable("chat_settings")
      .set({ pinned_id: null, pinned_text: null, pinned_author: null, pinned_at: null, updated_at: this.deps.clock.now() })
      .where("show_id", "=", ctx.rules.showId)
      .where("pinned_id", "is not", null)
      .returning("pinned_id")
      .executeTakeFirst();
    await this.deps.rules.changed(ctx.rules.merchantId, ctx.rules.showId);
    if (row) await this.deps.bus.publish("chat.unpinned", { showId: ctx.rules.showId, id: row.pinned_id ?? "" });
  }

  /**
   * Appoints whoever has (or later creates) an account with this email. The answer is the email as typed and an
   * appointment id, the same whether or not an account exists: the studio learns nothing about other people's accounts.
   */
  async addModerator(ctx: ModeratorContext, emailRaw: string): Promise<{ id: string; email: string }> {
    const email = emailRaw.trim().toLowerCase();
    await this.#db
      .insertInto("chat_moderator_appointments")
      .values({ id: randomId("mod"), show_id: ctx.rules.showId, email, appointed_by: ctx.account.id, created_at: this.deps.clock.now() })
      .onConflict((oc) => oc.columns(["show_id", "email"]).doNothing())
      .execute();
    const row = await this.#db
      .selectFrom("chat_moderator_appointments")
      .select(["id", "email"])
      .where("show_id", "=", ctx.rules.showId)
      .where("email", "=", email)
      .executeTakeFirstOrThrow();
    await this.deps.rules.changed(ctx.rules.merchantId, ctx.rules.showId);
    return { id: row.id, email: row.email };
  }

  async removeModerator(ctx: ModeratorContext, appointmentId: string): Promise<void> {
    const res = await this.#db
      .deleteFrom("chat_moderator_appointments")
      .where("show_id", "=", ctx.rules.showId)
      .where("id", "=", appointmentId)
      .executeTakeFirst();
    if (Number(res.numDeletedRows) === 0) throw new AppError("not_found", "Not a moderator of this show.");
    await this.deps.rules.changed(ctx.rules.merchantId, ctx.rules.showId);
  }

  /** Replaces the merchant's own word rules (the defaults stay; `allow` lifts default words). */
  async setWords(ctx: ModeratorContext, block: string[], allow: string[]): Promise<{ block: string[]; allow: string[] }> {
    const norm = (list: string[]) => [...new Set(list.map((w) => w.trim().toLowerCase()).filter(Boolean))].sort();
    const b = norm(block);
    const a = norm(allow).filter((w) => !b.includes(w));
    const now = this.deps.clock.now();
    const merchantId = ctx.rules.merchantId;
    await this.#db.transaction().execute(async (tx) => {
      await tx.deleteFrom("chat_word_rules").where("merchant_id", "=", merchantId).execute();
      const rows = [...b.map((word) => ({ word, action: "block" as const })), ...a.map((word) => ({ word, action: "allow" as const }))];
      if (rows.length)
        await tx
          .insertInto("chat_word_rules")
          .values(rows.map((r) => ({ merchant_id: merchantId, ...r, created_at: now })))
          .execute();
    });
    await this.deps.rules.changed(merchantId, null);
    return { block: b, allow: a };
  }

  async #message(showId: string, messageId: string) {
    const msg = await this.#db
      .selectFrom("chat_messages")
      .select(["id", "author", "role", "account_id", "device_id", "client_key", "deleted_at"])
      .where("id", "=", messageId)
      .where("show_id", "=", showId)
      .executeTakeFirst();
    if (!msg) throw new AppError("not_found", "No such chat message.");
    return msg;
  }

  /** Removes messages from the show's chat for everyone (and from later snapshots); open reports on them close. */
  async deleteMessages(ctx: ModeratorContext, messageIds: string[]): Promise<string[]> {
    if (messageIds.length === 0) return [];
    const now = this.deps.clock.now();
    const rows = await this.#db
      .updateTable("chat_messages")
      .set({ deleted_at: now })
      .where("show_id", "=", ctx.rules.showId)
      .where("id", "in", messageIds)
      .where("deleted_at", "is", null)
      .returning("id")
      .execute();
    const ids = rows.map((r) => r.id);
    await this.#resolveReports(ctx, messageIds, "actioned");
    if (ids.length) await this.deps.bus.publish("chat.deleted", { showId: ctx.rules.showId, ids });
    return ids;
  }

  async deleteMessage(ctx: ModeratorContext, messageId: string): Promise<void> {
    await this.#message(ctx.rules.showId, messageId);
    await this.deleteMessages(ctx, [messageId]);
  }

  #guardTarget(ctx: ModeratorContext, msg: { account_id: string | null; role: string }) {
    // Staff cannot be restricted from their own show's chat (and moderators cannot restrict each other).
    if (msg.role === "host" || (msg.role === "moderator" && ctx.power !== "manage"))
      throw new AppError("forbidden", "The show's host and moderators cannot be restricted here.");
    if (msg.account_id && msg.account_id === ctx.account.id) throw new AppError("forbidden", "You cannot restrict yourself.");
  }

  /** Mutes the author in this show for `minutes`: their account if signed in, else their device, else their address. */
  async timeout(ctx: ModeratorContext, messageId: string, minutes: number): Promise<ChatRestrictionView> {
    const msg = await this.#message(ctx.rules.showId, messageId);
    this.#guardTarget(ctx, msg);
    const subject: [SubjectType, string] | null = msg.account_id
      ? ["account", msg.account_id]
      : msg.device_id
        ? ["device", msg.device_id]
        : msg.client_key
          ? ["ip", msg.client_key]
          : null;
    if (!subject) throw new AppError("invalid_body", "This message has no author to time out.");
    const now = this.deps.clock.now();
    const expiresAt = new Date(now.getTime() + minutes * 60_000);
    const id = randomId("rst");
    await this.#db
      .insertInto("chat_restrictions")
      .values({
        id,
        merchant_id: ctx.rules.merchantId,
        show_id: ctx.rules.showId,
        kind: "timeout",
        subject_type: subject[0],
        subject: subject[1],
        label: msg.author,
        reason: "",
        expires_at: expiresAt,
        created_by: ctx.account.id,
        created_at: now,
      })
      .execute();
    await this.#resolveReports(ctx, [messageId], "actioned");
    await this.deps.rules.changed(ctx.rules.merchantId, ctx.rules.showId);
    return {
      id,
      kind: "timeout",
      by: subject[0],
      label: msg.author,
      reason: "",
      showId: ctx.rules.showId,
      expiresAt: expiresAt.toISOString(),
      createdAt: now.toISOString(),
    };
  }

  /**
   * Bans the author from all of the merchant's shows by account (with its device), device and/or address, and
   * removes their messages of the last `deleteRecentMinutes` in this show.
   */
  async ban(
    ctx: ModeratorContext,
    messageId: string,
    opts: { by?: SubjectType[]; deleteRecentMinutes?: number; reason?: string },
  ): Promise<{ restrictions: ChatRestrictionView[]; deleted: string[] }> {
    const msg = await this.#message(ctx.rules.showId, messageId);
    this.#guardTarget(ctx, msg);
    const by = new Set(opts.by ?? (msg.account_id ? ["account", "device"] : ["device", "ip"]));
    const subjects: [SubjectType, string][] = [];
    if (by.has("account") && msg.account_id) subjects.push(["account", msg.account_id]);
    if ((by.has("device") || by.has("account")) && msg.device_id) subjects.push(["device", msg.device_id]);
    if (by.has("ip") && msg.client_key) subjects.push(["ip", msg.client_key]);
    // A guest without a device id can only be banned by address.
    if (subjects.length === 0 && msg.client_key) subjects.push(["ip", msg.client_key]);
    if (subjects.length === 0) throw new AppError("invalid_body", "This message has no author to ban.");
    const now = this.deps.clock.now();
    const reason = opts.reason ?? "";
    const rows = subjects.map(([type, subject]) => ({
      id: randomId("rst"),
      merchant_id: ctx.rules.merchantId,
      show_id: null,
      kind: "ban" as const,
      subject_type: type,
      subject,
      label: msg.author,
      reason,
      expires_at: null,
      created_by: ctx.account.id,
      created_at: now,
    }));
    await this.#db.insertInto("chat_restrictions").values(rows).execute();
    await this.deps.rules.changed(ctx.rules.merchantId, null);

    let deleted: string[] = [];
    const minutes = opts.deleteRecentMinutes ?? 10;
    if (minutes > 0) {
      const since = new Date(now.getTime() - minutes * 60_000);
      const recent = await this.#db
        .selectFrom("chat_messages")
        .select("id")
        .where("show_id", "=", ctx.rules.showId)
        .where("deleted_at", "is", null)
        .where("created_at", ">=", since)
        .where((eb) =>
          eb.or([
            eb("id", "=", messageId),
            ...subjects.map(([type, value]) => eb(type === "account" ? "account_id" : type === "device" ? "device_id" : "client_key", "=", value)),
          ]),
        )
        .execute();
      deleted = await this.deleteMessages(
        ctx,
        recent.map((r) => r.id),
      );
    }
    await this.#resolveReports(ctx, [messageId], "actioned");
    return {
      restrictions: rows.map((r) => ({
        id: r.id,
        kind: "ban",
        by: r.subject_type,
        label: r.label,
        reason,
        showId: null,
        expiresAt: null,
        createdAt: now.toISOString(),
      })),
      deleted,
    };
  }

  /** Lifts a ban or timeout early. Moderators may lift timeouts; bans need the host or merchant. */
  async lift(ctx: ModeratorContext, restrictionId: string): Promise<void> {
    const row = await this.#db
      .selectFrom("chat_restrictions")
      .select(["id", "kind", "show_id"])
      .where("id", "=", restrictionId)
      .where("merchant_id", "=", ctx.rules.merchantId)
      .executeTakeFirst();
    if (!row || (row.show_id !== null && row.show_id !== ctx.rules.showId)) throw new AppError("not_found", "No such ban or timeout.");
    if (row.kind === "ban" && ctx.power !== "manage") throw new AppError("forbidden", "Only the show's host or merchant can lift a ban.");
    await this.#db
      .updateTable("chat_restrictions")
      .set({ lifted_at: this.deps.clock.now() })
      .where("id", "=", restrictionId)
      .where("lifted_at", "is", null)
      .execute();
    await this.deps.rules.changed(ctx.rules.merchantId, row.show_id);
  }

  /** Closes the open reports on a message without action. */
  async dismissReport(ctx: ModeratorContext, reportId: string): Promise<void> {
    const row = await this.#db
      .selectFrom("chat_reports")
      .select("message_id")
      .where("id", "=", reportId)
      .where("show_id", "=", ctx.rules.showId)
      .executeTakeFirst();
    if (!row) throw new AppError("not_found", "No such report.");
    await this.#resolveReports(ctx, [row.message_id], "dismissed");
  }

  async #resolveReports(ctx: ModeratorContext, messageIds: string[], status: "dismissed" | "actioned"): Promise<void> {
    if (messageIds.length === 0) return;
    await this.#db
      .updateTable("chat_reports")
      .set({ status, resolved_at: this.deps.clock.now(), resolved_by: ctx.account.id })
      .where("show_id", "=", ctx.rules.showId)
      .where("message_id", "in", messageIds)
      .where("status", "=", "open")
      .execute();
  }
}
