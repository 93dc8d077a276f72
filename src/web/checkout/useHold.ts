import { useEffect, useRef, useState } from "preact/hooks";
import type { OfferView, OrderView, TrafficSource } from "../../protocol/api.js";
import { ApiError, type ClientErrorCode, NetworkError, api } from "../platform/apiClient.js";
import { chatDeviceId } from "../chat/ChatPanel.js";
import { getLang } from "../i18n/lang.js";
import type { CheckoutMessageKey } from "./checkoutState.js";

export type HoldState =
  | { phase: "reserving" }
  | { phase: "held"; order: OrderView }
  | { phase: "failed"; code: ClientErrorCode; key: CheckoutMessageKey; limit?: number }
  | { phase: "expired" };

interface HoldOptions {
  offer: OfferView;
  /** Sent with the order: a claimed coupon code, the 18+ confirmation for a mystery offer. */
  orderExtras?: { coupon?: string; ageConfirmed?: true; source?: TrafficSource };
  /** A waitlist claim: the units are already held for this order (one unit, for the claim's time). */
  claimOrderId?: string;
  claimToken?: string;
  /** A bag: these lines are held as one order (POST /api/orders/bag) instead of `offer` alone. */
  lines?: readonly { offerId: string; quantity: number }[];
  initialQuantity: number;
  onClaimLoaded(order: OrderView): void;
}

const ERROR_MESSAGES: Partial<Record<ClientErrorCode, CheckoutMessageKey>> = {
  sold_out: "checkout.soldOut",
  offer_not_active: "checkout.notActive",
  offer_not_pinned: "checkout.notPinned",
  idempotency_mismatch: "checkout.mismatch",
  invalid_body: "checkout.invalid",
  hold_expired: "hold.expired",
  limit_exceeded: "checkout.limit",
};

export const errorFrom = (err: unknown): { code: ClientErrorCode; key: CheckoutMessageKey; limit?: number; details?: unknown } => {
  if (err instanceof ApiError) {
    const limit = (err.details as { limit?: number } | undefined)?.limit;
    return { code: err.code, key: ERROR_MESSAGES[err.code] ?? "common.error", limit, details: err.details };
  }
  if (err instanceof NetworkError) return { code: "network", key: "common.network" };
  return { code: "internal", key: "common.error" };
};

// The browser's device id (the chat's): per-buyer limits and hold rate limits count a guest's holds by it, so buyers
// sharing an address (carrier NAT) are told apart.
const deviceHeader = (): Record<string, string> => {
  const id = chatDeviceId();
  return id ? { "x-device-id": id } : {};
};

/**
 * The units held for this sheet: reserved when it opens (or the waitlist claim's hold loaded), placed again for a new
 * quantity, given back when the sheet closes, the page is left or the timer runs out.
 */
export function useHold({ offer, orderExtras, claimOrderId, claimToken, lines, initialQuantity, onClaimLoaded }: HoldOptions) {
  const [hold, setHold] = useState<HoldState>({ phase: "reserving" });
  // The hold being placed, so a Pay pressed meanwhile waits for it instead of failing.
  const pendingHold = useRef<Promise<OrderView | null> | null>(null);
  const heldOrder = useRef<OrderView | null>(null);
  // The held order's access token (X-Order-Token): every call about the hold proves it is ours with it. An auction
  // winner's hold has none here; their session proves it.
  const holdToken = useRef<string | undefined>(claimToken);
  const tokenHeader = (): Record<string, string> | undefined => (holdToken.current ? { "x-order-token": holdToken.current } : undefined);

  /** Pressing Buy reserves the units at once; the timer shows how long they stay ours. */
  const reserve = (q: number): Promise<OrderView | null> => {
    setHold({ phase: "reserving" });
    // The page's language goes with the order: its emails are written in it.
    const lang = getLang();
    // A bag takes no coupon or age check (its lines say so at the server), but where it was bought from counts.
    const [path, body] = lines
      ? ["/api/orders/bag", { lines, lang, ...(orderExtras?.source ? { source: orderExtras.source } : {}) }]
      : ["/api/orders", { offerId: offer.id, quantity: q, ...orderExtras, lang }];
    const p = api.post<{ order: OrderView; accessToken?: string }>(path, body, { "idempotency-key": crypto.randomUUID(), ...deviceHeader() }).then(
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

  const loadClaim = (orderId: string) => {
    const p = api.get<{ order: OrderView }>(`/api/orders/${encodeURIComponent(orderId)}`, tokenHeader()).then(
      (r) => {
        if (r.order.status !== "pending_payment") {
          setHold({ phase: "expired" });
          return null;
        }
        heldOrder.current = r.order;
        setHold({ phase: "held", order: r.order });
        onClaimLoaded(r.order);
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
    else void reserve(initialQuantity);
    // Leaving the page gives the units back at once instead of when the hold runs out.
    const onHide = () => {
      const o = heldOrder.current;
      if (o?.status === "pending_payment") {
        void fetch(`/api/orders/${o.id}/cancel`, {
          method: "POST",
          keepalive: true,
          headers: { "x-showcart-csrf": "1", "content-type": "application/json", ...tokenHeader() },
          body: "{}",
        }).catch(() => {});
      }
    };
    addEventListener("pagehide", onHide);
    return () => removeEventListener("pagehide", onHide);
  }, []);

  return {
    hold,
    held: hold.phase === "held" ? hold.order : null,
    tokenHeader,
    reserve,
    /** A new quantity is a new hold: give the old one back first so our own units count as available. */
    async changeQuantity(q: number) {
      if (hold.phase === "held" && hold.order.quantity === q) return;
      await pendingHold.current;
      const old = heldOrder.current;
      heldOrder.current = null;
      if (old?.status === "pending_payment") await api.post(`/api/orders/${old.id}/cancel`, {}, tokenHeader()).catch(() => {});
      await reserve(q);
    },
    /** Closing the sheet abandons the hold: the units go back on sale for everyone. */
    abandon() {
      release(heldOrder.current);
      heldOrder.current = null;
    },
    expire() {
      // The server's sweeper ends the hold too; cancelling covers a clock that runs a little ahead of the server's.
      release(heldOrder.current);
      heldOrder.current = null;
      setHold({ phase: "expired" });
    },
    /** The order to pay: the held one, or the one still being placed. */
    orderToPay: async (): Promise<OrderView | null> => heldOrder.current ?? (await pendingHold.current),
    /** Paid: nothing to give back any more. */
    paid() {
      heldOrder.current = null;
    },
  };
}
