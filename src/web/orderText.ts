import { type MessageKey, useI18n } from "./i18n.js";

// Strings of the buyer's order page, the account's order list and the card payment step of the checkout. They live
// here rather than in i18n.ts so the viewer's first load (benchmarked) does not carry them: the checkout sheet that
// uses some of them is a lazy chunk. Keys not found here are the shared ones from i18n.ts.
const en = {
  "order.title": "Your order",
  "order.ref": "Order {ref}",
  "order.loading": "Loading your order…",
  "order.notFound": "We could not find this order.",
  "order.badLink": "This order link is not valid. Use the link from your confirmation email, or sign in.",
  "order.placedAt": "Ordered on {date}",
  "order.status.pending_payment": "Waiting for payment",
  "order.status.paid": "Paid — being packed",
  "order.status.payment_failed": "Payment failed",
  "order.status.expired": "Reservation expired",
  "order.status.cancelled": "Cancelled",
  "order.status.fulfilled": "Shipped",
  "order.status.delivered": "Delivered",
  "order.status.refunded": "Refunded",
  "order.shipment": "Shipped with {carrier}, tracking number {tracking}",
  "order.items": "Items",
  "order.line": "{qty} × {price}",
  "order.subtotal": "Total",
  "order.vat": "incl. {rate} % VAT",
  "order.refundedAmount": "Refunded: {qty} unit(s), {amount}",
  "order.shipTo": "Ships to",
  "order.gift": "A gift",
  "order.giftFor": "For {name}",
  "order.giftMessage": "Your message",
  "order.history": "History",
  "order.event.created": "Order placed",
  "order.event.paid": "Payment received",
  "order.event.fulfilled": "Shipped ({carrier}, {tracking})",
  "order.event.delivered": "Delivered",
  "order.event.refunded": "Refunded: {qty} unit(s), {amount}",
  "order.event.cancelled": "Cancelled",
  "order.event.expired": "Reservation expired",
  "order.event.payment_failed": "Payment failed",
  "order.event.other": "{type}",
  "order.backToShow": "Back to the show",
  "account.orders.title": "Your orders",
  "account.orders.empty": "No orders yet.",
  "account.orders.signIn": "Sign in to see your orders.",
  "account.orders.open": "View",
  "checkout.viewOrder": "View your order",
  "checkout.cardLoading": "Loading the secure card field…",
  "checkout.cardUnavailable": "The card field could not be loaded. Check your connection and try again.",
  "checkout.cardIncomplete": "Please complete your card details.",
  "checkout.authFailed": "Your bank did not confirm the payment. Your items stay reserved; try again or use another card.",
  "checkout.stillPending": "Your bank has not confirmed the payment yet. We'll email you once it has; your order page shows the status.",
  "checkout.cardNote": "Card details go straight to Stripe; Showcart never sees your card number.",
} as const;

export type OrderKey = keyof typeof en;

const de: Record<OrderKey, string> = {
  "order.title": "Deine Bestellung",
  "order.ref": "Bestellung {ref}",
  "order.loading": "Bestellung wird geladen…",
  "order.notFound": "Diese Bestellung haben wir nicht gefunden.",
  "order.badLink": "Dieser Bestell-Link ist ungültig. Nutze den Link aus deiner Bestätigungs-E-Mail oder melde dich an.",
  "order.placedAt": "Bestellt am {date}",
  "order.status.pending_payment": "Wartet auf Zahlung",
  "order.status.paid": "Bezahlt — wird verpackt",
  "order.status.payment_failed": "Zahlung fehlgeschlagen",
  "order.status.expired": "Reservierung abgelaufen",
  "order.status.cancelled": "Storniert",
  "order.status.fulfilled": "Versendet",
  "order.status.delivered": "Zugestellt",
  "order.status.refunded": "Erstattet",
  "order.shipment": "Versendet mit {carrier}, Sendungsnummer {tracking}",
  "order.items": "Artikel",
  "order.line": "{qty} × {price}",
  "order.subtotal": "Gesamt",
  "order.vat": "inkl. {rate} % MwSt.",
  "order.refundedAmount": "Erstattet: {qty} Stück, {amount}",
  "order.shipTo": "Lieferadresse",
  "order.gift": "Ein Geschenk",
  "order.giftFor": "Für {name}",
  "order.giftMessage": "Deine Nachricht",
  "order.history": "Verlauf",
  "order.event.created": "Bestellung aufgegeben",
  "order.event.paid": "Zahlung eingegangen",
  "order.event.fulfilled": "Versendet ({carrier}, {tracking})",
  "order.event.delivered": "Zugestellt",
  "order.event.refunded": "Erstattet: {qty} Stück, {amount}",
  "order.event.cancelled": "Storniert",
  "order.event.expired": "Reservierung abgelaufen",
  "order.event.payment_failed": "Zahlung fehlgeschlagen",
  "order.event.other": "{type}",
  "order.backToShow": "Zurück zur Show",
  "account.orders.title": "Deine Bestellungen",
  "account.orders.empty": "Noch keine Bestellungen.",
  "account.orders.signIn": "Melde dich an, um deine Bestellungen zu sehen.",
  "account.orders.open": "Ansehen",
  "checkout.viewOrder": "Bestellung ansehen",
  "checkout.cardLoading": "Sicheres Kartenfeld wird geladen…",
  "checkout.cardUnavailable": "Das Kartenfeld konnte nicht geladen werden. Prüfe deine Verbindung und versuche es erneut.",
  "checkout.cardIncomplete": "Bitte gib deine Kartendaten vollständig ein.",
  "checkout.authFailed": "Deine Bank hat die Zahlung nicht bestätigt. Deine Artikel bleiben reserviert; versuche es erneut oder nimm eine andere Karte.",
  "checkout.stillPending": "Deine Bank hat die Zahlung noch nicht bestätigt. Wir schicken dir eine E-Mail, sobald sie da ist; der Status steht auf deiner Bestellseite.",
  "checkout.cardNote": "Kartendaten gehen direkt an Stripe; Showcart sieht deine Kartennummer nie.",
};

export type OrderT = (key: OrderKey | MessageKey, vars?: Record<string, string | number>) => string;

/** Like useI18n, with the order strings added. */
export function useOrderText() {
  const i18n = useI18n();
  const dict: Record<string, string> = i18n.lang === "de" ? de : en;
  const t: OrderT = (key, vars) => {
    const template = dict[key] ?? (en as Record<string, string>)[key];
    if (template === undefined) return i18n.t(key as MessageKey, vars);
    return vars ? template.replace(/\{(\w+)\}/g, (m, name: string) => (name in vars ? String(vars[name]) : m)) : template;
  };
  return { ...i18n, t };
}

/** The link to an order's page; a guest's access token goes in the fragment, which no server ever receives. */
export function orderPageHref(orderId: string, accessToken?: string): string {
  return `/orders/${encodeURIComponent(orderId)}${accessToken ? `#t=${encodeURIComponent(accessToken)}` : ""}`;
}
