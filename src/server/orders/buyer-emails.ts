import type { Outbox } from "../outbox/index.js";
import { type EmailDraft, orderEmailIn, renderDraft } from "./emails.js";
import type { OrderView } from "../../protocol/api.js";
import type { SharedTx } from "../db/index.js";
import type { OrderSubscriptions } from "./events.js";
import type { OrderRow } from "./store.js";

/**
 * The buyer's emails, enqueued through the outbox in the transaction of the transition that causes them. OrderService
 * subscribes this before anyone else can, so an email is enqueued ahead of every other module's subscriber.
 */
export function sendBuyerEmails(orders: OrderSubscriptions, outbox: Outbox, orderUrl: (orderId: string) => string | undefined): void {
  // Written as drafts and laid out when sent: the same email, but ~0.6 KB per row in the order's transaction instead
  // of ~2 KB of HTML and text (writing those rows was ~10 % of a flash sale's server CPU on PGlite).
  const emails = outbox.packed("email.send", "orders.email", (draft: EmailDraft) => renderDraft(draft));
  // In the checkout's language (the order row's lang); the emails read only the titles of what was bought.
  const confirmation = (tx: SharedTx, row: OrderRow, view: OrderView) => orderEmailIn(tx, "confirmation", view, { link: orderUrl(view.id), lang: row.lang });
  orders.onPaid(
    async (tx, row, view) => {
      await emails.enqueue(tx, await confirmation(tx, row, view));
    },
    async (tx, paid) => {
      const drafts = [];
      for (const p of paid) drafts.push(await confirmation(tx, p.order, p.view));
      await emails.enqueueMany(tx, drafts);
      return [];
    },
  );
  orders.on("fulfilled", async (tx, row, view) => {
    await emails.enqueue(tx, await orderEmailIn(tx, "shipped", view, { link: orderUrl(view.id), lang: row.lang }));
    if (view.gift?.notifyEmail) await emails.enqueue(tx, await orderEmailIn(tx, "gift_notice", view, { lang: row.lang }));
  });
  orders.on("refunded", async (tx, row, view, refund) => {
    await emails.enqueue(tx, await orderEmailIn(tx, "refunded", view, { amount: refund.amount, link: orderUrl(view.id), lang: row.lang }));
  });
}
