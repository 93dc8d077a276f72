import { type ModuleContext, type ModulePlugin, modulePlugin } from "../modules.js";
import { outboxModule } from "./plugin.js";
import { Outbox } from "./service.js";

/** The transactional outbox, built first: every other module writes its events, emails and webhooks through it. */
export function createOutboxModule(ctx: ModuleContext): { outbox: Outbox; plugin: ModulePlugin } {
  const outbox = new Outbox(ctx.db, ctx.clock, ctx.log.child({ module: "outbox" }), ctx.bus);
  return {
    outbox,
    plugin: modulePlugin("outbox", outboxModule, {
      outbox,
      sweepers: ctx.sweepers,
      metrics: ctx.metrics,
      retentionDays: ctx.config.OUTBOX_RETENTION_DAYS,
    }),
  };
}
