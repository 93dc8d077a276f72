import { chatDeviceId } from "./ChatPanel.js";
import { useEffect, useRef, useState } from "preact/hooks";
import type { CouponPreviewView, OfferView, OrderView, PayOrderBody, SavedBuyerDetails } from "../../protocol/api.js";
import { ApiError, type ClientErrorCode, type ErrorCode, NetworkError, api } from "../apiClient.js";

import { formatMoney } from "../money.js";
import { type OrderKey, orderPageHref, useOrderText } from "../orderText.js";

// Every string of the sheet: the order texts (loaded with this chunk) and the shared ones.
type MessageKey = OrderKey | import("../i18n.js").MessageKey;
import type { BuyerAccount } from "../useBuyer.js";
import { useServerNow } from "../useServerNow.js";
import { type PayAnswer, type PaymentsConfig, PaymentStepError, type StripeCardElement, type StripeJs, loadStripe, payOrder, paymentFor } from "./checkoutPayment.js";
import { HoldTimer } from "./HoldTimer.js";
import { offerAvailability } from "./OfferCard.js";

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
  orderExtras?: { coupon?: string; ageConfirmed?: true };
}

const COUNTRIES = ["DE", "AT", "CH", "NL", "BE", "LU", "FR", "DK", "PL", "CZ"];
const MAX_PER_ORDER = 10;
const TEST_CARD = "4242 4242 4242 4242";

// Asked once per page: which provider takes the card (the built-in test one, or Stripe with its publishable key).
let paymentsConfig: Promise<PaymentsConfig> | null = null;
function getPaymentsConfig(): Promise<PaymentsConfig> {
  paymentsConfig ??= api.get<PaymentsConfig>("/api/payments/config").catch((err) => {
    paymentsConfig = null;
    throw err;
  });
  return paymentsConfig;
}

type Field =
  | "quantity"
  | "buyer.name"
  | "buyer.email"
  | "shipping.line1"
  | "shipping.line2"
  | "shipping.postalCode"
  | "shipping.city"
  | "shipping.country"
  | "shipping.name"
  | "gift.message"
  | "payment.number";

interface Form {
  quantity: number;
  name: string;
  email: string;
  line1: string;
  line2: string;
  postalCode: string;
  city: string;
  country: string;
  card: string;
  gift: boolean;
  recipient: string;
  message: string;
}

const EMPTY_FORM: Form = {
  quantity: 1,
  name: "",
  email: "",
  line1: "",
  line2: "",
  postalCode: "",
  city: "",
  country: "DE",
  card: TEST_CARD,
  gift: false,
  recipient: "",
  message: "",
};

/**
 * What the buyer types decides the pay body. Signed in with saved details: the saved card (and address, unless it is
 * a gift to someone else). A guest: buyer, address and card from the form.
 */
function payBodyFor(f: Form, oneTap: boolean, signedIn: boolean, payment: PayOrderBody["payment"]): PayOrderBody {
  const address = {
    name: (f.gift ? f.recipient : f.name).trim(),
    line1: f.line1.trim(),
    ...(f.line2.trim() ? { line2: f.line2.trim() } : {}),
    postalCode: f.postalCode.trim(),
    city: f.city.trim(),
    country: f.country,
  };
  const gift = f.gift ? { gift: { message: f.message.trim() } } : {};
  if (oneTap) return { useSaved: true, ...(f.gift ? { shipping: address } : {}), ...gift };
  return {
    ...(signedIn ? {} : { buyer: { name: f.name.trim(), email: f.email.trim() } }),
    shipping: signedIn && !f.gift ? { ...address, name: f.name.trim() } : address,
    payment,
    ...gift,
  };
}

// Checks the browser can do without a round trip; the server's zod schema stays the authority.
function localErrors(f: Form, oneTap: boolean, signedIn: boolean, testCard: boolean): Partial<Record<Field, MessageKey>> {
  const errors: Partial<Record<Field, MessageKey>> = {};
  const needsAddress = !oneTap || f.gift;
  if (!signedIn || (needsAddress && !f.gift)) {
    if (!f.name.trim()) errors["buyer.name"] = "field.required";
  }
  if (!signedIn) {
    if (!f.email.trim()) errors["buyer.email"] = "field.required";
    else if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(f.email.trim())) errors["buyer.email"] = "field.invalid";
  }
  if (needsAddress) {
    if (!f.line1.trim()) errors["shipping.line1"] = "field.required";
    if (!f.postalCode.trim()) errors["shipping.postalCode"] = "field.required";
    if (!f.city.trim()) errors["shipping.city"] = "field.required";
  }
  if (f.gift) {
    if (!f.recipient.trim()) errors["shipping.name"] = "field.required";
    if (!f.message.trim()) errors["gift.message"] = "field.required";
  }
  if (!oneTap && testCard && !/^[0-9 ]{12,23}$/.test(f.card.trim())) errors["payment.number"] = "field.invalid";
  return errors;
}

function serverFieldErrors(details: unknown): Partial<Record<Field, MessageKey>> {
  const errors: Partial<Record<Field, MessageKey>> = {};
  if (!Array.isArray(details)) return errors;
  for (const issue of details as { path?: unknown }[]) {
    const path = Array.isArray(issue?.path) ? issue.path.join(".") : typeof issue?.path === "string" ? issue.path : "";
    // The buyer's name doubles as the shipping name (unless it is a gift), so report both on the one input.
    const field = (path === "shipping.name" ? "buyer.name" : path) as Field;
    errors[field] = "field.invalid";
  }
  return errors;
}

const ERROR_MESSAGES: Partial<Record<ErrorCode, MessageKey>> = {
  payment_declined: "checkout.declined",
  sold_out: "checkout.soldOut",
  offer_not_active: "checkout.notActive",
  idempotency_mismatch: "checkout.mismatch",
  invalid_body: "checkout.invalid",
  hold_expired: "hold.expired",
  limit_exceeded: "checkout.limit",
};

type HoldState =
  | { phase: "reserving" }
  | { phase: "held"; order: OrderView }
  | { phase: "failed"; code: ClientErrorCode; key: MessageKey; limit?: number }
  | { phase: "expired" };

// The price summary's layout, as element styles (set through the DOM, so the page's CSP allows them) rather than in
// styles.css, which every viewer downloads on first load.
const SUMMARY_STYLE = { display: "grid", gridTemplateColumns: "1fr auto", gap: "4px 16px", margin: "0 0 14px" };
const SUMMARY_VALUE = { margin: 0, textAlign: "right", fontWeight: 700 };

type CouponState = { phase: "checking" } | { phase: "ok"; preview: CouponPreviewView } | { phase: "unusable"; code: string };

// The browser's device id (the chat's): per-buyer limits and hold rate limits count a guest's holds by it, so buyers
// sharing an address (carrier NAT) are told apart.
const deviceHeader = (): Record<string, string> => {
  const id = chatDeviceId();
  return id ? { "x-device-id": id } : {};
};

const errorFrom = (err: unknown): { code: ClientErrorCode; key: MessageKey; limit?: number; details?: unknown } => {
  if (err instanceof ApiError) {
    const limit = (err.details as { limit?: number } | undefined)?.limit;
    return { code: err.code, key: ERROR_MESSAGES[err.code] ?? "common.error", limit, details: err.details };
  }
  if (err instanceof NetworkError) return { code: "network", key: "common.network" };
  return { code: "internal", key: "common.error" };
};

export function CheckoutSheet({ offer, onClose, account, saved, claimOrderId, claimToken, orderExtras }: Props) {
  const { t, locale, lang } = useOrderText();
  const ot = t;
  const now = useServerNow();
  const [form, setForm] = useState<Form>(EMPTY_FORM);
  const [fieldErrors, setFieldErrors] = useState<Partial<Record<Field, MessageKey>>>({});
  const [error, setError] = useState<{ key: MessageKey; code: ClientErrorCode; limit?: number } | null>(null);
  const [busy, setBusy] = useState(false);
  const [order, setOrder] = useState<OrderView | null>(null);
  const [accessToken, setAccessToken] = useState<string | undefined>(undefined);
  const [payments, setPayments] = useState<PaymentsConfig | null>(null);
  // Stripe's card field: loaded on demand (never with the page), mounted into cardMount while the form shows.
  const [cardState, setCardState] = useState<"loading" | "ready" | "failed">("loading");
  const [cardComplete, setCardComplete] = useState(false);
  const [payNotice, setPayNotice] = useState<{ key: OrderKey; orderId?: string; token?: string; detail?: string } | null>(null);
  const stripeCard = useRef<{ stripe: StripeJs; card: StripeCardElement } | null>(null);
  const cardMount = useRef<HTMLDivElement>(null);
  const [hold, setHold] = useState<HoldState>({ phase: "reserving" });
  // The hold being placed, so a Pay pressed meanwhile waits for it instead of failing.
  const pendingHold = useRef<Promise<OrderView | null> | null>(null);
  const heldOrder = useRef<OrderView | null>(null);
  // The held order's access token (X-Order-Token): every call about the hold proves it is ours with it. An auction
  // winner's hold has none here; their session proves it.
  const holdToken = useRef<string | undefined>(claimToken);
  const tokenHeader = (): Record<string, string> | undefined => (holdToken.current ? { "x-order-token": holdToken.current } : undefined);
  const dialogRef = useRef<HTMLDivElement>(null);

  const signedIn = Boolean(account);
  const oneTap = Boolean(account && saved?.address && saved.paymentMethod);
  const held = hold.phase === "held" ? hold.order : null;
  const availability = offerAvailability(offer, now);
  // Our own held units are not in `remaining` any more, so they count towards what we may choose.
  const maxQuantity = Math.max(1, Math.min(MAX_PER_ORDER, offer.remaining + (held?.quantity ?? 0), offer.perBuyerLimit ?? MAX_PER_ORDER));
  const quantity = Math.min(form.quantity, maxQuantity);
  const gross = offer.showPrice * quantity;
  const couponCode = orderExtras?.coupon;
  const [coupon, setCoupon] = useState<CouponState | null>(couponCode ? { phase: "checking" } : null);
  // The held order's total is the authority once there is one; before that, the coupon preview's.
  const preview = coupon?.phase === "ok" && coupon.preview.quantity === quantity ? coupon.preview : null;
  const total = held && held.quantity === quantity ? held.total : (preview?.total ?? gross);

  // A claimed coupon: its discount and the new total are asked for at once, without waiting for the hold.
  useEffect(() => {
    if (!couponCode) return;
    let cancelled = false;
    setCoupon((c) => (c?.phase === "ok" ? c : { phase: "checking" }));
    const q = new URLSearchParams({ code: couponCode, quantity: String(quantity) });
    api.get<{ preview: CouponPreviewView }>(`/api/offers/${encodeURIComponent(offer.id)}/coupon-preview?${q}`).then(
      (r) => !cancelled && setCoupon({ phase: "ok", preview: r.preview }),
      () => !cancelled && setCoupon({ phase: "unusable", code: couponCode }),
    );
    return () => {
      cancelled = true;
    };
  }, [offer.id, couponCode, quantity]);

  /** Pressing Buy reserves the units at once; the timer shows how long they stay ours. */
  const reserve = (q: number): Promise<OrderView | null> => {
    setHold({ phase: "reserving" });
    const p = api
      .post<{ order: OrderView; accessToken?: string }>("/api/orders", { offerId: offer.id, quantity: q, ...orderExtras }, { "idempotency-key": crypto.randomUUID(), ...deviceHeader() })
      .then(
        (r) => {
          heldOrder.current = r.order;
          holdToken.current = r.accessToken;
          setHold({ phase: "held", order: r.order });
          return r.order;
        },
        (err) => {
          heldOrder.current = null;
          const e = errorFrom(err);
          setHold({ phase: "failed", code: e.code, key: e.key, limit: e.limit });
          return null;
        },
      );
    pendingHold.current = p;
    return p;
  };

  const release = (o: OrderView | null) => {
    if (o && o.status === "pending_payment") void api.post(`/api/orders/${o.id}/cancel`, {}, tokenHeader()).catch(() => {});
  };

  /** A waitlist claim: the hold exists already (one unit, for the claim's time). */
  const loadClaim = (orderId: string) => {
    const p = api.get<{ order: OrderView }>(`/api/orders/${encodeURIComponent(orderId)}`, tokenHeader()).then(
      (r) => {
        if (r.order.status !== "pending_payment") {
          setHold({ phase: "expired" });
          return null;
        }
        heldOrder.current = r.order;
        setHold({ phase: "held", order: r.order });
        setForm((f) => ({ ...f, quantity: r.order.quantity, email: r.order.buyer.email || f.email }));
        return r.order;
      },
      (err) => {
        const e = errorFrom(err);
        setHold({ phase: "failed", code: e.code, key: e.key });
        return null;
      },
    );
    pendingHold.current = p;
  };

  useEffect(() => {
    if (claimOrderId) loadClaim(claimOrderId);
    else void reserve(form.quantity);
    // Leaving the page gives the units back at once instead of when the hold runs out.
    const onHide = () => {
      const o = heldOrder.current;
      if (o?.status === "pending_payment") {
        void fetch(`/api/orders/${o.id}/cancel`, { method: "POST", keepalive: true, headers: { "x-showcart-csrf": "1", "content-type": "application/json", ...tokenHeader() }, body: "{}" }).catch(() => {});
      }
    };
    addEventListener("pagehide", onHide);
    return () => removeEventListener("pagehide", onHide);
  }, []);

  /** Closing the sheet abandons the hold: the units go back on sale for everyone. */
  const close = () => {
    release(heldOrder.current);
    heldOrder.current = null;
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

  useEffect(() => {
    getPaymentsConfig().then(setPayments, () => setCardState("failed"));
  }, []);

  // With Stripe, the card field is Stripe's own iframe (the number never touches our page); it is set up when the
  // form shows a card field and taken down when the sheet closes or the order is done.
  const needsStripeCard = payments?.provider === "stripe" && !oneTap && !order;
  useEffect(() => {
    if (!needsStripeCard || !payments?.publishableKey) return;
    let cancelled = false;
    setCardState("loading");
    loadStripe(payments.publishableKey).then(
      (stripe) => {
        if (cancelled || !cardMount.current) return;
        const card = stripe.elements({ locale: lang }).create("card", { hidePostalCode: true });
        card.mount(cardMount.current);
        card.on("change", (e) => setCardComplete(e.complete));
        stripeCard.current = { stripe, card };
        setCardState("ready");
      },
      () => !cancelled && setCardState("failed"),
    );
    return () => {
      cancelled = true;
      stripeCard.current?.card.destroy();
      stripeCard.current = null;
    };
  }, [needsStripeCard, payments?.publishableKey]);

  const set = (k: keyof Form) => (e: Event) => {
    const el = e.currentTarget as HTMLInputElement | HTMLSelectElement;
    const value = k === "gift" ? (el as HTMLInputElement).checked : k === "quantity" ? Number(el.value) : el.value;
    setForm((f) => ({ ...f, [k]: value }));
  };

  const changeQuantity = async (e: Event) => {
    const q = Number((e.currentTarget as HTMLSelectElement).value);
    setForm((f) => ({ ...f, quantity: q }));
    if (held && held.quantity === q) return;
    // A new quantity is a new hold: give the old one back first so our own units count as available.
    await pendingHold.current;
    const old = heldOrder.current;
    heldOrder.current = null;
    if (old?.status === "pending_payment") await api.post(`/api/orders/${old.id}/cancel`, {}, tokenHeader()).catch(() => {});
    await reserve(q);
  };

  const onExpired = () => {
    // The server's sweeper ends the hold too; cancelling covers a clock that runs a little ahead of the server's.
    release(heldOrder.current);
    heldOrder.current = null;
    setHold({ phase: "expired" });
  };

  const submit = async (e: Event) => {
    e.preventDefault();
    if (busy) return;
    const useStripe = payments?.provider === "stripe" && !oneTap;
    const local = localErrors(form, oneTap, signedIn, !useStripe);
    setFieldErrors(local);
    if (Object.keys(local).length) {
      setError({ key: "checkout.invalid", code: "invalid_body" });
      // After the re-render, take the buyer to the first field that needs fixing.
      requestAnimationFrame(() => dialogRef.current?.querySelector<HTMLElement>("[aria-invalid=true]")?.focus());
      return;
    }
    if (useStripe && (!stripeCard.current || !cardComplete)) {
      setPayNotice({ key: stripeCard.current ? "checkout.cardIncomplete" : "checkout.cardUnavailable" });
      return;
    }
    setBusy(true);
    setError(null);
    setPayNotice(null);
    try {
      const target = heldOrder.current ?? (await pendingHold.current);
      if (!target) return;
      let payment: PayOrderBody["payment"];
      if (useStripe && stripeCard.current) {
        const { stripe, card } = stripeCard.current;
        const made = await stripe.createPaymentMethod({ type: "card", card, billing_details: { name: form.name.trim() || account?.displayName, email: form.email.trim() || account?.email } });
        if (!made.paymentMethod) {
          setPayNotice({ key: "checkout.cardIncomplete", detail: made.error?.message });
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
      heldOrder.current = null;
      setOrder(res.order);
      setAccessToken(res.accessToken);
    } catch (err) {
      if (err instanceof PaymentStepError) {
        // The hold stays: the buyer may try again (authentication failed) or wait for the bank (still pending).
        setPayNotice(err.code === "authentication_failed" ? { key: "checkout.authFailed", detail: err.message } : { key: "checkout.stillPending", orderId: err.answer?.order.id, token: err.answer?.accessToken });
        return;
      }
      const e = errorFrom(err);
      if (e.code === "hold_expired") onExpired();
      setError({ key: e.key, code: e.code, limit: e.limit });
      if (e.code === "invalid_body") setFieldErrors(serverFieldErrors(e.details));
    } finally {
      setBusy(false);
    }
  };

  const regionNames = new Intl.DisplayNames([locale], { type: "region" });
  const input = (
    field: Field,
    key: keyof Form,
    label: MessageKey,
    extra: Record<string, string | number | boolean> = {},
  ) => (
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
      <div
        class="sheet"
        role="dialog"
        aria-modal="true"
        aria-labelledby="checkout-title"
        ref={dialogRef}
        data-testid="checkout"
      >
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
              <dt>{offer.title}</dt>
              <dd>× {order.quantity}</dd>
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
            <div class="sheet-offer">
              <img src={offer.imageUrl} alt="" width={56} height={56} />
              <div>
                <strong>{offer.title}</strong>
                <span class="muted">{formatMoney(offer.showPrice, offer.currency, locale)}</span>
              </div>
              <label class="field field-qty">
                <span>{t("checkout.quantity")}</span>
                <select value={quantity} onChange={changeQuantity} disabled={busy || hold.phase === "reserving" || Boolean(claimOrderId)} data-testid="checkout-quantity">
                  {Array.from({ length: maxQuantity }, (_, i) => (
                    <option value={i + 1}>{i + 1}</option>
                  ))}
                </select>
              </label>
            </div>
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
            {!held && hold.phase !== "failed" && availability !== "available" && !error && (
              <p class="alert" role="alert" data-testid="checkout-error" data-code={availability}>
                {availability === "sold_out" ? t("checkout.soldOut") : t("checkout.notActive")}
              </p>
            )}
            {error && (
              <p class="alert" role="alert" data-testid="checkout-error" data-code={error.code}>
                {error.code === "limit_exceeded" ? t("checkout.limit", { n: error.limit ?? 0 }) : t(error.key)}
              </p>
            )}
            <button
              type="submit"
              class="btn btn-primary btn-block"
              disabled={busy || !canPay}
              data-testid="checkout-submit"
            >
              {busy ? t("checkout.paying") : t("checkout.pay", { amount: formatMoney(total, offer.currency, locale) })}
            </button>
          </form>
        )}
      </div>
    </div>
  );
}
