import type { OrderView, PayOrderBody } from "../../protocol/api.js";
import type { ClientErrorCode } from "../platform/apiClient.js";
import type { MessageKey } from "../i18n/coreText.js";
import type { OrderKey } from "../orders/orderText.js";

// Every string of the sheet: the order texts (loaded with this chunk) and the shared ones.
export type CheckoutMessageKey = OrderKey | MessageKey;

const TEST_CARD = "4242 4242 4242 4242";

export type Field =
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

export interface Form {
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

export const EMPTY_FORM: Form = {
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
export function payBodyFor(f: Form, oneTap: boolean, signedIn: boolean, payment: PayOrderBody["payment"]): PayOrderBody {
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
export function localErrors(f: Form, oneTap: boolean, signedIn: boolean, testCard: boolean): Partial<Record<Field, CheckoutMessageKey>> {
  const errors: Partial<Record<Field, CheckoutMessageKey>> = {};
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

export function serverFieldErrors(details: unknown): Partial<Record<Field, CheckoutMessageKey>> {
  const errors: Partial<Record<Field, CheckoutMessageKey>> = {};
  if (!Array.isArray(details)) return errors;
  for (const issue of details as { path?: unknown }[]) {
    const path = Array.isArray(issue?.path) ? issue.path.join(".") : typeof issue?.path === "string" ? issue.path : "";
    // The buyer's name doubles as the shipping name (unless it is a gift), so report both on the one input.
    const field = (path === "shipping.name" ? "buyer.name" : path) as Field;
    errors[field] = "field.invalid";
  }
  return errors;
}

export interface PayNotice {
  key: OrderKey;
  orderId?: string;
  token?: string;
  detail?: string;
}

/** What the form shows besides the hold: what was typed, what is wrong with it, and how paying went. */
export interface CheckoutState {
  form: Form;
  fieldErrors: Partial<Record<Field, CheckoutMessageKey>>;
  error: { key: CheckoutMessageKey; code: ClientErrorCode; limit?: number } | null;
  busy: boolean;
  order: OrderView | null;
  accessToken: string | undefined;
  payNotice: PayNotice | null;
}

export type CheckoutAction =
  | { type: "typed"; patch: Partial<Form> }
  | { type: "claimLoaded"; order: OrderView }
  | { type: "checked"; fieldErrors: Partial<Record<Field, CheckoutMessageKey>> }
  | { type: "notice"; notice: PayNotice }
  | { type: "paying" }
  | { type: "paid"; order: OrderView; accessToken: string | undefined }
  | { type: "failed"; error: NonNullable<CheckoutState["error"]>; fieldErrors?: CheckoutState["fieldErrors"] }
  | { type: "settled" };

export const initialCheckout: CheckoutState = {
  form: EMPTY_FORM,
  fieldErrors: {},
  error: null,
  busy: false,
  order: null,
  accessToken: undefined,
  payNotice: null,
};

export function checkoutReducer(state: CheckoutState, action: CheckoutAction): CheckoutState {
  switch (action.type) {
    case "typed":
      return { ...state, form: { ...state.form, ...action.patch } };
    case "claimLoaded":
      // A waitlist claim's hold fixes the quantity; its email fills the field unless the buyer typed one.
      return { ...state, form: { ...state.form, quantity: action.order.quantity, email: action.order.buyer.email || state.form.email } };
    case "checked":
      // The local checks ran before paying: their findings replace the last ones; any finding stops the payment.
      return Object.keys(action.fieldErrors).length
        ? { ...state, fieldErrors: action.fieldErrors, error: { key: "checkout.invalid", code: "invalid_body" } }
        : { ...state, fieldErrors: action.fieldErrors };
    case "notice":
      return { ...state, payNotice: action.notice };
    case "paying":
      return { ...state, busy: true, error: null, payNotice: null };
    case "paid":
      return { ...state, order: action.order, accessToken: action.accessToken };
    case "failed":
      return { ...state, error: action.error, fieldErrors: action.fieldErrors ?? state.fieldErrors };
    case "settled":
      return { ...state, busy: false };
  }
}
