import type { OrderSubscriptions } from "../orders/index.js";
import type { WebhookEvents } from "./service.js";

/** Merchant webhooks order.paid, order.fulfilled and order.refunded, enqueued in each transition's transaction. */
export function enqueueOrderWebhooks(orders: OrderSubscriptions, webhooks: WebhookEvents): void {
  orders.on("paid", async (tx, _order, view) => {
    await webhooks.enqueueForShow(tx, view.showId, "order.paid", { order: view });
  });
  orders.on("fulfilled", async (tx, _order, view) => {
    await webhooks.enqueueForShow(tx, view.showId, "order.fulfilled", { order: view });
  });
  orders.on("refunded", async (tx, _order, view, refund) => {
    await webhooks.enqueueForShow(tx, view.showId, "order.refunded", { order: view, refund: { quantity: refund.quantity, amount: refund.amount } });
  });
}
