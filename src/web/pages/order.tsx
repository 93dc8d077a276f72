import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import type { OrderItemView, OrderView } from "../../protocol/api.js";
import { Centered, Header } from "../components/Layout.js";
import { ApiError, api } from "../platform/apiClient.js";
import { formatMoney } from "../platform/money.js";
import { type OrderT, useOrderText } from "../orders/orderText.js";

interface HistoryEntry {
  type: string;
  at: string;
  data: Record<string, unknown> | null;
}
interface OrderPageData {
  order: OrderView;
  history: HistoryEntry[];
  item: OrderItemView | null;
}
type Load = { state: "loading" } | { state: "ok"; data: OrderPageData } | { state: "error"; status: number };

const orderId = decodeURIComponent(location.pathname.split("/")[2] ?? "");
// A guest's access token arrives in the fragment (#t=…) of the emailed or checkout link: never sent as part of a URL.
// It is then kept in this tab's sessionStorage so a reload works after the address bar was cleaned.
const TOKEN_KEY = `order-token:${orderId}`;
const hashToken = new URLSearchParams(location.hash.slice(1)).get("t");
const token = hashToken ?? storedToken();

function storedToken(): string | null {
  try {
    return sessionStorage.getItem(TOKEN_KEY);
  } catch {
    return null; // storage blocked: the signed-in session may still open the order
  }
}

// The token goes in a header (not the path or query), which request logs do not record; the session cookie comes along.
const loadOrder = () => api.get<OrderPageData>(`/api/orders/${encodeURIComponent(orderId)}`, token ? { "x-order-token": token } : {});

const formatDate = (iso: string, locale: string) => new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "short" }).format(new Date(iso));

function eventLabel(e: HistoryEntry, order: OrderView, t: OrderT, locale: string): string {
  const d = e.data ?? {};
  switch (e.type) {
    case "created":
    case "paid":
    case "delivered":
    case "cancelled":
    case "expired":
    case "payment_failed":
      return t(`order.event.${e.type}`);
    case "fulfilled":
      return t("order.event.fulfilled", { carrier: String(d.carrier ?? ""), tracking: String(d.trackingNumber ?? "") });
    case "refunded":
      return t("order.event.refunded", { n: Number(d.quantity ?? 0), amount: formatMoney(Number(d.amount ?? 0), order.currency, locale) });
    case "held":
      return t("order.event.held", { n: Number(d.quantity ?? order.quantity) });
    case "payment_action_required":
      return t("order.event.payment_action_required");
    case "late_payment_refunded":
      return t("order.event.late_payment_refunded", { amount: formatMoney(Number(d.amount ?? 0), order.currency, locale) });
    default:
      return t("order.event.other", { type: e.type.replace(/_/g, " ") });
  }
}

function OrderDetails({ data }: { data: OrderPageData }) {
  const { t, locale } = useOrderText();
  const { order, history, item } = data;
  const money = (cents: number) => formatMoney(cents, order.currency, locale);
  const address = [
    order.shipping.name,
    order.shipping.line1,
    order.shipping.line2,
    `${order.shipping.postalCode} ${order.shipping.city}`,
    order.shipping.country,
  ].filter((l) => l?.trim());
  return (
    <article class="panel admin-detail" data-testid="order-page" data-status={order.status}>
      <h1>{t("order.title")}</h1>
      <p class="muted">
        {t("order.ref", { ref: `…${order.id.slice(-8)}` })} · {t("order.placedAt", { date: formatDate(order.createdAt, locale) })}
      </p>
      <p>
        <span class="badge badge-scheduled" data-testid="order-status">
          {t(`order.status.${order.status}`)}
        </span>
      </p>
      {order.shipment && (
        <p data-testid="order-shipment">{t("order.shipment", { carrier: order.shipment.carrier, tracking: order.shipment.trackingNumber })}</p>
      )}

      <h3>{t("order.items")}</h3>
      <table class="admin-table">
        <tbody>
          {order.lines.length > 1 ? (
            order.lines.map((l) => (
              <tr data-testid="order-line" key={l.offerId}>
                <td>{item?.lines?.find((x) => x.offerId === l.offerId)?.title ?? l.offerId}</td>
                <td>{t("order.line", { qty: l.quantity, price: money(l.unitPrice) })}</td>
              </tr>
            ))
          ) : (
            <tr data-testid="order-line">
              <td>{item?.title ?? order.offerId}</td>
              <td>{t("order.line", { qty: order.quantity, price: money(order.unitPrice) })}</td>
            </tr>
          )}
          <tr>
            <th>{t("order.subtotal")}</th>
            <th data-testid="order-page-total">{money(order.total)}</th>
          </tr>
          {order.vatRateBp > 0 && (
            <tr>
              <td class="muted">{t("order.vat", { rate: order.vatRateBp / 100 })}</td>
              <td class="muted" data-testid="order-page-vat">
                {money(order.vat)}
              </td>
            </tr>
          )}
          {order.refundedQuantity > 0 && (
            <tr>
              <td colSpan={2} data-testid="order-page-refunded">
                {t("order.refundedAmount", { n: order.refundedQuantity, amount: money(order.refundedAmount) })}
              </td>
            </tr>
          )}
        </tbody>
      </table>

      {order.gift && (
        <section data-testid="order-page-gift">
          <h3>{t("order.gift")}</h3>
          <p data-testid="order-page-gift-recipient">{t("order.giftFor", { name: order.shipping.name })}</p>
          <p class="muted">{t("order.giftMessage")}</p>
          <blockquote data-testid="order-page-gift-message">{order.gift.message}</blockquote>
        </section>
      )}

      {address.length > 1 && (
        <>
          <h3>{t("order.shipTo")}</h3>
          <address data-testid="order-page-address">
            {address.map((line) => (
              <div>{line}</div>
            ))}
          </address>
        </>
      )}

      <h3>{t("order.history")}</h3>
      <ol class="admin-history" data-testid="order-page-history">
        {history.map((e) => (
          <li data-type={e.type}>
            <span class="muted">{formatDate(e.at, locale)}</span> {eventLabel(e, order, t, locale)}
          </li>
        ))}
      </ol>
      {item && (
        <p>
          <a class="link" href={`/shows/${encodeURIComponent(item.showSlug)}`}>
            {t("order.backToShow")} — {item.showTitle}
          </a>
        </p>
      )}
    </article>
  );
}

function OrderPage() {
  const { t } = useOrderText();
  const [load, setLoad] = useState<Load>({ state: "loading" });
  useEffect(() => {
    if (hashToken) {
      // Keep the token for reloads of this tab, but out of the address bar (screenshots, shared screens).
      try {
        sessionStorage.setItem(TOKEN_KEY, hashToken);
        history.replaceState(null, "", `${location.pathname}${location.search}`);
      } catch {
        // Without storage the fragment stays, so a reload still works.
      }
    }
    loadOrder().then(
      (data) => setLoad({ state: "ok", data }),
      (err: unknown) => setLoad({ state: "error", status: err instanceof ApiError ? err.status : 0 }),
    );
  }, []);
  return (
    <>
      <Header />
      <main class="page-narrow">
        {load.state === "loading" && <Centered>{t("order.loading")}</Centered>}
        {load.state === "error" && (
          <p class="alert" role="alert" data-testid="order-page-error">
            {load.status === 403 ? t("order.badLink") : load.status === 404 ? t("order.notFound") : t("common.error")}
          </p>
        )}
        {load.state === "ok" && <OrderDetails data={load.data} />}
      </main>
    </>
  );
}

render(<OrderPage />, document.getElementById("app")!);
