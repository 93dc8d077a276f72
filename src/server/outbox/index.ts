export { EventBatch, Outbox, RELAY_GRACE_MS, retryDelayMs, type OutboxTopic, type OutboxTopics } from "./service.js";
export { outboxModule } from "./plugin.js";
export { createOutboxModule } from "./factory.js";
