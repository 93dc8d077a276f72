import type { ChatSettingsView } from "../../protocol/api.js";
import type { ChatPinned } from "../../protocol/realtime.js";
import type { Account } from "../accounts/index.js";
import type { Kysely } from "kysely";
import { type Db, scoped } from "../db/index.js";
import type { Bus } from "../platform/bus.js";
import type { Clock } from "../platform/clock.js";
import { type ShowService, canManage } from "../shows/index.js";
import type { ChatTables } from "./schema.js";
import { WordFilter, effectiveWords } from "./blocked-words.js";

export type SubjectType = "account" | "device" | "ip";

export interface Restriction {
  id: string;
  showId: string | null;
  kind: "ban" | "timeout";
  subjectType: SubjectType;
  subject: string;
  expiresAt: number | null;
}

/** Everything a node needs to judge a chat message in one show; cached, dropped on `chat.rules.changed`. */
export interface RoomRules {
  showId: string;
  merchantId: string;
  hostAccountId: string;
  settings: ChatSettingsView;
  pinned: ChatPinned | null;
  /** Emails (lower-case) the host appointed: an account with one of them moderates, whenever it was created. */
  moderators: Set<string>;
  restrictions: Restriction[];
  words: WordFilter;
  block: string[];
  allow: string[];
  loadedAt: number;
}

export const DEFAULT_SETTINGS: ChatSettingsView = { slowModeSeconds: 0, mode: "everyone", linksAllowed: false };

// A safety net for a lost bus message (Redis pub/sub delivers at most once): cached rules are re-read after this.
const RULES_TTL_MS = 30_000;

/** The chat rules of shows, read from the database and cached per node. */
export class ChatRules {
  readonly #cache = new Map<string, { merchantId: string | null; rules: Promise<RoomRules> }>();
  readonly #unsubscribe: () => void;

  private readonly db: Kysely<ChatTables>;

  constructor(
    db: Db,
    private readonly clock: Clock,
    private readonly bus: Bus,
    /** The show's merchant and host, through the shows' door. */
    private readonly shows: Pick<ShowService, "show">,
  ) {
    this.db = scoped(db);
    this.#unsubscribe = bus.subscribe("chat.rules.changed", (e) => this.invalidate(e.merchantId, e.showId));
  }

  close(): void {
    this.#unsubscribe();
  }

  invalidate(merchantId: string, showId: string | null): void {
    for (const [id, entry] of this.#cache) {
      if (showId ? id === showId : entry.merchantId === merchantId || entry.merchantId === null) this.#cache.delete(id);
    }
  }

  /** Drops the cache here at once and tells every other node. */
  async changed(merchantId: string, showId: string | null): Promise<void> {
    this.invalidate(merchantId, showId);
    await this.bus.publish("chat.rules.changed", { merchantId, showId });
  }

  async forShow(showId: string): Promise<RoomRules> {
    const cached = this.#cache.get(showId);
    if (cached) {
      const rules = await cached.rules;
      if (this.clock.now().getTime() - rules.loadedAt < RULES_TTL_MS && this.#cache.get(showId) === cached) return rules;
      if (this.#cache.get(showId) === cached) this.#cache.delete(showId);
    }
    const current = this.#cache.get(showId);
    if (current) return current.rules;
    const entry = { merchantId: null as string | null, rules: this.#load(showId) };
    this.#cache.set(showId, entry);
    try {
      const rules = await entry.rules;
      entry.merchantId = rules.merchantId;
      return rules;
    } catch (err) {
      if (this.#cache.get(showId) === entry) this.#cache.delete(showId);
      throw err;
    }
  }

  async #load(showId: string): Promise<RoomRules> {
    const loadedAt = this.clock.now().getTime();
    const show = await this.shows.show(showId); // not_found when there is none
    const [settings, moderators, restrictions, words] = await Promise.all([
      this.db.selectFrom("chat_settings").selectAll().where("show_id", "=", showId).executeTakeFirst(),
      this.db.selectFrom("chat_moderator_appointments").select("email").where("show_id", "=", showId).execute(),
      this.db
        .selectFrom("chat_restrictions")
        .select(["id", "show_id", "kind", "subject_type", "subject", "expires_at"])
        .where("merchant_id", "=", show.merchantId)
        .where("lifted_at", "is", null)
        .where((eb) => eb.or([eb("show_id", "is", null), eb("show_id", "=", showId)]))
        .where((eb) => eb.or([eb("expires_at", "is", null), eb("expires_at", ">", new Date(loadedAt))]))
        .execute(),
      this.db.selectFrom("chat_word_rules").select(["word", "action"]).where("merchant_id", "=", show.merchantId).orderBy("word").execute(),
    ]);
    const block = words.filter((w) => w.action === "block").map((w) => w.word);
    const allow = words.filter((w) => w.action === "allow").map((w) => w.word);
    return {
      showId,
      merchantId: show.merchantId,
      hostAccountId: show.hostAccountId,
      settings: settings ? { slowModeSeconds: settings.slow_mode_seconds, mode: settings.mode, linksAllowed: settings.links_allowed } : { ...DEFAULT_SETTINGS },
      pinned:
        settings?.pinned_id && settings.pinned_text && settings.pinned_at
          ? { id: settings.pinned_id, text: settings.pinned_text, author: settings.pinned_author ?? "", at: new Date(settings.pinned_at).toISOString() }
          : null,
      moderators: new Set(moderators.map((m) => m.email)),
      restrictions: restrictions.map((r) => ({
        id: r.id,
        showId: r.show_id,
        kind: r.kind,
        subjectType: r.subject_type,
        subject: r.subject,
        expiresAt: r.expires_at ? new Date(r.expires_at).getTime() : null,
      })),
      words: new WordFilter(effectiveWords(block, allow)),
      block,
      allow,
      loadedAt,
    };
  }
}

/** "manage": host, merchant owner/staff, admin; "moderate": appointed for this show; else null. */
export function chatPower(rules: Pick<RoomRules, "hostAccountId" | "merchantId" | "moderators">, account: Account | null): "manage" | "moderate" | null {
  if (!account) return null;
  if (canManage(account, { hostAccountId: rules.hostAccountId, merchantId: rules.merchantId })) return "manage";
  return rules.moderators.has(account.email.toLowerCase()) ? "moderate" : null;
}
