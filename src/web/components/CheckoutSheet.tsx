import { useEffect, useRef, useState } from "preact/hooks";
import type { CreateOrderBody, OfferView, OrderView } from "../../protocol/api.js";
import { ApiError, NetworkError, api } from "../apiClient.js";
import { type MessageKey, useI18n } from "../i18n.js";
import { formatMoney } from "../money.js";
import { useServerNow } from "../useServerNow.js";
import { offerAvailability } from "./OfferCard.js";

interface Props {
  /** The live offer (kept up to date by the page), so stock and end are reflected while the sheet is open. */
  offer: OfferView;
  onClose(): void;
}

const COUNTRIES = ["DE", "AT", "CH", "NL", "BE", "LU", "FR", "DK", "PL", "CZ"];
const MAX_PER_ORDER = 10;
const TEST_CARD = "4242 4242 4242 4242";

type Field =
  | "quantity"
  | "buyer.name"
  | "buyer.email"
  | "shipping.line1"
  | "shipping.line2"
  | "shipping.postalCode"
  | "shipping.city"
  | "shipping.country"
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
};

function bodyFor(offer: OfferView, f: Form): CreateOrderBody {
  return {
    offerId: offer.id,
    quantity: f.quantity,
    buyer: { name: f.name.trim(), email: f.email.trim() },
    shipping: {
      name: f.name.trim(),
      line1: f.line1.trim(),
      ...(f.line2.trim() ? { line2: f.line2.trim() } : {}),
      postalCode: f.postalCode.trim(),
      city: f.city.trim(),
      country: f.country,
    },
    payment: { method: "test_card", number: f.card.trim() },
  };
}

// Checks the browser can do without a round trip; the server's zod schema stays the authority.
function localErrors(f: Form): Partial<Record<Field, MessageKey>> {
  const errors: Partial<Record<Field, MessageKey>> = {};
  if (!f.name.trim()) errors["buyer.name"] = "field.required";
  if (!f.email.trim()) errors["buyer.email"] = "field.required";
  else if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(f.email.trim())) errors["buyer.email"] = "field.invalid";
  if (!f.line1.trim()) errors["shipping.line1"] = "field.required";
  if (!f.postalCode.trim()) errors["shipping.postalCode"] = "field.required";
  if (!f.city.trim()) errors["shipping.city"] = "field.required";
  if (!/^[0-9 ]{12,23}$/.test(f.card.trim())) errors["payment.number"] = "field.invalid";
  return errors;
}

function serverFieldErrors(details: unknown): Partial<Record<Field, MessageKey>> {
  const errors: Partial<Record<Field, MessageKey>> = {};
  if (!Array.isArray(details)) return errors;
  for (const issue of details as { path?: unknown[] }[]) {
    const path = Array.isArray(issue?.path) ? issue.path.join(".") : "";
    // The buyer's name doubles as the shipping name, so report both on the one input.
    const field = (path === "shipping.name" ? "buyer.name" : path) as Field;
    errors[field] = "field.invalid";
  }
  return errors;
}

const ERROR_MESSAGES: Record<string, MessageKey> = {
  payment_declined: "checkout.declined",
  sold_out: "checkout.soldOut",
  offer_not_active: "checkout.notActive",
  offer_expired: "checkout.notActive",
  idempotency_mismatch: "checkout.mismatch",
  invalid_body: "checkout.invalid",
};

export function CheckoutSheet({ offer, onClose }: Props) {
  const { t, locale } = useI18n();
  const now = useServerNow();
  const [form, setForm] = useState<Form>(EMPTY_FORM);
  const [fieldErrors, setFieldErrors] = useState<Partial<Record<Field, MessageKey>>>({});
  const [error, setError] = useState<{ key: MessageKey; code: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const [order, setOrder] = useState<OrderView | null>(null);
  // One key per checkout attempt: a retry of the very same body reuses it, so a lost response never charges twice.
  const attempt = useRef<{ key: string; body: string } | null>(null);
  const dialogRef = useRef<HTMLDivElement>(null);

  const availability = offerAvailability(offer, now);
  const maxQuantity = Math.max(1, Math.min(MAX_PER_ORDER, offer.remaining));
  const quantity = Math.min(form.quantity, maxQuantity);
  const total = offer.showPrice * quantity;

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => e.key === "Escape" && !busy && onClose();
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, [busy, onClose]);

  useEffect(() => {
    document.body.classList.add("has-sheet");
    dialogRef.current?.querySelector<HTMLInputElement>("fieldset input")?.focus();
    return () => document.body.classList.remove("has-sheet");
  }, []);

  const set = (k: keyof Form) => (e: Event) => {
    const el = e.currentTarget as HTMLInputElement | HTMLSelectElement;
    setForm((f) => ({ ...f, [k]: k === "quantity" ? Number(el.value) : el.value }));
  };

  const submit = async (e: Event) => {
    e.preventDefault();
    if (busy) return;
    const local = localErrors(form);
    setFieldErrors(local);
    if (Object.keys(local).length) {
      setError({ key: "checkout.invalid", code: "invalid_body" });
      // After the re-render, take the buyer to the first field that needs fixing.
      requestAnimationFrame(() => dialogRef.current?.querySelector<HTMLElement>("[aria-invalid=true]")?.focus());
      return;
    }
    const body = bodyFor(offer, { ...form, quantity });
    const json = JSON.stringify(body);
    if (!attempt.current || attempt.current.body !== json) attempt.current = { key: crypto.randomUUID(), body: json };
    setBusy(true);
    setError(null);
    try {
      const res = await api.post<{ order: OrderView }>("/api/orders", body, {
        "idempotency-key": attempt.current.key,
      });
      if (res.order.status === "payment_failed") setError({ key: "checkout.declined", code: "payment_declined" });
      else setOrder(res.order);
    } catch (err) {
      if (err instanceof ApiError) {
        setError({ key: ERROR_MESSAGES[err.code] ?? "common.error", code: err.code });
        if (err.code === "invalid_body") setFieldErrors(serverFieldErrors(err.details));
      } else if (err instanceof NetworkError) {
        setError({ key: "common.network", code: "network" });
      } else {
        setError({ key: "common.error", code: "internal" });
      }
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

  return (
    <div class="sheet-backdrop" onClick={(e) => e.target === e.currentTarget && !busy && onClose()}>
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
          <button type="button" class="icon-btn" onClick={onClose} disabled={busy} aria-label={t("common.close")}>
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
            </dl>
            <p class="muted">{t("checkout.emailNote", { email: order.buyer.email })}</p>
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
                <select value={quantity} onChange={set("quantity")} data-testid="checkout-quantity">
                  {Array.from({ length: maxQuantity }, (_, i) => (
                    <option value={i + 1}>{i + 1}</option>
                  ))}
                </select>
              </label>
            </div>
            <fieldset>
              <legend>{t("checkout.buyer")}</legend>
              {input("buyer.name", "name", "checkout.name", { autoComplete: "name", required: true })}
              {input("buyer.email", "email", "checkout.email", { type: "email", autoComplete: "email", required: true })}
            </fieldset>
            <fieldset>
              <legend>{t("checkout.shipping")}</legend>
              {input("shipping.line1", "line1", "checkout.line1", { autoComplete: "address-line1", required: true })}
              {input("shipping.line2", "line2", "checkout.line2", { autoComplete: "address-line2" })}
              <div class="field-row">
                {input("shipping.postalCode", "postalCode", "checkout.postalCode", {
                  autoComplete: "postal-code",
                  required: true,
                  inputMode: "numeric",
                })}
                {input("shipping.city", "city", "checkout.city", { autoComplete: "address-level2", required: true })}
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
            {availability !== "available" && !error && (
              <p class="alert" role="alert" data-testid="checkout-error" data-code={availability}>
                {availability === "sold_out" ? t("checkout.soldOut") : t("checkout.notActive")}
              </p>
            )}
            {error && (
              <p class="alert" role="alert" data-testid="checkout-error" data-code={error.code}>
                {t(error.key)}
              </p>
            )}
            <button
              type="submit"
              class="btn btn-primary btn-block"
              disabled={busy || availability !== "available"}
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
