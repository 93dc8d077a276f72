import type { OrderView } from "../../protocol/api.js";
import { type SharedTx, perTransaction, scoped } from "../db/index.js";
import type { OrdersReads, OrdersTables } from "./schema.js";
import { type EmailBody, type EmailLang, type EmailMessage, emailMoney, renderEmail, safeUrl } from "../mail/index.js";

type Kind = "confirmation" | "shipped" | "refunded" | "gift_notice";

/** A line of the order as the buyer reads it: what, how many, for how much. */
export interface EmailItem {
  title: string;
  quantity: number;
  /** Gross, minor units, for all units of the line. */
  amount: number;
}

interface Facts {
  order: OrderView;
  items: EmailItem[];
  money: (cents: number) => string;
  address: string[];
  amount: number;
  link?: string;
}

// What the buyer reads, per language. Prices are gross: the receipt names the VAT they contain.
const TEXT: Record<EmailLang, Record<Kind, (f: Facts) => EmailBody>> = {
  en: {
    confirmation: ({ order, items, money, address, link }) => ({
      subject: `Your Showcart order: ${itemsTitle(items, "en")}`,
      greeting: `Hello ${order.buyer.name},`,
      parts: [
        "thank you! We received your order:",
        { rows: [...items.map((i) => [`${i.quantity} × ${i.title}`, money(i.amount)] as const), ["Total", money(order.total)]] },
        ...(order.vatRateBp > 0 ? [`The total includes ${order.vatRateBp / 100} % VAT: ${money(order.vat)}.`] : []),
        order.gift ? "It is a gift and ships to:" : "It ships to:",
        { lines: address },
        ...(link ? [{ link, label: "Your order page" }] : []),
      ],
      footer: `Order ${order.id}`,
    }),
    shipped: ({ order, items, link }) => ({
      subject: `Your Showcart order is on its way: ${itemsTitle(items, "en")}`,
      greeting: `Hello ${order.buyer.name},`,
      parts: [
        `your order shipped with ${order.shipment?.carrier ?? ""}, tracking number ${order.shipment?.trackingNumber ?? ""}.`,
        { rows: items.map((i) => [`${i.quantity} ×`, i.title] as const) },
        ...(link ? [{ link, label: "Your order page" }] : []),
      ],
      footer: `Order ${order.id}`,
    }),
    refunded: ({ order, items, money, amount, link }) => ({
      subject: `Refund for your Showcart order: ${itemsTitle(items, "en")}`,
      greeting: `Hello ${order.buyer.name},`,
      parts: [`we refunded ${money(amount)} to your card.`, ...(link ? [{ link, label: "Your order page" }] : [])],
      footer: `Order ${order.id}`,
    }),
    gift_notice: ({ order }) => ({
      subject: "A present is on its way to you",
      greeting: `Hello ${order.shipping.name},`,
      parts: [
        `${order.buyer.name} sent you a present. It shipped with ${order.shipment?.carrier ?? ""} (tracking ${order.shipment?.trackingNumber ?? ""}).`,
        ...(order.gift?.message ? ["Their message:", { quote: order.gift.message }] : []),
      ],
    }),
  },
  de: {
    confirmation: ({ order, items, money, address, link }) => ({
      subject: `Deine Showcart-Bestellung: ${itemsTitle(items, "de")}`,
      greeting: `Hallo ${order.buyer.name},`,
      parts: [
        "vielen Dank! Deine Bestellung ist eingegangen:",
        { rows: [...items.map((i) => [`${i.quantity} × ${i.title}`, money(i.amount)] as const), ["Gesamt", money(order.total)]] },
        ...(order.vatRateBp > 0 ? [`Im Gesamtbetrag sind ${order.vatRateBp / 100} % MwSt. enthalten: ${money(order.vat)}.`] : []),
        order.gift ? "Sie ist ein Geschenk und geht an:" : "Sie geht an:",
        { lines: address },
        ...(link ? [{ link, label: "Zu deiner Bestellung" }] : []),
      ],
      footer: `Bestellung ${order.id}`,
    }),
    shipped: ({ order, items, link }) => ({
      subject: `Deine Showcart-Bestellung ist unterwegs: ${itemsTitle(items, "de")}`,
      greeting: `Hallo ${order.buyer.name},`,
      parts: [
        `deine Bestellung wurde mit ${order.shipment?.carrier ?? ""} verschickt, Sendungsnummer ${order.shipment?.trackingNumber ?? ""}.`,
        { rows: items.map((i) => [`${i.quantity} ×`, i.title] as const) },
        ...(link ? [{ link, label: "Zu deiner Bestellung" }] : []),
      ],
      footer: `Bestellung ${order.id}`,
    }),
    refunded: ({ order, items, money, amount, link }) => ({
      subject: `Erstattung zu deiner Showcart-Bestellung: ${itemsTitle(items, "de")}`,
      greeting: `Hallo ${order.buyer.name},`,
      parts: [`wir haben dir ${money(amount)} auf deine Karte erstattet.`, ...(link ? [{ link, label: "Zu deiner Bestellung" }] : [])],
      footer: `Bestellung ${order.id}`,
    }),
    gift_notice: ({ order }) => ({
      subject: "Ein Geschenk ist unterwegs zu dir",
      greeting: `Hallo ${order.shipping.name},`,
      parts: [
        `${order.buyer.name} hat dir ein Geschenk geschickt. Es ist mit ${order.shipment?.carrier ?? ""} unterwegs (Sendungsnummer ${order.shipment?.trackingNumber ?? ""}).`,
        ...(order.gift?.message ? ["Die Nachricht dazu:", { quote: order.gift.message }] : []),
      ],
    }),
  },
};

function itemsTitle(items: EmailItem[], lang: EmailLang): string {
  const first = items[0]?.title ?? "";
  const more = items.length - 1;
  if (more <= 0) return first;
  return lang === "de" ? `${first} und ${more} weitere${more === 1 ? "r Artikel" : " Artikel"}` : `${first} and ${more} more item${more === 1 ? "" : "s"}`;
}

/** An email before its layout: what renderEmail turns into the subject, text and HTML that are sent. */
export interface EmailDraft {
  to: string;
  lang: EmailLang;
  body: EmailBody;
}

export const renderDraft = (d: EmailDraft): EmailMessage => renderEmail(d.to, d.lang, d.body);

/**
 * The buyer's emails for an order (the gift notice goes to the gift's recipient), in the language of the checkout.
 * `items` name what was bought; without them the order's offer is named by its id.
 */
export function orderEmail(kind: Kind, order: OrderView, extra: { amount?: number; link?: string; lang?: EmailLang; items?: EmailItem[] } = {}): EmailMessage {
  return renderDraft(orderEmailDraft(kind, order, extra));
}

export function orderEmailDraft(kind: Kind, order: OrderView, extra: { amount?: number; link?: string; lang?: EmailLang; items?: EmailItem[] }): EmailDraft {
  const lang = extra.lang ?? "en";
  // A bad link fails where it is written (the order's transaction), as when the email was rendered there.
  if (extra.link !== undefined) safeUrl(extra.link);
  const s = order.shipping;
  const facts: Facts = {
    order,
    items: extra.items?.length ? extra.items : [{ title: order.offerId, quantity: order.quantity, amount: order.total }],
    money: (cents) => emailMoney(cents, order.currency, lang),
    address: [s.name, s.line1, s.line2 ?? "", `${s.postalCode} ${s.city}`, s.country].filter(Boolean),
    amount: extra.amount ?? 0,
    link: extra.link,
  };
  const to = kind === "gift_notice" ? (order.gift?.notifyEmail ?? order.buyer.email) : order.buyer.email;
  return { to, lang, body: TEXT[lang][kind](facts) };
}

type Line = { offerId: string; quantity: number; unitPrice: number };

/**
 * orderEmailDraft with what it reads from the order's transaction: the titles of what was bought, and the checkout's
 * language unless the caller has the order's row (`lang`) at hand.
 */
export async function orderEmailIn(
  orderTx: SharedTx,
  kind: Kind,
  order: OrderView,
  extra: { amount?: number; link?: string; lang?: EmailLang } = {},
): Promise<EmailDraft> {
  // A bag's view lists its lines; an order of one offer is its own line.
  const listed = (order as unknown as { lines?: Line[] }).lines;
  const lines: Line[] = listed?.length ? listed : [{ offerId: order.offerId, quantity: order.quantity, unitPrice: order.unitPrice }];
  // The titles are a declared read (OrdersReads), in the transaction that writes the email.
  const tx = scoped<OrdersTables & OrdersReads>(orderTx);
  const lang = extra.lang ?? (await tx.selectFrom("orders").select("lang").where("id", "=", order.id).executeTakeFirst())?.lang ?? "en";
  const offerIds = lines.map((l) => l.offerId);
  // Once per transaction: a set-wise tick confirms many orders of the same offer.
  const titles = await perTransaction(tx, `orders:titles:${offerIds.join(",")}`, () =>
    tx.selectFrom("offers").select(["id", "title"]).where("id", "in", offerIds).execute(),
  );
  const title = new Map(titles.map((t) => [t.id, t.title]));
  // Lines at their price; the total below them is what was charged (after a coupon, if any).
  const items = lines.map((l) => ({ title: title.get(l.offerId) ?? l.offerId, quantity: l.quantity, amount: l.unitPrice * l.quantity }));
  return orderEmailDraft(kind, order, { ...extra, lang, items });
}
