import { useEffect, useState } from "preact/hooks";
import type { MysteryPoolView, ProductView } from "../../protocol/api.js";
import { api } from "../platform/apiClient.js";
import { parsePriceToCents } from "../platform/money.js";
import { useStudioText } from "../shows/studioText.js";
import { Field, ProductOptions, StudioCall, StudioNotice, useStudioGames } from "./StudioForm.js";

interface Row {
  productId: string;
  odds: string;
  quantity: string;
}

/** Odds typed as percent with up to two decimals → basis points (null when not a number). */
function toBp(percent: string): number | null {
  const n = Number(percent.replace(",", "."));
  return Number.isFinite(n) && n > 0 ? Math.round(n * 100) : null;
}

/** Studio: build a mystery pool (items, odds that must sum to 100 %, units each), sell it, close it (reveals the seed). */
export function MysteryStudio({ showId, products }: { showId: string; products: ProductView[] }) {
  const { t, locale } = useStudioText();
  const {
    list: pools,
    busy,
    message,
    setMessage,
    act,
  } = useStudioGames<MysteryPoolView>(showId, "mystery", "pools", { refreshMs: 5000, fallbackError: t("common.error") });
  const [title, setTitle] = useState("");
  const [price, setPrice] = useState("9.99");
  const [duration, setDuration] = useState("600");
  const [rows, setRows] = useState<Row[]>(() => products.slice(0, 2).map((p, i) => ({ productId: p.id, odds: i === 0 ? "20" : "80", quantity: "10" })));
  const [adultOnly, setAdultOnly] = useState(false);

  useEffect(() => {
    api.get<{ settings: { adultOnly: boolean } }>(`/api/studio/shows/${encodeURIComponent(showId)}/mystery-settings`).then(
      (r) => setAdultOnly(r.settings.adultOnly),
      () => {},
    );
  }, [showId]);

  const bps = rows.map((r) => toBp(r.odds));
  const sum = bps.reduce<number>((s, b) => s + (b ?? 0), 0);
  const sumOk = sum === 10_000 && bps.every((b) => b !== null);
  const setRow = (i: number, patch: Partial<Row>) => setRows((rs) => rs.map((r, n) => (n === i ? { ...r, ...patch } : r)));

  const create = (e: Event) => {
    e.preventDefault();
    const showPrice = parsePriceToCents(price);
    if (showPrice === null || !sumOk) return setMessage({ kind: "error", text: t("studio.mysteryOddsSum", { sum: (sum / 100).toLocaleString(locale) }) });
    void act(
      () =>
        api.post(
          `/api/studio/shows/${encodeURIComponent(showId)}/mystery`,
          {
            title: title.trim() || t("studio.mysteryDefaultTitle"),
            showPrice,
            durationSeconds: Number(duration),
            pin: true,
            items: rows.map((r, i) => ({ productId: r.productId, oddsBp: bps[i], quantity: Number(r.quantity) })),
          },
          { "idempotency-key": crypto.randomUUID() },
        ),
      t("studio.mysteryCreated"),
    );
  };

  if (products.length < 2) return <p class="muted">{t("studio.mysteryNeedsProducts")}</p>;
  return (
    <div class="mystery-studio" data-testid="mystery-studio">
      <label class="check">
        <input
          type="checkbox"
          checked={adultOnly}
          disabled={busy}
          onChange={(e) => {
            const on = (e.target as HTMLInputElement).checked;
            void act(() => api.patch(`/api/studio/shows/${encodeURIComponent(showId)}/mystery-settings`, { adultOnly: on }).then(() => setAdultOnly(on)));
          }}
          data-testid="mystery-adult"
        />{" "}
        {t("studio.mysteryAdultOnly")}
      </label>
      <form class="form-grid" onSubmit={create}>
        <Field
          label={t("studio.mysteryTitle")}
          value={title}
          maxLength={120}
          placeholder={t("studio.mysteryDefaultTitle")}
          onValue={setTitle}
          data-testid="mystery-title"
        />
        <Field label={t("studio.mysteryPrice")} value={price} inputMode="decimal" onValue={setPrice} data-testid="mystery-price" />
        <Field label={t("studio.mysteryDuration")} value={duration} inputMode="numeric" onValue={setDuration} data-testid="mystery-duration" />
        <table class="mystery-odds-editor">
          <thead>
            <tr>
              <th>{t("studio.product")}</th>
              <th>{t("studio.mysteryOdds")}</th>
              <th>{t("studio.mysteryUnits")}</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {rows.map((r, i) => (
              <tr key={i} data-testid="mystery-row">
                <td>
                  <select
                    value={r.productId}
                    aria-label={t("studio.mysteryRowProduct", { n: i + 1 })}
                    onChange={(e) => setRow(i, { productId: (e.target as HTMLSelectElement).value })}
                  >
                    <ProductOptions products={products} />
                  </select>
                </td>
                <td>
                  <input
                    value={r.odds}
                    inputMode="decimal"
                    size={6}
                    aria-label={t("studio.mysteryRowOdds", { n: i + 1 })}
                    onInput={(e) => setRow(i, { odds: (e.target as HTMLInputElement).value })}
                    data-testid="mystery-odds"
                  />{" "}
                  %
                </td>
                <td>
                  <input
                    value={r.quantity}
                    inputMode="numeric"
                    size={5}
                    aria-label={t("studio.mysteryRowUnits", { n: i + 1 })}
                    onInput={(e) => setRow(i, { quantity: (e.target as HTMLInputElement).value })}
                  />
                </td>
                <td>
                  {rows.length > 2 && (
                    <button
                      type="button"
                      class="btn btn-small"
                      aria-label={t("studio.mysteryRowRemove", { n: i + 1 })}
                      onClick={() => setRows((rs) => rs.filter((_, n) => n !== i))}
                    >
                      ×
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
          <tfoot>
            <tr>
              <td>
                <button
                  type="button"
                  class="btn btn-small"
                  disabled={rows.length >= 50}
                  onClick={() => setRows((rs) => [...rs, { productId: products[0].id, odds: "0", quantity: "1" }])}
                >
                  {t("studio.mysteryAddItem")}
                </button>
              </td>
              <td class={sumOk ? "ok" : "error"} data-testid="mystery-odds-sum">
                {t("studio.mysterySum", { sum: (sum / 100).toLocaleString(locale, { maximumFractionDigits: 2 }) })}
              </td>
              <td colSpan={2} />
            </tr>
          </tfoot>
        </table>
        <button type="submit" class="btn btn-primary" disabled={busy || !sumOk} data-testid="mystery-create">
          {t("studio.mysteryCreate")}
        </button>
      </form>
      <StudioNotice message={message} />
      {pools.length === 0 ? (
        <p class="muted">{t("studio.mysteryNone")}</p>
      ) : (
        <ul class="list">
          {pools.map((p) => (
            <li key={p.id} data-testid="studio-mystery-pool">
              <strong>{p.title}</strong> ·{" "}
              {p.status === "open" ? (p.soldOut ? t("studio.mysterySoldOut") : t("studio.mysteryOpen")) : t("studio.mysteryClosed")} · v{p.oddsVersion}
              <ul>
                {p.items.map((i) => (
                  <li key={i.id}>
                    {i.title}: {(i.currentOddsBp / 100).toLocaleString(locale)} % ({t("studio.mysteryLeft", { n: i.remaining, of: i.quantity })})
                  </li>
                ))}
              </ul>
              {p.status === "open" && (
                <StudioCall busy={busy} onCall={() => act(() => api.post(`/api/studio/mystery/${encodeURIComponent(p.id)}/close`))}>
                  {t("studio.mysteryClose")}
                </StudioCall>
              )}
              {p.seed && <p class="muted mono">{t("studio.mysterySeed", { seed: p.seed })}</p>}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
