import { useEffect, useState } from "preact/hooks";
import { useErrorText } from "../i18n/apiErrors.js";
import type { OrderView, ShowSalesView } from "../../protocol/api.js";
import { api } from "../platform/apiClient.js";
import { formatMoney } from "../platform/money.js";
import { type AdminT, percent, useAdminText } from "./adminText.js";
import { scoped } from "./merchantScope.js";

const STATUSES: OrderView["status"][] = ["pending_payment", "paid", "fulfilled", "delivered", "refunded", "cancelled", "expired", "payment_failed"];

interface HistoryEntry {
  type: string;
  at: string;
  data: unknown;
}

/** An error from `api` for the admin's panels, in the page's language ("Something went wrong: …"). */
export function useAdminErrorText(): (err: unknown) => string {
  const { t } = useAdminText();
  const text = useErrorText();
  return (err) => t("admin.error", { message: text(err, String(err)) });
}

function historyLabel(type: string, t: AdminT): string {
  if (type === "created" || type === "held" || type === "payment_action_required" || type === "late_payment_refunded") return t(`history.${type}`);
  return (STATUSES as string[]).includes(type) ? t(`status.${type as OrderView["status"]}`) : type;
}

function formatDate(iso: string, locale: string) {
  return new Intl.DateTimeFormat(locale, { day: "2-digit", month: "2-digit", year: "numeric", hour: "2-digit", minute: "2-digit" }).format(new Date(iso));
}

function OrderDetail({ orderId, onChanged, onClose }: { orderId: string; onChanged(): void; onClose(): void }) {
  const { t, locale } = useAdminText();
  const errorText = useAdminErrorText();
  const [data, setData] = useState<{ order: OrderView; history: HistoryEntry[] } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [carrier, setCarrier] = useState("DHL");
  const [tracking, setTracking] = useState("");
  const [refundQty, setRefundQty] = useState("1");
  const [reason, setReason] = useState("");
  const base = `/api/admin/orders/${encodeURIComponent(orderId)}`;

  const load = () =>
    api.get<{ order: OrderView; history: HistoryEntry[] }>(base).then(
      (d) => setData(d),
      (err) => setError(errorText(err)),
    );
  useEffect(() => void load(), [orderId]);

  const act = async (path: string, body: unknown) => {
    setBusy(true);
    setError(null);
    try {
      await api.post(`${base}/${path}`, body);
      await load();
      onChanged();
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  if (!data) return <section class="panel">{error ? <p class="alert">{error}</p> : t("admin.loading")}</section>;
  const o = data.order;
  const money = (n: number) => formatMoney(n, o.currency, locale);
  const open = o.quantity - o.refundedQuantity;
  return (
    <section class="panel admin-detail" data-testid="order-detail" data-status={o.status}>
      <div class="panel-head">
        <h2>{t("orders.detail", { id: `…${o.id.slice(-8)}` })}</h2>
        <button type="button" class="btn btn-small" onClick={onClose}>
          {t("orders.close")}
        </button>
      </div>
      <p>
        <strong data-testid="order-status">{t(`status.${o.status}`)}</strong> · {formatDate(o.createdAt, locale)}
      </p>
      <ul class="order-lines" data-testid="order-detail-lines">
        {o.lines.map((l) => (
          <li data-testid="order-detail-line" key={l.offerId}>
            {l.quantity} × {l.title} <span class="muted">({money(l.unitPrice)})</span>
          </li>
        ))}
      </ul>
      <p>
        {o.lines.length === 1 && `${o.quantity} × ${money(o.unitPrice)} = `}
        <strong>{money(o.total)}</strong>{" "}
        <span class="muted" data-testid="order-vat">
          ({t("orders.vat", { rate: percent(o.vatRateBp, locale) })}: {money(o.vat)})
        </span>
      </p>
      {o.refundedQuantity > 0 && <p>{t("orders.refunded", { n: o.refundedQuantity, amount: money(o.refundedAmount) })}</p>}
      <p>
        {o.buyer.name} &lt;{o.buyer.email}&gt;
      </p>
      <h3>{t("orders.shipTo")}</h3>
      <p class="address">
        {[o.shipping.name, o.shipping.line1, o.shipping.line2, `${o.shipping.postalCode} ${o.shipping.city}`, o.shipping.country].filter(Boolean).join(", ")}
      </p>
      {o.gift && <p>{t("orders.gift", { message: o.gift.message })}</p>}
      {o.shipment && <p data-testid="order-shipment">{t("orders.shipment", { carrier: o.shipment.carrier, tracking: o.shipment.trackingNumber })}</p>}
      <p>
        <a class="link" href={`${base}/packing-slip`} target="_blank" rel="noopener" data-testid="packing-slip">
          {t("orders.packingSlip")}
        </a>
      </p>
      {o.status === "paid" && (
        <form
          class="admin-form"
          data-testid="fulfil-form"
          onSubmit={(e) => {
            e.preventDefault();
            void act("fulfil", { carrier: carrier.trim(), trackingNumber: tracking.trim() });
          }}
        >
          <label class="field">
            <span>{t("orders.carrier")}</span>
            <input required maxLength={60} value={carrier} onInput={(e) => setCarrier(e.currentTarget.value)} data-testid="fulfil-carrier" />
          </label>
          <label class="field">
            <span>{t("orders.tracking")}</span>
            <input required maxLength={80} value={tracking} onInput={(e) => setTracking(e.currentTarget.value)} data-testid="fulfil-tracking" />
          </label>
          <button type="submit" class="btn btn-primary" disabled={busy} data-testid="fulfil-submit">
            {t("orders.fulfil")}
          </button>
        </form>
      )}
      {o.status === "fulfilled" && (
        <button type="button" class="btn" disabled={busy} onClick={() => void act("deliver", {})} data-testid="deliver">
          {t("orders.deliver")}
        </button>
      )}
      {["paid", "fulfilled", "delivered"].includes(o.status) && open > 0 && (
        <form
          class="admin-form"
          data-testid="refund-form"
          onSubmit={(e) => {
            e.preventDefault();
            void act("refund", { quantity: Number(refundQty), ...(reason.trim() ? { reason: reason.trim() } : {}) });
          }}
        >
          <label class="field field-qty">
            <span>{t("orders.refundQty")}</span>
            <input type="number" min={1} max={open} required value={refundQty} onInput={(e) => setRefundQty(e.currentTarget.value)} data-testid="refund-qty" />
          </label>
          <label class="field">
            <span>{t("orders.refundReason")}</span>
            <input maxLength={200} value={reason} onInput={(e) => setReason(e.currentTarget.value)} />
          </label>
          <button type="submit" class="btn btn-danger" disabled={busy} data-testid="refund-submit">
            {t("orders.refund")}
          </button>
        </form>
      )}
      {error && (
        <p class="alert" role="alert">
          {error}
        </p>
      )}
      <h3>{t("orders.history")}</h3>
      <ol class="admin-history" data-testid="order-history">
        {data.history.map((h) => (
          <li data-type={h.type}>
            <span class="muted">{formatDate(h.at, locale)}</span> {historyLabel(h.type, t)}
          </li>
        ))}
      </ol>
    </section>
  );
}

export function OrdersPanel({ shows }: { shows: ShowSalesView[] }) {
  const { t, locale } = useAdminText();
  const errorText = useAdminErrorText();
  const [status, setStatus] = useState("");
  const [showId, setShowId] = useState("");
  const [orders, setOrders] = useState<OrderView[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [selected, setSelected] = useState<string | null>(null);
  const query = new URLSearchParams({ ...(status ? { status } : {}), ...(showId ? { showId } : {}) }).toString();
  const suffix = query ? `?${query}` : "";

  const load = () =>
    api.get<{ orders: OrderView[] }>(scoped(`/api/admin/orders${suffix}`)).then(
      (r) => {
        setOrders(r.orders);
        setError(null);
      },
      (err) => setError(errorText(err)),
    );
  useEffect(() => void load(), [suffix]);

  return (
    <div class="admin-split">
      <section class="panel" data-testid="orders-panel">
        <div class="admin-filters">
          <label class="field">
            <span>{t("orders.filterStatus")}</span>
            <select value={status} onChange={(e) => setStatus(e.currentTarget.value)} data-testid="orders-status">
              <option value="">{t("orders.all")}</option>
              {STATUSES.map((s) => (
                <option value={s}>{t(`status.${s}`)}</option>
              ))}
            </select>
          </label>
          <label class="field">
            <span>{t("orders.filterShow")}</span>
            <select value={showId} onChange={(e) => setShowId(e.currentTarget.value)} data-testid="orders-show">
              <option value="">{t("orders.all")}</option>
              {shows.map((s) => (
                <option value={s.id}>{s.title}</option>
              ))}
            </select>
          </label>
          <a class="btn btn-small" href={scoped(`/api/admin/orders.csv${suffix}`)} download data-testid="orders-csv">
            {t("orders.csv")}
          </a>
        </div>
        {error && <p class="alert">{error}</p>}
        {orders === null ? (
          <p>{t("admin.loading")}</p>
        ) : orders.length === 0 ? (
          <p class="muted">{t("orders.empty")}</p>
        ) : (
          <table class="admin-table" data-testid="orders-table">
            <thead>
              <tr>
                <th>{t("orders.date")}</th>
                <th>{t("orders.buyer")}</th>
                <th>{t("orders.items")}</th>
                <th>{t("orders.qty")}</th>
                <th>{t("orders.total")}</th>
                <th>{t("orders.status")}</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {orders.map((o) => (
                <tr class={selected === o.id ? "is-selected" : ""} data-testid="order-row" data-order-id={o.id}>
                  <td>{formatDate(o.createdAt, locale)}</td>
                  <td>{o.buyer.name}</td>
                  <td>
                    <ul class="order-lines" data-testid="order-row-lines">
                      {o.lines.map((l) => (
                        <li data-testid="order-row-line" data-offer-id={l.offerId} key={l.offerId}>
                          {l.quantity} × {l.title}
                        </li>
                      ))}
                    </ul>
                  </td>
                  <td data-lines={o.lines.length}>
                    {o.quantity}
                    {o.lines.length > 1 && <span class="muted"> · {t("orders.lines", { n: o.lines.length })}</span>}
                  </td>
                  <td>{formatMoney(o.total, o.currency, locale)}</td>
                  <td>{t(`status.${o.status}`)}</td>
                  <td>
                    <button type="button" class="btn btn-small" onClick={() => setSelected(o.id)} data-testid="order-open">
                      {t("orders.open")}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      {selected && <OrderDetail orderId={selected} onChanged={() => void load()} onClose={() => setSelected(null)} />}
    </div>
  );
}
