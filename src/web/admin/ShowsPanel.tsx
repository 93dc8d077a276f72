import { useEffect, useState } from "preact/hooks";
import { ShopFollowers } from "../follows/FollowerCounts.js";
import type { AdminProductView, OfferView, ShowSalesView } from "../../protocol/api.js";
import { api } from "../platform/apiClient.js";
import { formatMoney, parsePriceToCents } from "../platform/money.js";
import { percent, useAdminText } from "./adminText.js";
import { useAdminErrorText } from "./OrdersPanel.js";
import { ShowPlannerPanel } from "./ShowPlannerPanel.js";
import { scoped } from "./merchantScope.js";

type AdminOffer = OfferView & { variantId: string | null; vatRateBp: number };

function NewOfferForm({ showId, products, onCreated }: { showId: string; products: AdminProductView[]; onCreated(): void }) {
  const { t } = useAdminText();
  const errorText = useAdminErrorText();
  const [productId, setProductId] = useState(products[0]?.id ?? "");
  const [variantId, setVariantId] = useState("");
  const [price, setPrice] = useState("");
  const [quantity, setQuantity] = useState("10");
  const [minutes, setMinutes] = useState("30");
  const [pin, setPin] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const product = products.find((p) => p.id === productId);
  if (!products.length) return null;

  const submit = async (e: Event) => {
    e.preventDefault();
    const showPrice = parsePriceToCents(price);
    if (showPrice === null) return setError(t("products.priceInvalid"));
    try {
      await api.post(`/api/studio/shows/${encodeURIComponent(showId)}/offers`, {
        productId,
        ...(variantId ? { variantId } : {}),
        showPrice,
        quantity: Number(quantity),
        durationSeconds: Math.round(Number(minutes) * 60),
        pin,
      });
      setError(null);
      setPrice("");
      onCreated();
    } catch (err) {
      setError(errorText(err));
    }
  };

  return (
    <form class="admin-form admin-inline" onSubmit={submit} data-testid="offer-form">
      <label class="field">
        <span>{t("shows.product")}</span>
        <select
          value={productId}
          onChange={(e) => {
            setProductId(e.currentTarget.value);
            setVariantId("");
          }}
        >
          {products.map((p) => (
            <option value={p.id}>{p.title}</option>
          ))}
        </select>
      </label>
      {product && product.variants.length > 0 && (
        <label class="field">
          <span>{t("shows.variant")}</span>
          <select value={variantId} onChange={(e) => setVariantId(e.currentTarget.value)} data-testid="offer-variant">
            <option value="">{t("shows.noVariant")}</option>
            {product.variants.map((v) => (
              <option value={v.id}>
                {[v.sku, v.size, v.colour].filter(Boolean).join(" · ")} ({v.stock})
              </option>
            ))}
          </select>
        </label>
      )}
      <label class="field">
        <span>{t("shows.showPrice")}</span>
        <input required inputMode="decimal" class="input-narrow" value={price} onInput={(e) => setPrice(e.currentTarget.value)} />
      </label>
      <label class="field">
        <span>{t("shows.quantity")}</span>
        <input required type="number" min={1} class="input-narrow" value={quantity} onInput={(e) => setQuantity(e.currentTarget.value)} />
      </label>
      <label class="field">
        <span>{t("shows.minutes")}</span>
        <input required type="number" min={1} class="input-narrow" value={minutes} onInput={(e) => setMinutes(e.currentTarget.value)} />
      </label>
      <label class="check">
        <input type="checkbox" checked={pin} onChange={(e) => setPin(e.currentTarget.checked)} /> {t("shows.pin")}
      </label>
      <button type="submit" class="btn btn-primary btn-small">
        {t("shows.create")}
      </button>
      {error && <p class="alert">{error}</p>}
    </form>
  );
}

export function ShowsPanel({ shows, products, onChanged }: { shows: ShowSalesView[]; products: AdminProductView[]; onChanged(): Promise<void> }) {
  const { t, locale } = useAdminText();
  const errorText = useAdminErrorText();
  const [offers, setOffers] = useState<AdminOffer[]>([]);
  const [error, setError] = useState<string | null>(null);
  const load = () =>
    api.get<{ offers: AdminOffer[] }>(scoped("/api/admin/offers")).then(
      (r) => setOffers(r.offers),
      (err) => setError(errorText(err)),
    );
  useEffect(() => void load(), []);
  const refresh = async () => {
    await Promise.all([load(), onChanged()]);
  };
  const end = async (offerId: string) => {
    try {
      await api.post(`/api/studio/offers/${encodeURIComponent(offerId)}/end`);
      await refresh();
    } catch (err) {
      setError(errorText(err));
    }
  };

  // The show form and list (schedule, edit, duplicate, cancel), then each show's sales and offers.
  const planner = (
    <>
      <ShopFollowers path={scoped("/api/admin/followers")} />
      <ShowPlannerPanel products={products} onChanged={() => void refresh()} />
    </>
  );
  if (!shows.length)
    return (
      <div class="admin-shows">
        {planner}
        <p class="muted">{t("shows.empty")}</p>
      </div>
    );
  return (
    <div class="admin-shows">
      {planner}
      {error && <p class="alert">{error}</p>}
      {shows.map((s) => {
        const money = (n: number) => formatMoney(n, s.currency, locale);
        const mine = offers.filter((o) => o.showId === s.id);
        return (
          <section class="panel" data-testid="show-summary" data-show-id={s.id}>
            <div class="panel-head">
              <h2>{s.title}</h2>
              <span>
                <a class="link" href={`/studio/${encodeURIComponent(s.id)}`}>
                  {t("shows.studio")}
                </a>{" "}
                ·{" "}
                <a class="link" href={`/admin/analytics/${encodeURIComponent(s.id)}`} data-testid="show-report-link">
                  {t("shows.report")}
                </a>
              </span>
            </div>
            <dl class="admin-stats">
              <div>
                <dt>{t("shows.orders")}</dt>
                <dd>{s.orders}</dd>
              </div>
              <div>
                <dt>{t("shows.units")}</dt>
                <dd data-testid="summary-units">{s.unitsSold}</dd>
              </div>
              <div>
                <dt>{t("shows.revenue")}</dt>
                <dd data-testid="summary-revenue">{money(s.revenue)}</dd>
              </div>
              <div>
                <dt>{t("shows.refunds")}</dt>
                <dd data-testid="summary-refunds">
                  {money(s.refunds)} ({s.refundedUnits})
                </dd>
              </div>
              <div>
                <dt>{t("shows.commission", { rate: percent(s.commissionRateBp, locale) })}</dt>
                <dd data-testid="summary-commission">{money(s.commission)}</dd>
              </div>
            </dl>
            <h3>{t("shows.offers")}</h3>
            {mine.length === 0 ? (
              <p class="muted">{t("shows.noOffers")}</p>
            ) : (
              <table class="admin-table">
                <tbody>
                  {mine.map((o) => (
                    <tr data-testid="admin-offer" data-offer-id={o.id}>
                      <td>{o.title}</td>
                      <td>{formatMoney(o.showPrice, o.currency, locale)}</td>
                      <td>{t("shows.remaining", { remaining: o.remaining, quantity: o.quantity })}</td>
                      <td>{o.status === "active" ? t("shows.active") : t("shows.ended")}</td>
                      <td>
                        {o.status === "active" && (
                          <button type="button" class="btn btn-small" onClick={() => void end(o.id)}>
                            {t("shows.end")}
                          </button>
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
            <h3>{t("shows.newOffer")}</h3>
            <NewOfferForm showId={s.id} products={products} onCreated={() => void refresh()} />
          </section>
        );
      })}
    </div>
  );
}
