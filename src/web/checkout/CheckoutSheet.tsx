import { useEffect, useReducer, useRef } from "preact/hooks";
import type { OfferView, OrderView, PayOrderBody, SavedBuyerDetails, TrafficSource } from "../../protocol/api.js";
import { api } from "../platform/apiClient.js";
import { offerAvailability } from "../components/OfferCard.js";
import { formatMoney } from "../platform/money.js";
import { orderPageHref, useOrderText } from "../orders/orderText.js";
import type { BuyerAccount } from "../buyers/useBuyer.js";
import { useServerNow } from "../platform/useServerNow.js";
import { type PayAnswer, PaymentStepError, loadStripe, payOrder, paymentFor } from "./checkoutPayment.js";
import {
  type CheckoutMessageKey as MessageKey,
  type Field,
  type Form,
  checkoutReducer,
  initialCheckout,
  localErrors,
  payBodyFor,
  serverFieldErrors,
} from "./checkoutState.js";
import { HoldTimer } from "./HoldTimer.js";
import { useCouponPreview } from "./useCouponPreview.js";
import { errorFrom, useHold } from "./useHold.js";
import { useStripeCard } from "./useStripeCard.js";

interface Props {
  /** The live offer (kept up to date by the page), so stock and end are reflected while the sheet is open. */
  offer: OfferView;
  onClose(): void;
  /** A signed-in buyer: name and email come from the account; with a saved address and card, one tap pays. */
  account?: BuyerAccount | null;
  saved?: SavedBuyerDetails | null;
  /** A waitlist claim: the units are already held for this order; the sheet pays it instead of reserving. */
  claimOrderId?: string;
  /** The claim order's access token (from the waitlist entry or the claim link): shows the waitlister's details. */
  claimToken?: string;
  /** Sent with the order: a claimed coupon code, the 18+ confirmation for a mystery offer (coupons, mystery modules). */
  orderExtras?: { coupon?: string; ageConfirmed?: true; source?: TrafficSource };
  /** A bag from the shop tab: these offers of the show are held and paid as one order (`offer` is its first line's). */
  bag?: { offer: OfferView; quantity: number }[];
  /** Called once the order is paid (the viewer empties the bag). */
  onPaid?(order: OrderView): void;
}

const COUNTRIES = ["DE", "AT", "CH", "NL", "BE", "LU", "FR", "DK", "PL", "CZ"];
const MAX_PER_ORDER = 10;

// The price summary's layout, as element styles (set through the DOM, so the page's CSP allows them) rather than in
// styles.css, which every viewer downloads on first load.
const SUMMARY_STYLE = { display: "grid", gridTemplateColumns: "1fr auto", gap: "4px 16px", margin: "0 0 14px" };
const SUMMARY_VALUE = { margin: 0, textAlign: "right", fontWeight: 700 };

export function CheckoutSheet({ offer, onClose, account, saved, claimOrderId, claimToken, orderExtras, bag, onPaid }: Props) {
  const { t, locale, lang } = useOrderText();
  const ot = t;
  const now = useServerNow();
  const [{ form, fieldErrors, error, busy, order, accessToken, payNotice }, dispatch] = useReducer(checkoutReducer, initialCheckout);
  const dialogRef = useRef<HTMLDivElement>(null);
  const {
    hold,
    held,
    tokenHeader,
    reserve,
    changeQuantity: holdQuantity,
    abandon,
    expire,
    orderToPay,
    paid,
  } = useHold({
    offer,
    orderExtras,
    claimOrderId,
    claimToken,
    lines: bag?.map((l) => ({ offerId: l.offer.id, quantity: l.quantity })),
    initialQuantity: form.quantity,
    onClaimLoaded: (o: OrderView) => dispatch({ type: "claimLoaded", order: o }),
  });

  const signedIn = Boolean(account);
  const oneTap = Boolean(account && saved?.address && saved.paymentMethod);
  const availability = offerAvailability(offer, now);
  // Our own held units are not in `remaining` any more, so they count towards what we may choose.
  const maxQuantity = Math.max(1, Math.min(MAX_PER_ORDER, offer.remaining + (held?.quantity ?? 0), offer.perBuyerLimit ?? MAX_PER_ORDER));
  const quantity = Math.min(form.quantity, maxQuantity);
  const gross = bag ? bag.reduce((sum, l) => sum + l.offer.showPrice * l.quantity, 0) : offer.showPrice * quantity;
  const couponCode = bag ? undefined : orderExtras?.coupon;
  const coupon = useCouponPreview(offer.id, couponCode, quantity);
  // The held order's total is the authority once there is one; before that, the coupon preview's.
  const preview = coupon?.phase === "ok" && coupon.preview.quantity === quantity ? coupon.preview : null;
  const total = held && held.quantity === quantity ? held.total : (preview?.total ?? gross);

  /** Closing the sheet abandons the hold: the units go back on sale for everyone. */
  const close = () => {
    abandon();
    onClose();
  };

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => e.key === "Escape" && !busy && close();
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, [busy, onClose]);

  useEffect(() => {
    document.body.classList.add("has-sheet");
    dialogRef.current?.querySelector<HTMLInputElement>("fieldset input")?.focus();
    return () => document.body.classList.remove("has-sheet");
  }, []);

  const { payments, cardState, cardComplete, stripeCard, cardMount } = useStripeCard(lang, !oneTap && !order);

  const set = (k: keyof Form) => (e: Event) => {
    const el = e.currentTarget as HTMLInputElement | HTMLSelectElement;
    const value = k === "gift" ? (el as HTMLInputElement).checked : k === "quantity" ? Number(el.value) : el.value;
    dispatch({ type: "typed", patch: { [k]: value } });
  };

  const changeQuantity = async (e: Event) => {
    const q = Number((e.currentTarget as HTMLSelectElement).value);
    dispatch({ type: "typed", patch: { quantity: q } });
    await holdQuantity(q);
  };

  const onExpired = expire;

  const submit = async (e: Event) => {
    e.preventDefault();
    if (busy) return;
    const useStripe = payments?.provider === "stripe" && !oneTap;
    const local = localErrors(form, oneTap, signedIn, !useStripe);
    dispatch({ type: "checked", fieldErrors: local });
    if (Object.keys(local).length) {
      // After the re-render, take the buyer to the first field that needs fixing.
      requestAnimationFrame(() => dialogRef.current?.querySelector<HTMLElement>("[aria-invalid=true]")?.focus());
      return;
    }
    if (useStripe && (!stripeCard.current || !cardComplete)) {
      dispatch({ type: "notice", notice: { key: stripeCard.current ? "checkout.cardIncomplete" : "checkout.cardUnavailable" } });
      return;
    }
    dispatch({ type: "paying" });
    try {
      const target = await orderToPay();
      if (!target) return;
      let payment: PayOrderBody["payment"];
      if (useStripe && stripeCard.current) {
        const { stripe, card } = stripeCard.current;
        const made = await stripe.createPaymentMethod({
          type: "card",
          card,
          billing_details: { name: form.name.trim() || account?.displayName, email: form.email.trim() || account?.email },
        });
        if (!made.paymentMethod) {
          dispatch({ type: "notice", notice: { key: "checkout.cardIncomplete", detail: made.error?.message } });
          return;
        }
        payment = paymentFor("stripe", { card: form.card, paymentMethodId: made.paymentMethod.id });
      } else if (!oneTap) payment = paymentFor("test", { card: form.card });
      const res = await payOrder(target.id, payBodyFor(form, oneTap, signedIn, payment), {
        pay: (id, body) => api.post<PayAnswer>(`/api/orders/${encodeURIComponent(id)}/pay`, body, tokenHeader()),
        status: async (id) => (await api.get<{ order: OrderView }>(`/api/orders/${encodeURIComponent(id)}`, tokenHeader())).order,
        handleNextAction: async (clientSecret) => {
          const stripe = stripeCard.current?.stripe ?? (payments?.publishableKey ? await loadStripe(payments.publishableKey) : null);
          if (!stripe) return { error: "Stripe.js is not available" };
          const r = await stripe.handleNextAction({ clientSecret });
          return r.error ? { error: r.error.message ?? "authentication failed" } : {};
        },
        sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      });
      paid();
      dispatch({ type: "paid", order: res.order, accessToken: res.accessToken });
      onPaid?.(res.order);
    } catch (err) {
      if (err instanceof PaymentStepError) {
        // The hold stays: the buyer may try again (authentication failed) or wait for the bank (still pending).
        dispatch({
          type: "notice",
          notice:
            err.code === "authentication_failed"
              ? { key: "checkout.authFailed", detail: err.message }
              : { key: "checkout.stillPending", orderId: err.answer?.order.id, token: err.answer?.accessToken },
        });
        return;
      }
      const e = errorFrom(err);
      if (e.code === "hold_expired") onExpired();
      dispatch({
        type: "failed",
        error: { key: e.key, code: e.code, limit: e.limit },
        fieldErrors: e.code === "invalid_body" ? serverFieldErrors(e.details) : undefined,
      });
    } finally {
      dispatch({ type: "settled" });
    }
  };

  const regionNames = new Intl.DisplayNames([locale], { type: "region" });
  const input = (field: Field, key: keyof Form, label: MessageKey, extra: Record<string, string | number | boolean> = {}) => (
    <label class={`field${fieldErrors[field] ? " has-error" : ""}`}>
      <span>{t(label)}</span>
      <input
        name={field}
        value={String(form[key])}
        onInput={set(key)}
        aria-invalid={fieldErrors[field] ? "true" : undefined}
        data-testid={`checkout-${key}`}
        {...extra}
      />
      {fieldErrors[field] && <small class="field-error">{t(fieldErrors[field]!)}</small>}
    </label>
  );
  const showAddress = !oneTap || form.gift;
  const canPay = (hold.phase === "held" || hold.phase === "reserving") && (oneTap || payments !== null);

  return (
    <div class="sheet-backdrop" onClick={(e) => e.target === e.currentTarget && !busy && close()}>
      <div class="sheet" role="dialog" aria-modal="true" aria-labelledby="checkout-title" ref={dialogRef} data-testid="checkout">
        <header class="sheet-head">
          <h2 id="checkout-title">{order ? t("checkout.success") : t("checkout.title")}</h2>
          <button type="button" class="icon-btn" onClick={close} disabled={busy} aria-label={t("common.close")} data-testid="checkout-close">
            ✕
          </button>
        </header>
        {order ? (
          <div class="confirmation" data-testid="order-confirmation">
            <p class="confirmation-check" aria-hidden="true">
              ✓
            </p>
            <dl>
              <dt>{t("checkout.orderId")}</dt>
              <dd data-testid="order-id">{order.id}</dd>
              {bag ? (
                bag.map((l) => (
                  <>
                    <dt>{l.offer.title}</dt>
                    <dd data-testid="order-line">× {order.lines.find((x) => x.offerId === l.offer.id)?.quantity ?? l.quantity}</dd>
                  </>
                ))
              ) : (
                <>
                  <dt>{offer.title}</dt>
                  <dd>× {order.quantity}</dd>
                </>
              )}
              <dt>{t("checkout.total")}</dt>
              <dd data-testid="order-total">{formatMoney(order.total, order.currency, locale)}</dd>
              {order.vatRateBp > 0 && (
                <>
                  <dt>{t("checkout.vatIncluded", { rate: order.vatRateBp / 100 })}</dt>
                  <dd data-testid="order-vat">{formatMoney(order.vat, order.currency, locale)}</dd>
                </>
              )}
              {order.gift && (
                <>
                  <dt>{t("checkout.giftFor")}</dt>
                  <dd data-testid="order-gift-recipient">{order.shipping.name}</dd>
                </>
              )}
            </dl>
            <p class="muted">{t("checkout.emailNote", { email: order.buyer.email })}</p>
            <p>
              <a class="link" href={orderPageHref(order.id, accessToken)} target="_blank" rel="noopener" data-testid="order-page-link">
                {ot("checkout.viewOrder")}
              </a>
            </p>
            <button type="button" class="btn btn-primary btn-block" onClick={onClose} data-testid="checkout-done">
              {t("checkout.done")}
            </button>
          </div>
        ) : (
          <form onSubmit={submit} noValidate>
            {bag ? (
              <ul class="sheet-bag" data-testid="checkout-bag">
                {bag.map((l) => (
                  <li class="sheet-offer" key={l.offer.id}>
                    <img src={l.offer.imageUrl} alt="" width={56} height={56} />
                    <div>
                      <strong>{l.offer.title}</strong>
                      <span class="muted">{t("order.line", { qty: l.quantity, price: formatMoney(l.offer.showPrice, l.offer.currency, locale) })}</span>
                    </div>
                  </li>
                ))}
              </ul>
            ) : (
              <div class="sheet-offer">
                <img src={offer.imageUrl} alt="" width={56} height={56} />
                <div>
                  <strong>{offer.title}</strong>
                  <span class="muted">{formatMoney(offer.showPrice, offer.currency, locale)}</span>
                </div>
                <label class="field field-qty">
                  <span>{t("checkout.quantity")}</span>
                  <select
                    value={quantity}
                    onChange={changeQuantity}
                    disabled={busy || hold.phase === "reserving" || Boolean(claimOrderId)}
                    data-testid="checkout-quantity"
                  >
                    {Array.from({ length: maxQuantity }, (_, i) => (
                      <option value={i + 1}>{i + 1}</option>
                    ))}
                  </select>
                </label>
              </div>
            )}
            {coupon?.phase === "checking" && (
              <p class="muted" data-testid="checkout-coupon-checking">
                {ot("checkout.couponChecking", { code: couponCode ?? "" })}
              </p>
            )}
            {preview && (
              <dl style={SUMMARY_STYLE} data-testid="checkout-summary">
                <dt>{ot("checkout.subtotal")}</dt>
                <dd style={SUMMARY_VALUE} data-testid="checkout-subtotal">
                  {formatMoney(preview.gross, preview.currency, locale)}
                </dd>
                <dt>{ot("checkout.coupon", { code: preview.code })}</dt>
                <dd style={SUMMARY_VALUE} data-testid="checkout-discount">
                  −{formatMoney(preview.discount, preview.currency, locale)}
                </dd>
                <dt>{t("checkout.total")}</dt>
                <dd style={SUMMARY_VALUE} data-testid="checkout-total">
                  {formatMoney(total, offer.currency, locale)}
                </dd>
              </dl>
            )}
            {coupon?.phase === "unusable" && (
              <p class="alert" data-testid="checkout-coupon-unusable">
                {ot("checkout.couponUnusable", { code: coupon.code })}
              </p>
            )}
            {hold.phase === "held" && hold.order.holdExpiresAt && <HoldTimer expiresAt={hold.order.holdExpiresAt} onExpired={onExpired} />}
            {hold.phase === "reserving" && (
              <p class="hold-timer" data-testid="hold-reserving">
                {t("hold.reserving")}
              </p>
            )}
            {hold.phase === "expired" && (
              <div class="alert" role="alert" data-testid="hold-expired">
                <p>{t("hold.expired")}</p>
                <button type="button" class="btn" onClick={() => void reserve(quantity)} data-testid="hold-again">
                  {t("hold.again")}
                </button>
              </div>
            )}
            {hold.phase === "failed" && (
              <div class="alert" role="alert" data-testid="checkout-error" data-code={hold.code}>
                <p>{hold.code === "limit_exceeded" ? t("checkout.limit", { n: hold.limit ?? 0 }) : t(hold.key)}</p>
                {hold.code !== "sold_out" && hold.code !== "offer_not_active" && (
                  <button type="button" class="btn" onClick={() => void reserve(quantity)}>
                    {t("common.retry")}
                  </button>
                )}
              </div>
            )}
            {oneTap && saved?.paymentMethod && (
              <div class="saved-details" data-testid="checkout-saved">
                <p>
                  <strong>{t("buyer.payWith")}</strong>{" "}
                  <span data-testid="checkout-saved-card">
                    {saved.paymentMethod.brand.toUpperCase()} •••• {saved.paymentMethod.last4}
                  </span>
                </p>
                {!form.gift && saved.address && (
                  <p>
                    <strong>{t("buyer.shipTo")}</strong> {saved.address.name}, {saved.address.line1}, {saved.address.postalCode} {saved.address.city}
                  </p>
                )}
              </div>
            )}
            {!signedIn && (
              <fieldset>
                <legend>{t("checkout.buyer")}</legend>
                {input("buyer.name", "name", "checkout.name", { autoComplete: "name", required: true })}
                {input("buyer.email", "email", "checkout.email", { type: "email", autoComplete: "email", required: true })}
              </fieldset>
            )}
            <label class="check">
              <input type="checkbox" checked={form.gift} onChange={set("gift")} data-testid="checkout-gift" />
              <span>{t("checkout.gift")}</span>
            </label>
            {form.gift && (
              <fieldset>
                <legend>{t("checkout.giftLegend")}</legend>
                {input("shipping.name", "recipient", "checkout.recipient", { autoComplete: "off", required: true })}
                <label class={`field${fieldErrors["gift.message"] ? " has-error" : ""}`}>
                  <span>{t("checkout.giftMessage")}</span>
                  <textarea
                    name="gift.message"
                    maxLength={500}
                    rows={2}
                    value={form.message}
                    onInput={set("message")}
                    aria-invalid={fieldErrors["gift.message"] ? "true" : undefined}
                    data-testid="checkout-message"
                  />
                  {fieldErrors["gift.message"] && <small class="field-error">{t(fieldErrors["gift.message"]!)}</small>}
                </label>
              </fieldset>
            )}
            {showAddress && (
              <fieldset>
                <legend>{form.gift ? t("checkout.giftAddress") : t("checkout.shipping")}</legend>
                {signedIn && !form.gift && input("buyer.name", "name", "checkout.name", { autoComplete: "name", required: true })}
                {input("shipping.line1", "line1", "checkout.line1", { autoComplete: form.gift ? "off" : "address-line1", required: true })}
                {input("shipping.line2", "line2", "checkout.line2", { autoComplete: form.gift ? "off" : "address-line2" })}
                <div class="field-row">
                  {input("shipping.postalCode", "postalCode", "checkout.postalCode", {
                    autoComplete: form.gift ? "off" : "postal-code",
                    required: true,
                    inputMode: "numeric",
                  })}
                  {input("shipping.city", "city", "checkout.city", { autoComplete: form.gift ? "off" : "address-level2", required: true })}
                </div>
                <label class="field">
                  <span>{t("checkout.country")}</span>
                  <select value={form.country} onChange={set("country")} data-testid="checkout-country">
                    {COUNTRIES.map((c) => (
                      <option value={c}>{regionNames.of(c) ?? c}</option>
                    ))}
                  </select>
                </label>
              </fieldset>
            )}
            {!oneTap && payments?.provider === "test" && (
              <fieldset>
                <legend>{t("checkout.payment")}</legend>
                {input("payment.number", "card", "checkout.card", {
                  inputMode: "numeric",
                  autoComplete: "off",
                  maxLength: 23,
                })}
                <p class="note" data-testid="test-card-note">
                  {t("checkout.testNote")}
                </p>
              </fieldset>
            )}
            {!oneTap && payments?.provider === "stripe" && (
              <fieldset data-testid="stripe-card">
                <legend>{t("checkout.payment")}</legend>
                <div class="field" ref={cardMount} data-testid="stripe-card-mount" />
                {cardState === "loading" && <p class="muted">{ot("checkout.cardLoading")}</p>}
                {cardState === "failed" && <p class="alert">{ot("checkout.cardUnavailable")}</p>}
                <p class="note">{ot("checkout.cardNote")}</p>
              </fieldset>
            )}
            {!oneTap && !payments && cardState === "failed" && <p class="alert">{ot("checkout.cardUnavailable")}</p>}
            {payNotice && (
              <div class="alert" role="alert" data-testid="checkout-pay-notice" data-code={payNotice.key}>
                <p>{ot(payNotice.key)}</p>
                {payNotice.detail && <p class="muted">{payNotice.detail}</p>}
                {payNotice.orderId && (
                  <a class="link" href={orderPageHref(payNotice.orderId, payNotice.token)} target="_blank" rel="noopener">
                    {ot("checkout.viewOrder")}
                  </a>
                )}
              </div>
            )}
            {!bag && !held && hold.phase !== "failed" && availability !== "available" && !error && (
              <p class="alert" role="alert" data-testid="checkout-error" data-code={availability}>
                {availability === "sold_out" ? t("checkout.soldOut") : t("checkout.notActive")}
              </p>
            )}
            {error && (
              <p class="alert" role="alert" data-testid="checkout-error" data-code={error.code}>
                {error.code === "limit_exceeded" ? t("checkout.limit", { n: error.limit ?? 0 }) : t(error.key)}
              </p>
            )}
            <button type="submit" class="btn btn-primary btn-block" disabled={busy || !canPay} data-testid="checkout-submit">
              {busy ? t("checkout.paying") : t("checkout.pay", { amount: formatMoney(total, offer.currency, locale) })}
            </button>
          </form>
        )}
      </div>
    </div>
  );
}
