import { type ModuleContext, type ModulePlugin, modulePlugin } from "../modules.js";
import type { OfferService } from "../offers/index.js";
import type { OrderSubscriptions } from "../orders/index.js";
import type { Outbox } from "../outbox/index.js";
import { SecretBox } from "../simulcast/index.js";
import { enqueueOrderWebhooks } from "./order-events.js";
import { webhooksModule } from "./plugin.js";
import { WebhookService } from "./service.js";

/**
 * Merchant webhooks: enqueued inside the transactions of orders (a subscriber) and of the inventory's sold-out
 * listeners, delivered by the outbox.
 */
export function createWebhooksModule(
  ctx: ModuleContext,
  doors: { outbox: Outbox; offers: OfferService; orders: OrderSubscriptions },
): { webhooks: WebhookService; plugin: ModulePlugin } {
  const { outbox, offers, orders } = doors;
  const webhooks = new WebhookService({
    db: ctx.db,
    clock: ctx.clock,
    outbox,
    box: new SecretBox(ctx.secretsKey),
    allowInternalHosts: ctx.config.WEBHOOKS_ALLOW_PRIVATE,
  });
  outbox.handle("webhook.deliver", (payload, meta) => webhooks.deliver(payload, meta.attempts));
  offers.onSoldOut((tx, offer) => webhooks.enqueueForShow(tx, offer.showId, "offer.sold_out", { offer }));
  enqueueOrderWebhooks(orders, webhooks);
  return { webhooks, plugin: modulePlugin("webhooks", webhooksModule, { webhooks, sweepers: ctx.sweepers, retentionDays: ctx.config.OUTBOX_RETENTION_DAYS }) };
}
