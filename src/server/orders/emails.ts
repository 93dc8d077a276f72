import type { OrderView } from "../../protocol/api.js";

const euros = (cents: number, currency: string) => new Intl.NumberFormat("en-GB", { style: "currency", currency }).format(cents / 100);

// Prices are gross: the receipt names the VAT they contain ("incl. 19 % VAT: €3.19").
const vatNote = (o: OrderView) => (o.vatRateBp > 0 ? ` (incl. ${o.vatRateBp / 100} % VAT: ${euros(o.vat, o.currency)})` : "");

type Kind = "confirmation" | "shipped" | "refunded" | "gift_notice";

/** The buyer's emails for an order (English; the buyer's language is not stored yet). */
export function orderEmail(kind: Kind, order: OrderView, extra: { amount?: number; link?: string } = {}): { to: string; subject: string; text: string } {
  const ref = order.id.slice(-8);
  // The buyer's order page; its access token sits in the link's #fragment (see orders/buyer-access.ts).
  const orderLine = `Order: ${order.id}${extra.link ? `\nYour order page: ${extra.link}` : ""}`;
  const address = [
    order.shipping.name,
    order.shipping.line1,
    order.shipping.line2,
    `${order.shipping.postalCode} ${order.shipping.city}`,
    order.shipping.country,
  ]
    .filter(Boolean)
    .join("\n");
  switch (kind) {
    case "confirmation":
      return {
        to: order.buyer.email,
        subject: `Your Showcart order …${ref}`,
        text: `Hello ${order.buyer.name},\n\nthank you! We received ${order.quantity} × for ${euros(order.total, order.currency)}${vatNote(order)}.\n${order.gift ? "It is a gift and ships to:" : "It ships to:"}\n${address}\n\n${orderLine}`,
      };
    case "shipped":
      return {
        to: order.buyer.email,
        subject: `Your Showcart order …${ref} is on its way`,
        text: `Hello ${order.buyer.name},\n\nyour order shipped with ${order.shipment?.carrier}, tracking number ${order.shipment?.trackingNumber}.\n\n${orderLine}`,
      };
    case "refunded":
      return {
        to: order.buyer.email,
        subject: `Refund for your Showcart order …${ref}`,
        text: `Hello ${order.buyer.name},\n\nwe refunded ${euros(extra.amount ?? 0, order.currency)} to your card.\n\n${orderLine}`,
      };
    case "gift_notice":
      return {
        to: order.gift?.notifyEmail ?? order.buyer.email,
        subject: "A present is on its way to you",
        text: `Hello ${order.shipping.name},\n\n${order.buyer.name} sent you a present. It shipped with ${order.shipment?.carrier} (tracking ${order.shipment?.trackingNumber}).\n\nTheir message:\n${order.gift?.message ?? ""}`,
      };
  }
}
