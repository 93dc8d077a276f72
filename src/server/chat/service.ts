import type { ChatPosted } from "../../protocol/realtime.js";
import type { Db } from "../db/index.js";
import type { Bus } from "../platform/bus.js";
import type { Clock } from "../platform/clock.js";
import { AppError } from "../platform/errors.js";
import { randomId } from "../platform/ids.js";

// Control characters (except none we want) are stripped; text is stored as text and rendered as text by clients.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069]/g;

export function cleanChatText(raw: string): string {
  return raw.replace(CONTROL, " ").replace(/\s+/g, " ").trim();
}

export function cleanDisplayName(raw: string | undefined): string {
  const name = cleanChatText(raw ?? "").slice(0, 40);
  return name.length > 0 ? name : "Guest";
}

/** Token bucket per connection: `burst` messages at once, refilled at `perSecond`. Clock-driven for tests. */
export class ChatRateLimiter {
  #tokens: number;
  #at: number;
  constructor(
    private readonly clock: Clock,
    private readonly burst = 5,
    private readonly perSecond = 1,
  ) {
    this.#tokens = burst;
    this.#at = clock.now().getTime();
  }
  tryTake(): boolean {
    const now = this.clock.now().getTime();
    this.#tokens = Math.min(this.burst, this.#tokens + ((now - this.#at) / 1000) * this.perSecond);
    this.#at = now;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}

export class ChatService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly bus: Bus,
  ) {}

  async post(showId: string, author: string, role: ChatPosted["role"], rawText: string): Promise<ChatPosted> {
    const text = cleanChatText(rawText);
    if (text.length === 0) throw new AppError("invalid_body", "text: empty message");
    const msg: ChatPosted = { id: randomId("msg"), author, role, text, at: this.clock.now().toISOString() };
    await this.db.insertInto("chat_messages").values({ id: msg.id, show_id: showId, author, role, text, created_at: msg.at }).execute();
    await this.bus.publish("chat.posted", { showId, ...msg });
    return msg;
  }

  async recent(showId: string, limit = 50): Promise<ChatPosted[]> {
    const rows = await this.db.selectFrom("chat_messages").selectAll().where("show_id", "=", showId).orderBy("created_at", "desc").orderBy("id", "desc").limit(limit).execute();
    return rows.reverse().map((r) => ({ id: r.id, author: r.author, role: r.role as ChatPosted["role"], text: r.text, at: new Date(r.created_at).toISOString() }));
  }
}
