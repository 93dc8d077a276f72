import { useEffect, useState } from "preact/hooks";
import type { CouponView } from "../../protocol/api.js";
import { ApiError, api } from "../apiClient.js";
import { formatMoney, parsePriceToCents } from "../money.js";
import { useStudioText } from "../studioText.js";
import { useServerNow } from "../useServerNow.js";
import { formatCountdown } from "./OfferCard.js";

/** Studio: drop a coupon live (percent or fixed, valid for N minutes or the first M claims), watch claims, end it. */
export function CouponStudio({ showId }: { showId: string }) {
  const { t, locale } = useStudioText();
  const now = useServerNow(1000);
  const [coupons, setCoupons] = useState<CouponView[]>([]);
  const [code, setCode] = useState("");
  const [kind, setKind] = useState<"percent" | "fixed">("percent");
  const [value, setValue] = useState("10");
  const [minutes, setMinutes] = useState("10");
  const [maxClaims, setMaxClaims] = useState("");
  const [message, setMessage] = useState<{ kind: "ok" | "error"; text: string } | null>(null);
  const [busy, setBusy] = useState(false);

  const load = () =>
    api.get<{ coupons: CouponView[] }>(`/api/studio/shows/${encodeURIComponent(showId)}/coupons`).then(
      (r) => setCoupons(r.coupons),
      () => {},
    );
  useEffect(() => {
    void load();
    const poll = setInterval(load, 5000);
    return () => clearInterval(poll);
  }, [showId]);

  const act = async (fn: () => Promise<unknown>, ok?: string) => {
    setBusy(true);
    setMessage(null);
    try {
      await fn();
      if (ok) setMessage({ kind: "ok", text: ok });
      await load();
    } catch (err) {
      setMessage({ kind: "error", text: err instanceof ApiError ? err.message : t("common.error") });
    } finally {
      setBusy(false);
    }
  };

  const drop = (e: Event) => {
    e.preventDefault();
    const amount = kind === "fixed" ? parsePriceToCents(value) : null;
    const percent = kind === "percent" ? Math.round(Number(value.replace(",", ".")) * 100) : null;
    if ((kind === "fixed" && !amount) || (kind === "percent" && !(percent && percent > 0 && percent <= 10_000))) return setMessage({ kind: "error", text: t("studio.couponBadValue") });
    void act(
      () =>
        api.post(
          `/api/studio/shows/${encodeURIComponent(showId)}/coupons`,
          {
            ...(code.trim() ? { code: code.trim() } : {}),
            ...(kind === "percent" ? { percentBp: percent } : { amount }),
            minutes: Number(minutes),
            ...(maxClaims.trim() ? { maxClaims: Number(maxClaims) } : {}),
          },
          { "idempotency-key": crypto.randomUUID() },
        ),
      t("studio.couponDropped"),
    );
  };

  const worth = (c: CouponView) => (c.kind === "percent" ? `${((c.percentBp ?? 0) / 100).toLocaleString(locale)} %` : formatMoney(c.amount ?? 0, c.currency, locale));

  return (
    <div class="coupon-studio" data-testid="coupon-studio">
      <form class="form-grid" onSubmit={drop}>
        <label>
          {t("studio.couponCode")}
          <input value={code} maxLength={40} placeholder={t("studio.couponCodeAuto")} onInput={(e) => setCode((e.target as HTMLInputElement).value)} data-testid="coupon-code" />
        </label>
        <label>
          {t("studio.couponKind")}
          <select value={kind} onChange={(e) => setKind((e.target as HTMLSelectElement).value as "percent" | "fixed")} data-testid="coupon-kind">
            <option value="percent">{t("studio.couponPercent")}</option>
            <option value="fixed">{t("studio.couponFixed")}</option>
          </select>
        </label>
        <label>
          {kind === "percent" ? t("studio.couponPercentValue") : t("studio.couponFixedValue")}
          <input value={value} inputMode="decimal" onInput={(e) => setValue((e.target as HTMLInputElement).value)} data-testid="coupon-value" />
        </label>
        <label>
          {t("studio.couponMinutes")}
          <input value={minutes} inputMode="numeric" onInput={(e) => setMinutes((e.target as HTMLInputElement).value)} data-testid="coupon-minutes" />
        </label>
        <label>
          {t("studio.couponMaxClaims")}
          <input value={maxClaims} inputMode="numeric" placeholder="∞" onInput={(e) => setMaxClaims((e.target as HTMLInputElement).value)} data-testid="coupon-max-claims" />
        </label>
        <button type="submit" class="btn btn-primary" disabled={busy} data-testid="coupon-drop">
          {t("studio.couponDrop")}
        </button>
      </form>
      {message && <p class={message.kind === "ok" ? "notice" : "error"}>{message.text}</p>}
      {coupons.length === 0 ? (
        <p class="muted">{t("studio.couponNone")}</p>
      ) : (
        <ul class="list">
          {coupons.map((c) => {
            const left = new Date(c.expiresAt).getTime() - now;
            return (
              <li key={c.id} data-testid="studio-coupon">
                <strong>{c.code}</strong> · {worth(c)} · {t(`studio.couponStatus.${c.status}`)} · {t("studio.couponClaims", { n: c.claims, max: c.maxClaims ?? "∞" })}
                {c.status === "active" && left > 0 && <> · {formatCountdown(left)}</>}
                {c.status === "active" && (
                  <button type="button" class="btn btn-small" disabled={busy} onClick={() => void act(() => api.post(`/api/studio/coupons/${encodeURIComponent(c.id)}/end`))}>
                    {t("studio.couponEnd")}
                  </button>
                )}
              </li>
            );
          })}
        </ul>
      )}
    </div>
  );
}
