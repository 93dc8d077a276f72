export {
  ChatService,
  REACTION_LIMIT,
  cleanChatText,
  cleanDisplayName,
  validDeviceId,
  DEFAULT_CHAT_LIMITS,
  type ChatSender,
  type ChatLimits,
} from "./service.js";
export { ChatModeration } from "./moderation.js";
export { ChatRules } from "./rules.js";
export { MemoryLimiterStore, RedisLimiterStore, type LimiterStore } from "./limiter-store.js";
export { registerChatRoutes } from "./routes.js";
export { chatSocket, chatErrorFrame, chatReportCommand } from "./socket.js";
export { chatModule } from "./plugin.js";
export { createChatModule } from "./factory.js";
