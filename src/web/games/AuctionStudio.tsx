import { useEffect, useState } from "preact/hooks";
import type { AuctionView, ProductView } from "../../protocol/api.js";
import { api } from "../platform/apiClient.js";
import { formatMoney, parsePriceToCents } from "../platform/money.js";
import { connectRealtime } from "../realtime/connectRealtime.js";
import { type StudioKey, useStudioText } from "../shows/studioText.js";
import { useServerNow } from "../platform/useServerNow.js";
import { formatCountdown } from "../components/OfferCard.js";
import { Field, ProductOptions, StudioCall, useStudioGames } from "./StudioForm.js";

interface AuditEvent {
  seq: number;
  type: string;
  amount: number | null;
  reason: string | null;
  at: string;
}

/** Studio: create an auction from a product, start it, watch the bids (from the audit log), cancel it. */
export function AuctionStudio({ showId, products }: { showId: string; products: ProductView[] }) {
  const { t, locale } = useStudioText();
  const now = useServerNow(500);
  // "Sold" follows the winner's payment, which is not an auction event: a slow poll picks it up.
  const {
    list: auctions,
    load,
    busy,
    message,
    setMessage,
    act,
  } = useStudioGames<AuctionView>(showId, "auctions", "auctions", { refreshMs: 5000, fallbackError: t("common.error") });
  const [productId, setProductId] = useState(products[0]?.id ?? "");
  const [startPrice, setStartPrice] = useState("10");
  const [increment, setIncrement] = useState("1");
  const [duration, setDuration] = useState("60");
  const [softClose, setSoftClose] = useState("10");
  const [hold, setHold] = useState("300");
  const [watching, setWatching] = useState<string | null>(null);
  const [log, setLog] = useState<AuditEvent[]>([]);

  const loadLog = (id: string) =>
    api.get<{ events: AuditEvent[] }>(`/api/studio/auctions/${encodeURIComponent(id)}/events`).then(
      (r) =>
        setLog(
          r.events
            .filter((e) => e.type === "bid_accepted" || e.type === "bid_refused")
            .slice(-30)
            .reverse(),
        ),
      () => {},
    );

  useEffect(() => {
    // The studio room mirrors the show's events; any auction event refreshes the list (and the open bid log).
    let timer: ReturnType<typeof setTimeout> | null = null;
    const conn = connectRealtime({
      path: `/ws/studio/${encodeURIComponent(showId)}`,
      handlers: {
        onSnapshot: () => undefined,
        onEvent: (ev) => {
          if (!ev.t.startsWith("auction.")) return;
          timer ??= setTimeout(() => {
            timer = null;
            void load();
          }, 200);
        },
      },
    });
    return () => {
      if (timer) clearTimeout(timer);
      conn.close();
    };
  }, [showId]);

  useEffect(() => {
    if (watching) void loadLog(watching);
  }, [watching, auctions]);

  const create = (e: Event) => {
    e.preventDefault();
    const start = parsePriceToCents(startPrice);
    const inc = parsePriceToCents(increment);
    if (start === null || inc === null) return setMessage({ kind: "error", text: t("common.error") });
    void act(
      () =>
        api.post(`/api/studio/shows/${encodeURIComponent(showId)}/auctions`, {
          productId,
          startPrice: start,
          minIncrement: inc,
          durationSeconds: Number(duration),
          softCloseSeconds: Number(softClose),
          holdSeconds: Number(hold),
        }),
      t("studio.auctionCreated"),
    );
  };

  if (!products.length) return <p class="muted">{t("studio.noProducts")}</p>;
  return (
    <div class="auction-studio" data-testid="auction-studio">
      <form class="form-grid" onSubmit={create}>
        <label>
          {t("studio.product")}
          <select value={productId} onChange={(e) => setProductId((e.target as HTMLSelectElement).value)} data-testid="auction-product">
            <ProductOptions products={products} />
          </select>
        </label>
        <Field label={t("studio.auctionStartPrice")} value={startPrice} inputMode="decimal" onValue={setStartPrice} data-testid="auction-start-price" />
        <Field label={t("studio.auctionIncrement")} value={increment} inputMode="decimal" onValue={setIncrement} data-testid="auction-increment" />
        <Field label={t("studio.auctionDuration")} value={duration} inputMode="numeric" onValue={setDuration} data-testid="auction-duration" />
        <Field label={t("studio.auctionSoftClose")} value={softClose} inputMode="numeric" onValue={setSoftClose} data-testid="auction-soft-close" />
        <Field label={t("studio.auctionHold")} value={hold} inputMode="numeric" onValue={setHold} data-testid="auction-hold" />
        <button type="submit" class="btn" disabled={busy} data-testid="auction-create">
          {t("studio.auctionCreate")}
        </button>
      </form>
      {message && (
        <p class={message.kind === "error" ? "error" : "muted"} role="status" data-testid="auction-studio-message">
          {message.text}
        </p>
      )}
      {auctions.length === 0 ? (
        <p class="muted">{t("studio.auctionNone")}</p>
      ) : (
        <ul class="offer-list">
          {auctions.map((a) => {
            const money = (n: number) => formatMoney(n, a.currency, locale);
            const left = a.endsAt ? Date.parse(a.endsAt) - now : null;
            return (
              <li data-testid="studio-auction" data-status={a.status} data-id={a.id}>
                <div>
                  <strong>{a.title}</strong> · <span>{t(`studio.auctionStatus.${a.status}` as StudioKey)}</span>
                </div>
                <div class="muted" data-testid="studio-auction-leader">
                  {a.leader ? t("studio.auctionLeader", { name: a.leader, amount: money(a.currentPrice), n: a.bidCount }) : t("studio.auctionNoBids")}
                  {a.status === "live" && left !== null && ` · ${t("studio.auctionEndsIn", { time: formatCountdown(left) })}`}
                </div>
                {a.award && <div class="muted">{t("studio.auctionAward", { name: a.award.bidder, rank: a.award.rank, amount: money(a.award.price) })}</div>}
                <div class="row">
                  {a.status === "scheduled" && (
                    <StudioCall busy={busy} onCall={() => act(() => api.post(`/api/studio/auctions/${a.id}/start`))} testId="auction-start">
                      {t("studio.auctionStart")}
                    </StudioCall>
                  )}
                  {(a.status === "scheduled" || a.status === "live") && (
                    <StudioCall busy={busy} onCall={() => act(() => api.post(`/api/studio/auctions/${a.id}/cancel`))} testId="auction-cancel">
                      {t("studio.auctionCancel")}
                    </StudioCall>
                  )}
                  <button type="button" class="btn btn-small" onClick={() => setWatching(watching === a.id ? null : a.id)} data-testid="auction-watch">
                    {t("studio.auctionBids")}
                  </button>
                </div>
                {watching === a.id && (
                  <ol class="muted" data-testid="auction-bid-log">
                    {log.map((e) => (
                      <li>
                        {new Date(e.at).toLocaleTimeString(locale)} —{" "}
                        {e.type === "bid_accepted"
                          ? t("studio.auctionEvent.bid_accepted", { amount: money(e.amount ?? 0) })
                          : t("studio.auctionEvent.bid_refused", { reason: e.reason ?? "", amount: money(e.amount ?? 0) })}
                      </li>
                    ))}
                  </ol>
                )}
              </li>
            );
          })}
        </ul>
      )}
    </div>
  );
}
