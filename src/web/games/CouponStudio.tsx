import { useState } from "preact/hooks";
import type { CouponView } from "../../protocol/api.js";
import { api } from "../platform/apiClient.js";
import { formatMoney, parsePriceToCents } from "../platform/money.js";
import { useStudioText } from "../shows/studioText.js";
import { useServerNow } from "../platform/useServerNow.js";
import { formatCountdown } from "../components/OfferCard.js";
import { Field, StudioCall, StudioNotice, useStudioGames } from "./StudioForm.js";

/** Studio: drop a coupon live (percent or fixed, valid for N minutes or the first M claims), watch claims, end it. */
export function CouponStudio({ showId }: { showId: string }) {
  const { t, locale } = useStudioText();
  const now = useServerNow(1000);
  const {
    list: coupons,
    busy,
    message,
    setMessage,
    act,
  } = useStudioGames<CouponView>(showId, "coupons", "coupons", { refreshMs: 5000, fallbackError: t("common.error") });
  const [code, setCode] = useState("");
  const [kind, setKind] = useState<"percent" | "fixed">("percent");
  const [value, setValue] = useState("10");
  const [minutes, setMinutes] = useState("10");
  const [maxClaims, setMaxClaims] = useState("");
  const drop = (e: Event) => {
    e.preventDefault();
    const amount = kind === "fixed" ? parsePriceToCents(value) : null;
    const percent = kind === "percent" ? Math.round(Number(value.replace(",", ".")) * 100) : null;
    if ((kind === "fixed" && !amount) || (kind === "percent" && !(percent && percent > 0 && percent <= 10_000)))
      return setMessage({ kind: "error", text: t("studio.couponBadValue") });
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

  const worth = (c: CouponView) =>
    c.kind === "percent" ? `${((c.percentBp ?? 0) / 100).toLocaleString(locale)} %` : formatMoney(c.amount ?? 0, c.currency, locale);

  return (
    <div class="coupon-studio" data-testid="coupon-studio">
      <form class="form-grid" onSubmit={drop}>
        <Field
          label={t("studio.couponCode")}
          value={code}
          maxLength={40}
          placeholder={t("studio.couponCodeAuto")}
          onValue={setCode}
          data-testid="coupon-code"
        />
        <label>
          {t("studio.couponKind")}
          <select value={kind} onChange={(e) => setKind((e.target as HTMLSelectElement).value as "percent" | "fixed")} data-testid="coupon-kind">
            <option value="percent">{t("studio.couponPercent")}</option>
            <option value="fixed">{t("studio.couponFixed")}</option>
          </select>
        </label>
        <Field
          label={kind === "percent" ? t("studio.couponPercentValue") : t("studio.couponFixedValue")}
          value={value}
          inputMode="decimal"
          onValue={setValue}
          data-testid="coupon-value"
        />
        <Field label={t("studio.couponMinutes")} value={minutes} inputMode="numeric" onValue={setMinutes} data-testid="coupon-minutes" />
        <Field
          label={t("studio.couponMaxClaims")}
          value={maxClaims}
          inputMode="numeric"
          placeholder="∞"
          onValue={setMaxClaims}
          data-testid="coupon-max-claims"
        />
        <button type="submit" class="btn btn-primary" disabled={busy} data-testid="coupon-drop">
          {t("studio.couponDrop")}
        </button>
      </form>
      <StudioNotice message={message} />
      {coupons.length === 0 ? (
        <p class="muted">{t("studio.couponNone")}</p>
      ) : (
        <ul class="list">
          {coupons.map((c) => {
            const left = new Date(c.expiresAt).getTime() - now;
            return (
              <li key={c.id} data-testid="studio-coupon">
                <strong>{c.code}</strong> · {worth(c)} · {t(`studio.couponStatus.${c.status}`)} ·{" "}
                {t("studio.couponClaims", { n: c.claims, max: c.maxClaims ?? "∞" })}
                {c.status === "active" && left > 0 && <> · {formatCountdown(left)}</>}
                {c.status === "active" && (
                  <StudioCall busy={busy} onCall={() => act(() => api.post(`/api/studio/coupons/${encodeURIComponent(c.id)}/end`))}>
                    {t("studio.couponEnd")}
                  </StudioCall>
                )}
              </li>
            );
          })}
        </ul>
      )}
    </div>
  );
}
