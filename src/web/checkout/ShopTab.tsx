import { MAX_BAG_LINES, type OfferView, type ShowStatus } from "../../protocol/api.js";
import { formatMoney } from "../platform/money.js";
import { useServerNow } from "../platform/useServerNow.js";
import { useBagText } from "./bagText.js";
import { canAddToBag, lineMax, shopOrder, shopState } from "./shopState.js";

/** One line of the viewer's bag: an offer of the show and how many. */
export interface BagLine {
  offerId: string;
  quantity: number;
}

interface Props {
  offers: OfferView[];
  /** The line-up's offers in line-up order (the room's lineupOrder). */
  lineupOrder?: string[];
  status: ShowStatus;
  bag: BagLine[];
  onAdd(offerId: string): void;
  onQuantity(offerId: string, quantity: number): void;
  onRemove(offerId: string): void;
  onCheckout(): void;
}

/**
 * The live room's shop tab: every offer of the show with price, units left (kept live by offer.updated) and state,
 * and the viewer's bag — several items of the show bought in one checkout with one payment.
 */
export function ShopTab({ offers, lineupOrder, status, bag, onAdd, onQuantity, onRemove, onCheckout }: Props) {
  const { t, locale } = useBagText();
  const now = useServerNow();
  const listed = shopOrder(offers, lineupOrder);
  const byId = new Map(offers.map((o) => [o.id, o]));
  const lines = bag.flatMap((l) => {
    const offer = byId.get(l.offerId);
    return offer ? [{ ...l, offer }] : [];
  });
  const units = lines.reduce((s, l) => s + l.quantity, 0);
  const total = lines.reduce((s, l) => s + l.offer.showPrice * l.quantity, 0);
  const currency = lines[0]?.offer.currency ?? offers[0]?.currency ?? "EUR";
  const full = bag.length >= MAX_BAG_LINES;

  return (
    <section class="panel shop" data-testid="shop" aria-labelledby="shop-heading">
      <h2 id="shop-heading" class="shop-heading">
        {t("shop.heading")}
      </h2>
      {listed.length === 0 && <p class="muted">{t("shop.empty")}</p>}
      <ul class="shop-list">
        {listed.map((offer) => {
          const state = shopState(offer, status, now);
          const inBag = bag.some((l) => l.offerId === offer.id);
          return (
            <li class={`shop-item is-${state}`} data-testid="shop-item" data-offer-id={offer.id} data-state={state} key={offer.id}>
              <img src={offer.imageUrl} alt="" loading="lazy" width={56} height={56} />
              <div class="shop-item-body">
                <strong class="shop-item-title">{offer.title}</strong>
                <span class="shop-item-meta">
                  <span class="shop-price">{formatMoney(offer.showPrice, offer.currency, locale)}</span>
                  <span class="shop-remaining" data-testid="shop-remaining" data-remaining={offer.remaining}>
                    {t("shop.left", { n: offer.remaining })}
                  </span>
                  <span class="shop-state" data-testid="shop-state">
                    {t(`shop.state.${state}`)}
                  </span>
                </span>
              </div>
              <button
                type="button"
                class="btn btn-small"
                disabled={!canAddToBag(state) || inBag || (full && !inBag)}
                onClick={() => onAdd(offer.id)}
                aria-label={inBag ? t("shop.inBag") : t("shop.addNamed", { title: offer.title })}
                data-testid="shop-add"
              >
                {inBag ? t("shop.inBag") : t("shop.add")}
              </button>
            </li>
          );
        })}
      </ul>
      <div class="bag" data-testid="bag" aria-live="polite">
        <h3>{t("bag.heading")}</h3>
        {lines.length === 0 ? (
          <p class="muted">{t("bag.empty")}</p>
        ) : (
          <>
            <ul class="bag-lines">
              {lines.map((l) => (
                <li class="bag-line" data-testid="bag-line" data-offer-id={l.offerId} key={l.offerId}>
                  <span class="bag-line-title">{l.offer.title}</span>
                  <select
                    value={Math.min(l.quantity, lineMax(l.offer))}
                    onChange={(e) => onQuantity(l.offerId, Number((e.currentTarget as HTMLSelectElement).value))}
                    aria-label={t("bag.quantity", { title: l.offer.title })}
                    data-testid="bag-quantity"
                  >
                    {Array.from({ length: lineMax(l.offer) }, (_, i) => (
                      <option value={i + 1}>{i + 1}</option>
                    ))}
                  </select>
                  <span class="bag-line-price">{formatMoney(l.offer.showPrice * l.quantity, l.offer.currency, locale)}</span>
                  <button
                    type="button"
                    class="icon-btn"
                    onClick={() => onRemove(l.offerId)}
                    aria-label={t("bag.remove", { title: l.offer.title })}
                    data-testid="bag-remove"
                  >
                    ✕
                  </button>
                </li>
              ))}
            </ul>
            <p class="bag-total">
              <span>{t("bag.total")}</span> <strong data-testid="bag-total">{formatMoney(total, currency, locale)}</strong>
            </p>
            {full && <p class="muted">{t("bag.full", { n: MAX_BAG_LINES })}</p>}
            <button type="button" class="btn btn-primary btn-block" onClick={onCheckout} data-testid="bag-checkout">
              {t("bag.checkout", { n: units })}
            </button>
          </>
        )}
      </div>
    </section>
  );
}
