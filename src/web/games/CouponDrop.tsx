import { useState } from "preact/hooks";
import type { CouponClaimView, CouponView } from "../../protocol/api.js";
import type { ServerEvents } from "../../protocol/realtime.js";
import { api } from "../platform/apiClient.js";
import { formatMoney } from "../platform/money.js";
import { useServerNow } from "../platform/useServerNow.js";
import { adoptCss } from "../platform/adoptCss.js";
import { useMysteryText } from "./MysteryText.js";
import { formatCountdown } from "../components/OfferCard.js";
import { type GamePanelProps, putFirst, refusalKey, signInHref, usePanelAction, useQuietLoad, useRoomEvents } from "./viewerPanel.js";

adoptCss(`
.coupon{display:flex;flex-wrap:wrap;align-items:center;gap:.5rem;border:2px dashed #e8590c;border-radius:10px;padding:.6rem .8rem;background:#fff4e6;animation:coupon-drop .5s cubic-bezier(.2,.8,.2,1)}
.coupon-code{font:600 1.1rem ui-monospace,monospace;letter-spacing:.08em}
.coupon-worth{font-weight:700;color:#d9480f}
.coupon-small{font-size:.8rem;opacity:.75;flex-basis:100%}
@keyframes coupon-drop{0%{transform:translateY(-40%) rotate(-4deg);opacity:0}100%{transform:none;opacity:1}}
@media (prefers-reduced-motion:reduce){.coupon{animation:none}}
`);

interface Props extends GamePanelProps {
  /** The claimed code, to apply at checkout. */
  onClaimed(code: string | null): void;
  /** Changes when a checkout closes: the claim may have been used (or freed again). */
  refreshKey: number;
}

/** Viewer: the host's dropped coupons, claimed with one tap (signed in); a claimed code is applied at checkout. */
export function CouponPanel({ showId, account, subscribe, onClaimed, refreshKey }: Props) {
  const { t, locale } = useMysteryText();
  const now = useServerNow(500);
  const [coupons, setCoupons] = useState<CouponView[]>([]);
  const [claimed, setClaimed] = useState<Set<string>>(new Set());
  const { busy, message, run } = usePanelAction();

  useQuietLoad(() => api.get<{ coupons: CouponView[] }>(`/api/shows/${encodeURIComponent(showId)}/coupons`).then((r) => setCoupons(r.coupons)), [showId]);
  useQuietLoad(async () => {
    if (!account) return setClaimed(new Set());
    const r = await api.get<{ claims: CouponClaimView[] }>(`/api/shows/${encodeURIComponent(showId)}/coupons/mine`);
    const usable = r.claims.filter((c) => !c.orderId && c.coupon.status !== "ended");
    setClaimed(new Set(usable.map((c) => c.coupon.id)));
    onClaimed(usable[0]?.coupon.code ?? null);
  }, [showId, account?.id, refreshKey]);
  useRoomEvents(subscribe, (ev) => {
    if (ev.t === "coupon.dropped") {
      const { coupon } = ev.d as ServerEvents["coupon.dropped"];
      setCoupons((cs) => putFirst(cs, coupon));
    } else if (ev.t === "coupon.claimed") {
      const d = ev.d as ServerEvents["coupon.claimed"];
      setCoupons((cs) => cs.map((c) => (c.id === d.couponId ? { ...c, claims: Math.max(c.claims, d.claims) } : c)));
    } else if (ev.t === "coupon.ended") {
      const d = ev.d as ServerEvents["coupon.ended"];
      setCoupons((cs) => cs.filter((c) => c.id !== d.couponId));
    }
  });

  const live = coupons.filter((c) => new Date(c.expiresAt).getTime() > now && (c.maxClaims === null || c.claims < c.maxClaims || claimed.has(c.id)));
  if (live.length === 0) return null;

  const claim = (c: CouponView) =>
    run(
      async () => {
        await api.post(`/api/shows/${encodeURIComponent(showId)}/coupons/claim`, { code: c.code }, { "idempotency-key": crypto.randomUUID() });
        setClaimed((s) => new Set(s).add(c.id));
        onClaimed(c.code);
        return undefined;
      },
      (err) => t(refusalKey("coupon", err, ["coupon_expired", "coupon_exhausted", "coupon_already_used", "coupon_invalid"])),
    );

  return (
    <section class="panel" data-testid="coupon-panel">
      {live.map((c) => {
        const worth = c.kind === "percent" ? `${((c.percentBp ?? 0) / 100).toLocaleString(locale)} %` : formatMoney(c.amount ?? 0, c.currency, locale);
        return (
          <div class="coupon" key={c.id} data-testid="coupon">
            <span class="coupon-code">{c.code}</span>
            <span class="coupon-worth">{t("coupon.off", { value: worth })}</span>
            {claimed.has(c.id) ? (
              <span data-testid="coupon-claimed">✓ {t("coupon.claimed")}</span>
            ) : account ? (
              <button type="button" class="btn btn-primary btn-small" disabled={busy} onClick={() => void claim(c)} data-testid="coupon-claim">
                {t("coupon.claim")}
              </button>
            ) : (
              <a class="btn btn-small" href={signInHref()}>
                {t("coupon.signIn")}
              </a>
            )}
            <span class="coupon-small">
              {t("coupon.endsIn", { time: formatCountdown(new Date(c.expiresAt).getTime() - now) })}
              {c.maxClaims !== null && <> · {t("coupon.left", { n: Math.max(0, c.maxClaims - c.claims) })}</>}
            </span>
          </div>
        );
      })}
      {message && <p class="error">{message.text}</p>}
    </section>
  );
}
