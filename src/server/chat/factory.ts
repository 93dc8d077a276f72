import { createHmac } from "node:crypto";
import { type ModuleContext, type ModulePlugin, modulePlugin } from "../modules.js";
import { MemoryLimiterStore, RedisLimiterStore } from "./limiter-store.js";
import { ChatModeration } from "./moderation.js";
import { chatModule } from "./plugin.js";
import { ChatService, type ChatServiceDeps } from "./service.js";

/** Chat and its moderation. `stop()` closes its rules cache and its limiter (Redis), late in shutdown. */
export function createChatModule(
  ctx: ModuleContext,
  doors: Pick<ChatServiceDeps, "shows" | "orders">,
): { chat: ChatService; moderation: ChatModeration; plugin: ModulePlugin; stop(): Promise<void> } {
  const { db, clock, bus, config } = ctx;
  // Chat limits are counted in Redis when there is one (shared by every node), else in this process.
  const limiter = config.REDIS_URL ? new RedisLimiterStore(config.REDIS_URL, `${config.REDIS_PREFIX}chat-limit:`) : new MemoryLimiterStore();
  const clientKey = (ip: string) => createHmac("sha256", ctx.secretsKey).update(`chat-ip:${ip}`).digest("base64url").slice(0, 24);
  const chat = new ChatService({
    db,
    clock,
    bus,
    limiter,
    rateLimits: ctx.rateLimits,
    clientKey,
    limits: { ipLimit: config.CHAT_IP_LIMIT },
    shows: doors.shows,
    orders: doors.orders,
  });
  const moderation = new ChatModeration({ db, clock, bus, rules: chat.rules });
  return {
    chat,
    moderation,
    plugin: modulePlugin("chat", chatModule, { chat, moderation }),
    async stop() {
      chat.rules.close();
      await limiter.close();
    },
  };
}
