import type { Insertable, Kysely } from "kysely";
import type { ChatPosted } from "../../protocol/realtime.js";
import type { chatReportReasons } from "../../protocol/api.js";
import type { Account } from "../accounts/index.js";
import { type Db, scoped } from "../db/index.js";
import { GroupInsert } from "../db/group-insert.js";
import type { OrderService } from "../orders/index.js";
import type { ShowService } from "../shows/index.js";
import type { ChatTables } from "./schema.js";
import type { Bus } from "../platform/bus.js";
import type { Clock } from "../platform/clock.js";
import { AppError } from "../platform/errors.js";
import { randomId } from "../platform/ids.js";
import { containsLink } from "./blocked-words.js";
import type { RateLimit, RateLimits, RateRule } from "../platform/rate-limit.js";
import type { LimiterStore } from "./limiter-store.js";
import { ChatRules, chatPower, type RoomRules, type SubjectType } from "./rules.js";

// Control characters, zero-width characters and bidi overrides/isolates are stripped (an RTL override would flip
// the rest of the line in other people's chat); text is stored as text and rendered as text by clients.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\ufff9-\ufffb]/g;
// Unpaired surrogates cannot be encoded as UTF-8; they come out as U+FFFD instead of breaking JSON elsewhere.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
export const CHAT_TEXT_MAX = 280;

export function cleanChatText(raw: string): string {
  return raw.replace(LONE_SURROGATE, "\ufffd").replace(CONTROL, " ").replace(/\s+/g, " ").trim();
}

export function cleanDisplayName(raw: string | undefined): string {
  const name = [...cleanChatText(raw ?? "")].slice(0, 40).join("");
  return name.length > 0 ? name : "Guest";
}

/**
 * Reactions per socket: counted, never stored, but still bounded (20 per 2 s). A socket lives on one node, so this
 * is counted in that node's memory even with Redis.
 */
export const REACTION_LIMIT: RateRule = { name: "reactions-socket", points: 20, windowSeconds: 2, local: true };

/** Who is posting: the signed-in account if any, the browser's device id if sent, and the client address. */
export interface ChatSender {
  account: Account | null;
  /** Display name shown with the message (guests choose theirs; staff post as their account name). */
  name: string;
  deviceId: string | null;
  ip: string;
  /** Per-socket fallback key for the per-user limit when there is neither account nor device id. */
  connectionId: string;
}

export interface ChatLimits {
  /** Messages per user (account, else device, else connection) per window. */
  userLimit: number;
  userWindowMs: number;
  /**
   * Messages per client address per window (0: off). Loose: offices and carriers share addresses. A flood limit, so
   * counted by wall clock in RateLimits (shared through Redis); the per-user window, slow mode and reports are rules
   * hosts set and tests step through, so they stay on the injected clock (LimiterStore).
   */
  ipLimit: number;
  ipWindowMs: number;
  /** Reports per reporter per minute. */
  reportsPerMinute: number;
}

export const DEFAULT_CHAT_LIMITS: ChatLimits = { userLimit: 5, userWindowMs: 5000, ipLimit: 100, ipWindowMs: 10_000, reportsPerMinute: 10 };

const DEVICE_ID = /^[A-Za-z0-9_-]{16,64}$/;

export function validDeviceId(raw: string | undefined): string | null {
  return raw && DEVICE_ID.test(raw) ? raw : null;
}

/** The per-user key of limits and slow mode: account, else device id, else the connection. */
const userKey = (s: ChatSender) => (s.account ? `a:${s.account.id}` : s.deviceId ? `d:${s.deviceId}` : `c:${s.connectionId}`);

export interface ChatServiceDeps {
  db: Db;
  clock: Clock;
  bus: Bus;
  /** Per-user windows, slow mode, reports (injected clock). */
  limiter: LimiterStore;
  /** The per-address flood limit (wall clock; Redis when configured). */
  rateLimits: RateLimits;
  /** Keyed hash of a client address: stored and matched instead of the address itself. */
  clientKey: (ip: string) => string;
  limits?: Partial<ChatLimits>;
  rules?: ChatRules;
  /** A show's merchant, host and the merchant's shows (room rules, buyers-only mode): the shows' door. */
  shows: Pick<ShowService, "show" | "showIdsOfMerchant">;
  /** Who bought in those shows (buyers-only mode): the orders' door. */
  orders: Pick<OrderService, "hasPaidOrder">;
}

export class ChatService {
  readonly rules: ChatRules;
  readonly limits: ChatLimits;
  readonly #addressLimit: RateLimit | null;
  /** Reactions per socket (key: a socket id). */
  readonly reactions: RateLimit;
  readonly #buyers = new Set<string>();
  // Messages are stored (grouped under load) before they are published.
  readonly #log: GroupInsert<Insertable<ChatTables["chat_messages"]>>;
  private readonly db: Kysely<ChatTables>;
  private readonly clock: Clock;
  private readonly bus: Bus;

  constructor(private readonly deps: ChatServiceDeps) {
    this.db = scoped(deps.db);
    this.clock = deps.clock;
    this.bus = deps.bus;
    this.rules = deps.rules ?? new ChatRules(deps.db, deps.clock, deps.bus, deps.shows);
    this.limits = { ...DEFAULT_CHAT_LIMITS, ...deps.limits };
    const { ipLimit, ipWindowMs } = this.limits;
    this.reactions = deps.rateLimits.limit(REACTION_LIMIT);
    this.#addressLimit =
      ipLimit > 0
        ? deps.rateLimits.limit({ name: `chat-address-${ipLimit}-${ipWindowMs}`, points: ipLimit, windowSeconds: Math.max(1, Math.round(ipWindowMs / 1000)) })
        : null;
    this.#log = new GroupInsert((rows) => this.db.insertInto("chat_messages").values(rows).execute());
  }

  /** The identities a sender can be restricted by, most specific first. */
  subjectsOf(sender: Pick<ChatSender, "account" | "deviceId" | "ip">): { type: SubjectType; value: string }[] {
    const out: { type: SubjectType; value: string }[] = [];
    if (sender.account) out.push({ type: "account", value: sender.account.id });
    if (sender.deviceId) out.push({ type: "device", value: sender.deviceId });
    out.push({ type: "ip", value: this.deps.clientKey(sender.ip) });
    return out;
  }

  /** Refuses with chat_banned / chat_muted when a ban or timeout applies to any of the sender's identities. */
  checkRestrictions(rules: RoomRules, subjects: { type: SubjectType; value: string }[]): void {
    const now = this.clock.now().getTime();
    let mutedUntil = 0;
    for (const r of rules.restrictions) {
      if (r.expiresAt !== null && r.expiresAt <= now) continue;
      if (!subjects.some((s) => s.type === r.subjectType && s.value === r.subject)) continue;
      if (r.kind === "ban") throw AppError.expected("chat_banned");
      mutedUntil = Math.max(mutedUntil, r.expiresAt ?? Number.MAX_SAFE_INTEGER);
    }
    if (mutedUntil > 0) {
      const retryAfterMs = mutedUntil - now;
      throw AppError.expected("chat_muted", `You are timed out for ${Math.ceil(retryAfterMs / 60_000)} more minute(s).`, { retryAfterMs });
    }
  }

  async #isBuyer(accountId: string, merchantId: string): Promise<boolean> {
    const key = `${merchantId}:${accountId}`;
    if (this.#buyers.has(key)) return true;
    // A paid (or later) order of this account in any show of this merchant, asked through the shows' and orders' doors.
    const bought = await this.deps.orders.hasPaidOrder(accountId, await this.deps.shows.showIdsOfMerchant(merchantId));
    if (bought) this.#buyers.add(key);
    return bought;
  }

  async post(showId: string, sender: ChatSender, rawText: string): Promise<ChatPosted> {
    const text = cleanChatText(rawText);
    if (text.length === 0) throw AppError.expected("invalid_body", "text: empty message");
    if ([...text].length > CHAT_TEXT_MAX) throw AppError.expected("invalid_body", `text: at most ${CHAT_TEXT_MAX} characters`);
    const rules = await this.rules.forShow(showId);
    const power = chatPower(rules, sender.account);
    const subjects = this.subjectsOf(sender);
    if (power !== "manage") this.checkRestrictions(rules, subjects);
    if (power === null) {
      const { mode, linksAllowed, slowModeSeconds } = rules.settings;
      if (mode === "signed_in" && !sender.account) throw AppError.expected("unauthenticated", "Sign in to chat in this show right now.");
      if (mode === "buyers" && !(sender.account && (await this.#isBuyer(sender.account.id, rules.merchantId)))) throw AppError.expected("chat_buyers_only");
      if (rules.words.find(text)) throw AppError.expected("chat_blocked_word");
      if (!linksAllowed && containsLink(text)) throw AppError.expected("chat_link_blocked");
      // Guests choose their display name: the same rules apply to it (else the name carries the insult or the link).
      if (rules.words.find(sender.name)) throw AppError.expected("chat_blocked_word", "Your chat name contains a word that is not allowed here.");
      if (!linksAllowed && containsLink(sender.name)) throw AppError.expected("chat_link_blocked", "Links are not allowed in chat names.");
      await this.#limit(showId, sender, subjects);
      if (slowModeSeconds > 0) {
        const wait = await this.deps.limiter.cooldown(`slow:${showId}:${userKey(sender)}`, slowModeSeconds * 1000, this.clock.now().getTime());
        if (wait > 0) throw AppError.expected("chat_slow_mode", `Slow mode: wait ${Math.ceil(wait / 1000)} s.`, { retryAfterMs: wait });
      }
    } else if (power === "moderate") {
      await this.#limit(showId, sender, subjects);
    }
    const role: ChatPosted["role"] = power === "manage" ? "host" : power === "moderate" ? "moderator" : "viewer";
    const msg: ChatPosted = { id: randomId("msg"), author: sender.name, role, text, at: this.clock.now().toISOString() };
    if (sender.account) msg.member = true;
    await this.#log.add({
      id: msg.id,
      show_id: showId,
      author: msg.author,
      role,
      text,
      created_at: msg.at,
      account_id: sender.account?.id ?? null,
      device_id: sender.deviceId,
      client_key: this.deps.clientKey(sender.ip),
    });
    await this.bus.publish("chat.posted", { showId, ...msg });
    return msg;
  }

  async #limit(showId: string, sender: ChatSender, subjects: { type: SubjectType; value: string }[]): Promise<void> {
    const now = this.clock.now().getTime();
    const { userLimit, userWindowMs } = this.limits;
    const user = userKey(sender);
    const ipKey = subjects[subjects.length - 1]!.value;
    const [userWait, ipWait] = await Promise.all([
      this.deps.limiter.hit(`user:${showId}:${user}`, userLimit, userWindowMs, now),
      this.#addressLimit ? this.#addressLimit.hit(ipKey) : Promise.resolve(0),
    ]);
    const wait = Math.max(userWait, ipWait);
    if (wait > 0) throw AppError.expected("rate_limited", "You are sending messages too fast.", { retryAfterMs: wait });
  }

  /** The signed-in account that wrote the message; null for a guest's message or an unknown id. */
  async authorAccountId(messageId: string): Promise<string | null> {
    const row = await this.db.selectFrom("chat_messages").select("account_id").where("id", "=", messageId).executeTakeFirst();
    return row?.account_id ?? null;
  }

  /** A message's signed-in author and show (the stage brings a chat viewer on), or null for a guest's message. */
  async messageAuthor(messageId: string): Promise<{ accountId: string; showId: string } | null> {
    const row = await this.db.selectFrom("chat_messages").select(["account_id", "show_id"]).where("id", "=", messageId).executeTakeFirst();
    return row?.account_id ? { accountId: row.account_id, showId: row.show_id } : null;
  }

  async recent(showId: string, limit = 50): Promise<ChatPosted[]> {
    const rows = await this.db
      .selectFrom("chat_messages")
      .select(["id", "author", "role", "text", "created_at", "account_id"])
      .where("show_id", "=", showId)
      .where("deleted_at", "is", null)
      .orderBy("created_at", "desc")
      .orderBy("id", "desc")
      .limit(limit)
      .execute();
    return rows.reverse().map((r) => {
      const m: ChatPosted = { id: r.id, author: r.author, role: r.role as ChatPosted["role"], text: r.text, at: new Date(r.created_at).toISOString() };
      if (r.account_id) m.member = true;
      return m;
    });
  }

  /** A viewer flags a message for the studio's moderation queue; one report per message and reporter counts. */
  async report(
    showId: string,
    reporter: Pick<ChatSender, "account" | "deviceId" | "ip">,
    messageId: string,
    reason: (typeof chatReportReasons)[number],
  ): Promise<void> {
    const subjects = this.subjectsOf(reporter);
    const key = `${subjects[0]!.type}:${subjects[0]!.value}`;
    const wait = await this.deps.limiter.hit(`report:${key}`, this.limits.reportsPerMinute, 60_000, this.clock.now().getTime());
    if (wait > 0) throw AppError.expected("rate_limited", "Too many reports; try again in a minute.", { retryAfterMs: wait });
    const msg = await this.db
      .selectFrom("chat_messages")
      .select(["id", "deleted_at"])
      .where("id", "=", messageId)
      .where("show_id", "=", showId)
      .executeTakeFirst();
    if (!msg) throw AppError.expected("not_found", "No such chat message.");
    if (msg.deleted_at) return;
    const added = await this.db
      .insertInto("chat_reports")
      .values({ id: randomId("rep"), show_id: showId, message_id: messageId, reporter: key, reason, status: "open", created_at: this.clock.now() })
      .onConflict((oc) => oc.columns(["message_id", "reporter"]).doNothing())
      .returning("id")
      .executeTakeFirst();
    if (added) await this.bus.publish("chat.reported", { showId });
  }
}
