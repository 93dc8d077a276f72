export { ChatService, ChatRateLimiter, cleanChatText, cleanDisplayName } from "./service.js";
