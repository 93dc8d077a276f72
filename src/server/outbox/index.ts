export { Outbox, retryDelayMs, type OutboxTopic, type OutboxTopics } from "./service.js";
