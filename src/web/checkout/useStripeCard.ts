import { useEffect, useRef, useState } from "preact/hooks";
import { api } from "../platform/apiClient.js";
import type { Lang } from "../i18n/lang.js";
import { type PaymentsConfig, type StripeCardElement, type StripeJs, loadStripe } from "./checkoutPayment.js";

// Asked once per page: which provider takes the card (the built-in test one, or Stripe with its publishable key).
let paymentsConfig: Promise<PaymentsConfig> | null = null;
function getPaymentsConfig(): Promise<PaymentsConfig> {
  paymentsConfig ??= api.get<PaymentsConfig>("/api/payments/config").catch((err) => {
    paymentsConfig = null;
    throw err;
  });
  return paymentsConfig;
}

/**
 * The payment provider, and with Stripe its card field: Stripe's own iframe (the number never touches our page),
 * loaded on demand (never with the page), mounted into `cardMount` while the form shows a card field and taken down
 * when the sheet closes or the order is done (`wanted` false).
 */
export function useStripeCard(lang: Lang, wanted: boolean) {
  const [payments, setPayments] = useState<PaymentsConfig | null>(null);
  const [cardState, setCardState] = useState<"loading" | "ready" | "failed">("loading");
  const [cardComplete, setCardComplete] = useState(false);
  const stripeCard = useRef<{ stripe: StripeJs; card: StripeCardElement } | null>(null);
  const cardMount = useRef<HTMLDivElement>(null);

  useEffect(() => {
    getPaymentsConfig().then(setPayments, () => setCardState("failed"));
  }, []);

  const needsStripeCard = payments?.provider === "stripe" && wanted;
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

  return { payments, cardState, cardComplete, stripeCard, cardMount };
}
