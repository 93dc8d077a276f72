import type { Outbox } from "../outbox/index.js";
import { orderEmailIn } from "./emails.js";
import type { OrderSubscriptions } from "./events.js";

/**
 * The buyer's emails, enqueued through the outbox in the transaction of the transition that causes them. OrderService
 * subscribes this before anyone else can, so an email is enqueued ahead of every other module's subscriber.
 */
export function sendBuyerEmails(orders: OrderSubscriptions, outbox: Outbox, orderUrl: (orderId: string) => string | undefined): void {
  orders.on("paid", async (tx, _order, view) => {
    await outbox.enqueue(tx, "email.send", await orderEmailIn(tx, "confirmation", view, { link: orderUrl(view.id) }));
  });
  orders.on("fulfilled", async (tx, _order, view) => {
    await outbox.enqueue(tx, "email.send", await orderEmailIn(tx, "shipped", view, { link: orderUrl(view.id) }));
    if (view.gift?.notifyEmail) await outbox.enqueue(tx, "email.send", await orderEmailIn(tx, "gift_notice", view));
  });
  orders.on("refunded", async (tx, _order, view, refund) => {
    await outbox.enqueue(tx, "email.send", await orderEmailIn(tx, "refunded", view, { amount: refund.amount, link: orderUrl(view.id) }));
  });
}
