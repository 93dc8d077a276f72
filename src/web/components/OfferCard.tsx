import type { ComponentChildren } from "preact";
import type { OfferView } from "../../protocol/api.js";
import { useI18n } from "../i18n/coreText.js";
import { formatMoney } from "../platform/money.js";
import { useServerNow } from "../platform/useServerNow.js";

interface Props {
  offer: OfferView;
  onBuy(offer: OfferView): void;
  /** Shown under a sold-out card (the waitlist). */
  soldOut?: ComponentChildren;
}

export function formatCountdown(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const mm = String(m).padStart(h ? 2 : 1, "0");
  return `${h ? `${h}:` : ""}${mm}:${String(s).padStart(2, "0")}`;
}

export type OfferAvailability = "available" | "sold_out" | "ended";

export function offerAvailability(offer: OfferView, now: number): OfferAvailability {
  if (offer.remaining <= 0) return "sold_out";
  if (offer.status !== "active" || Date.parse(offer.endsAt) <= now) return "ended";
  return "available";
}

/** The offer the host pinned: what is on screen right now, with price, stock and countdown. */
export function OfferCard({ offer, onBuy, soldOut }: Props) {
  const { t, locale } = useI18n();
  const now = useServerNow();
  const availability = offerAvailability(offer, now);
  const left = Date.parse(offer.endsAt) - now;
  const discount = offer.price > 0 ? Math.round((1 - offer.showPrice / offer.price) * 100) : 0;

  return (
    <article class={`panel offer is-${availability}`} data-testid="offer-card" data-offer-id={offer.id}>
      <div class="offer-media">
        <img src={offer.imageUrl} alt="" loading="lazy" width={112} height={112} />
        {discount > 0 && <span class="offer-discount">−{discount}%</span>}
      </div>
      <div class="offer-body">
        <h2 class="offer-title" data-testid="offer-title">
          {offer.title}
        </h2>
        <p class="offer-prices">
          <span class="offer-show-price" data-testid="offer-show-price">
            {formatMoney(offer.showPrice, offer.currency, locale)}
          </span>
          {offer.price > offer.showPrice && (
            <s class="offer-regular-price" data-testid="offer-regular-price" title={t("offer.regularPrice")}>
              <span class="sr-only">{t("offer.regularPrice")}: </span>
              {formatMoney(offer.price, offer.currency, locale)}
            </s>
          )}
        </p>
        <p class="offer-meta">
          <span class="offer-stock" data-testid="offer-remaining" data-remaining={offer.remaining}>
            {availability === "sold_out" ? t("offer.soldOut") : t("offer.left", { n: offer.remaining })}
          </span>
          {availability === "available" ? (
            <span class="offer-countdown" data-testid="offer-countdown">
              {t("offer.endsIn", { time: formatCountdown(left) })}
            </span>
          ) : availability === "ended" ? (
            <span class="offer-countdown">{t("offer.ended")}</span>
          ) : null}
          {offer.perBuyerLimit !== undefined && availability === "available" && (
            <span class="offer-limit" data-testid="offer-limit">
              {t("offer.perBuyer", { n: offer.perBuyerLimit })}
            </span>
          )}
        </p>
        {availability === "sold_out" && offer.status === "active" && soldOut}
      </div>
      <button type="button" class="btn btn-buy" disabled={availability !== "available"} onClick={() => onBuy(offer)} data-testid="buy">
        {availability === "available" ? t("offer.buy") : availability === "sold_out" ? t("offer.soldOut") : t("offer.ended")}
      </button>
    </article>
  );
}
