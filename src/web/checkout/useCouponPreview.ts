import { useEffect, useState } from "preact/hooks";
import type { CouponPreviewView } from "../../protocol/api.js";
import { api } from "../platform/apiClient.js";

export type CouponState = { phase: "checking" } | { phase: "ok"; preview: CouponPreviewView } | { phase: "unusable"; code: string };

/** A claimed coupon: its discount and the new total are asked for at once, without waiting for the hold. */
export function useCouponPreview(offerId: string, couponCode: string | undefined, quantity: number): CouponState | null {
  const [coupon, setCoupon] = useState<CouponState | null>(couponCode ? { phase: "checking" } : null);
  useEffect(() => {
    if (!couponCode) return;
    let cancelled = false;
    setCoupon((c) => (c?.phase === "ok" ? c : { phase: "checking" }));
    const q = new URLSearchParams({ code: couponCode, quantity: String(quantity) });
    api.get<{ preview: CouponPreviewView }>(`/api/offers/${encodeURIComponent(offerId)}/coupon-preview?${q}`).then(
      (r) => !cancelled && setCoupon({ phase: "ok", preview: r.preview }),
      () => !cancelled && setCoupon({ phase: "unusable", code: couponCode }),
    );
    return () => {
      cancelled = true;
    };
  }, [offerId, couponCode, quantity]);
  return coupon;
}
