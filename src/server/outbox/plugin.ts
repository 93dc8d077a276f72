import type { FastifyPluginAsync } from "fastify";
import { Gauge, type Registry } from "prom-client";
import type { Sweepers } from "../http/sweepers.js";
import type { Outbox } from "./service.js";

/**
 * The outbox's relay: what a crash left unrelayed is made due when the app is ready (before any sweeper writes), then
 * the relay loop runs with the sweepers, and hourly the retention of rows done with. Its metric: rows not yet delivered,
 * by topic.
 */
export const outboxModule: FastifyPluginAsync<{
  outbox: Outbox;
  sweepers: Sweepers;
  metrics: Registry;
  /** OUTBOX_RETENTION_DAYS: done rows older than this are deleted hourly (0 keeps them). */
  retentionDays: number;
}> = async (app, { outbox, sweepers, metrics, retentionDays }) => {
  new Gauge({
    name: "showcart_outbox_pending",
    help: "Outbox rows not yet delivered, by topic (bus.publish, bus.publishMany: domain events; email.send; webhook.deliver; push.send)",
    labelNames: ["topic"],
    registers: [metrics],
    async collect() {
      this.reset();
      const pending = await outbox.pendingByTopic().catch(() => ({}) as Record<string, number>);
      const topics = new Set(["bus.publish", "bus.publishMany", "email.send", "webhook.deliver", "push.send", ...Object.keys(pending)]);
      for (const topic of topics) this.set({ topic }, pending[topic] ?? 0);
    },
  });
  app.addHook("onReady", async () => void (await outbox.recoverUnrelayed()));
  sweepers.install(app, (every) => {
    outbox.start();
    every(3600_000, () => outbox.prune(retentionDays));
  });
};
