import { useEffect, useRef, useState } from "preact/hooks";
import type { AuctionBidResult, AuctionView, OfferView, SavedBuyerDetails } from "../../protocol/api.js";
import type { ServerEvents } from "../../protocol/realtime.js";
import { type ApiError, api } from "../platform/apiClient.js";
import { adoptCss } from "../platform/adoptCss.js";
import { formatMoney, parsePriceToCents } from "../platform/money.js";
import { useServerNow } from "../platform/useServerNow.js";
import { useAuctionText } from "./AuctionText.js";
import { CheckoutSheet } from "../checkout/CheckoutSheet.js";
import { formatCountdown } from "../components/OfferCard.js";
import { type GamePanelProps, putFirst, refusalKey, refusedWith, signInHref, usePanelAction, useRoomEvents } from "./viewerPanel.js";

interface Props extends GamePanelProps {
  saved: SavedBuyerDetails | null;
}

// Styles travel with the chunk (the shared stylesheet is loaded by every viewer, auction or not).
adoptCss(`
.auction-card{display:grid;gap:.5rem}
.auction-head{display:flex;justify-content:space-between;align-items:center;gap:.5rem}
.auction-item{display:flex;gap:.75rem;align-items:center}
.auction-item img{border-radius:8px;object-fit:cover}
.auction-price{font-size:1.8rem;font-weight:700;font-variant-numeric:tabular-nums}
.auction-bump{animation:auction-bump .6s ease-out}
@keyframes auction-bump{0%{transform:scale(1.25);color:#e8590c}60%{transform:scale(.97)}100%{transform:scale(1)}}
.auction-countdown{font-variant-numeric:tabular-nums}
.auction-countdown.is-urgent{color:#c92a2a;font-weight:700}
.auction-you{padding:.4rem .6rem;border-radius:6px}
.auction-you.is-winning{background:#d3f9d8;color:#2b8a3e}
.auction-you.is-outbid{background:#ffe3e3;color:#c92a2a}
.auction-quick{display:flex;gap:.4rem;flex-wrap:wrap}
.auction-max{display:flex;gap:.4rem;align-items:end}
.auction-max input{width:7rem}
@media (prefers-reduced-motion:reduce){.auction-bump{animation:none}}
`);

/** The auction a viewer should see: a live one first, then one open for pre-bids, then one waiting for payment. */
function current(list: AuctionView[]): AuctionView | null {
  return list.find((a) => a.status === "live") ?? list.find((a) => a.status === "scheduled") ?? list.find((a) => a.status === "awarded") ?? null;
}

function upsert(list: AuctionView[], id: string, fn: (a: AuctionView) => AuctionView): AuctionView[] {
  return list.map((a) => (a.id === id ? fn(a) : a));
}

/** Live auction card: price with a bump on every bid, server-time countdown, quick bids, a secret maximum, checkout. */
export function AuctionPanel({ showId, account, saved, subscribe }: Props) {
  const { t, locale } = useAuctionText();
  const now = useServerNow(250);
  const [list, setList] = useState<AuctionView[]>([]);
  const [you, setYou] = useState<AuctionView["you"] | null>(null);
  const [bump, setBump] = useState(0);
  const [extended, setExtended] = useState<number | null>(null);
  const { busy, message, run } = usePanelAction();
  const [maxInput, setMaxInput] = useState("");
  const [paying, setPaying] = useState(false);
  const auction = current(list);
  const auctionRef = useRef(auction);
  auctionRef.current = auction;

  const loadYou = (id: string) => {
    if (!account) return;
    api.get<{ auction: AuctionView }>(`/api/auctions/${encodeURIComponent(id)}`).then(
      (r) => {
        setYou(r.auction.you ?? null);
        setList((l) => upsert(l, id, () => r.auction));
      },
      () => {},
    );
  };

  const loadList = () =>
    api.get<{ auctions: AuctionView[] }>(`/api/shows/${encodeURIComponent(showId)}/auctions`).then(
      (r) => setList(r.auctions),
      () => {},
    );

  // A periodic refresh covers events missed across a reconnect into a new room epoch.
  useEffect(() => {
    void loadList();
    const id = setInterval(loadList, 15_000);
    return () => clearInterval(id);
  }, [showId]);

  useEffect(() => {
    if (auction && account) loadYou(auction.id);
    if (!account) setYou(null);
  }, [auction?.id, account?.id]);

  useRoomEvents(
    subscribe,
    (ev) => {
      switch (ev.t) {
        case "auction.started": {
          const { auction: a } = ev.d as ServerEvents["auction.started"];
          setList((l) => putFirst(l, a));
          return;
        }
        case "auction.bid": {
          const d = ev.d as ServerEvents["auction.bid"];
          setList((l) =>
            upsert(l, d.auctionId, (a) => ({
              ...a,
              currentPrice: d.price,
              minimumBid: d.minimumBid,
              leader: d.leader,
              leaderKey: d.leaderKey,
              bidCount: d.bidCount,
              endsAt: d.endsAt,
            })),
          );
          setBump((b) => b + 1);
          return;
        }
        case "auction.extended": {
          const d = ev.d as ServerEvents["auction.extended"];
          setList((l) => upsert(l, d.auctionId, (a) => ({ ...a, endsAt: d.endsAt })));
          setExtended(Date.now());
          return;
        }
        case "auction.closed": {
          const d = ev.d as ServerEvents["auction.closed"];
          setList((l) =>
            upsert(l, d.auctionId, (a) => ({
              ...a,
              status: d.reason === "cancelled" ? "cancelled" : d.winner ? "awarded" : "unsold",
              award: d.winner && d.winnerKey && d.price !== null ? { rank: 1, bidder: d.winner, bidderKey: d.winnerKey, price: d.price } : null,
            })),
          );
          // The winner's hold is made right after the close: ask for it.
          if (d.winnerKey) setTimeout(() => loadYou(d.auctionId), 300);
          return;
        }
        case "auction.offered_next": {
          const d = ev.d as ServerEvents["auction.offered_next"];
          setList((l) => upsert(l, d.auctionId, (a) => ({ ...a, award: { rank: d.rank, bidder: d.bidder, bidderKey: d.bidderKey, price: d.price } })));
          loadYou(d.auctionId);
          return;
        }
      }
    },
    [account?.id],
  );

  if (!auction) return null;
  const money = (n: number) => formatMoney(n, auction.currency, locale);
  const left = auction.endsAt ? Date.parse(auction.endsAt) - now : null;
  const open = auction.status === "scheduled" || (auction.status === "live" && left !== null && left > 0);
  const mine = you && auction.leaderKey !== null ? auction.leaderKey === you.key : false;
  const bidBefore = you?.maxAmount != null;
  const awardMine = auction.status === "awarded" && you?.awardOrderId && auction.award?.bidderKey === you.key;

  const place = async (maxAmount: number) => {
    if (!Number.isFinite(maxAmount) || maxAmount <= 0) return;
    await run(
      async () => {
        const r = await api.post<AuctionBidResult>(
          `/api/auctions/${encodeURIComponent(auction.id)}/bids`,
          { maxAmount },
          { "idempotency-key": crypto.randomUUID() },
        );
        setList((l) => upsert(l, auction.id, (a) => (r.auction.bidCount >= a.bidCount ? { ...r.auction } : a)));
        setYou(r.auction.you ?? null);
        setMaxInput("");
        return t("auction.bidPlaced");
      },
      (err) => {
        if (refusedWith(err) !== "bid_too_low") return t(refusalKey("auction", err, ["auction_closed", "cannot_bid_own_show"]));
        const min = ((err as ApiError).details as { minimum?: number } | undefined)?.minimum;
        return t("auction.error.bid_too_low", { amount: money(min ?? auction.minimumBid) });
      },
    );
  };

  const quick = [auction.minimumBid, auction.minimumBid + auction.minIncrement * 2, auction.minimumBid + auction.minIncrement * 5];
  const checkoutOffer: OfferView | null =
    awardMine && auction.award && you?.awardOrderId
      ? {
          id: `auction:${auction.id}`,
          showId: auction.showId,
          productId: auction.productId,
          title: auction.title,
          description: "",
          imageUrl: auction.imageUrl,
          price: auction.award.price,
          showPrice: auction.award.price,
          currency: auction.currency,
          quantity: 1,
          remaining: 1,
          startsAt: auction.startsAt ?? new Date(now).toISOString(),
          endsAt: new Date(now + 24 * 3600_000).toISOString(),
          pinned: false,
          status: "active",
        }
      : null;

  return (
    <section class="panel auction-card" data-testid="auction-card" data-status={auction.status} aria-live="polite">
      <div class="auction-head">
        <strong>{t("auction.title")}</strong>
        <span class="muted">{auction.status === "scheduled" ? t("auction.scheduled") : auction.status === "live" ? t("auction.live") : ""}</span>
      </div>
      <div class="auction-item">
        {auction.imageUrl && <img src={auction.imageUrl} alt="" width={56} height={56} />}
        <div>
          <div>{auction.title}</div>
          <div class="muted">{auction.bidCount ? t("auction.currentPrice") : t("auction.startPrice")}</div>
          <div key={bump} class={`auction-price${bump ? " auction-bump" : ""}`} data-testid="auction-price" data-amount={auction.currentPrice}>
            {money(auction.currentPrice)}
          </div>
        </div>
      </div>
      <p class="muted" data-testid="auction-leader">
        {auction.leader ? t("auction.leader", { name: auction.leader, n: auction.bidCount }) : t("auction.noBids")}
      </p>
      {auction.status === "live" && left !== null && (
        <p class={`auction-countdown${left <= 10_000 ? " is-urgent" : ""}`} role="timer" data-testid="auction-countdown">
          {left > 0 ? t("auction.endsIn", { time: formatCountdown(left) }) : t("auction.ending")}
        </p>
      )}
      {extended && Date.now() - extended < 3000 && auction.status === "live" && (
        <p class="muted">{t("auction.extended", { seconds: auction.softCloseSeconds })}</p>
      )}
      {open && bidBefore && (
        <p class={`auction-you ${mine ? "is-winning" : "is-outbid"}`} data-testid={mine ? "auction-winning" : "auction-outbid"}>
          {mine ? t("auction.winning", { max: money(you?.maxAmount ?? 0) }) : t("auction.outbid")}
        </p>
      )}
      {open &&
        (account === null ? (
          <a class="button" href={signInHref()} data-testid="auction-signin">
            {t("auction.signIn")}
          </a>
        ) : you && !you.canBid ? (
          <p class="muted">{t("auction.staff")}</p>
        ) : account ? (
          <>
            <div class="auction-quick">
              {quick.map((amount, i) => (
                <button type="button" class={i === 0 ? "primary" : ""} disabled={busy} onClick={() => void place(amount)} data-testid={`auction-quick-${i}`}>
                  {t("auction.bid", { amount: money(amount) })}
                </button>
              ))}
            </div>
            <form
              class="auction-max"
              onSubmit={(e) => {
                e.preventDefault();
                void place(parsePriceToCents(maxInput) ?? Number.NaN);
              }}
            >
              <label>
                <span class="muted">{t("auction.maxLabel")}</span>
                <input
                  type="text"
                  inputMode="decimal"
                  value={maxInput}
                  onInput={(e) => setMaxInput((e.target as HTMLInputElement).value)}
                  placeholder={(auction.minimumBid / 100).toFixed(2)}
                  data-testid="auction-max-input"
                />
              </label>
              <button type="submit" disabled={busy || !maxInput} data-testid="auction-max-submit">
                {t("auction.placeMax")}
              </button>
            </form>
            <p class="muted">{t("auction.maxHint")}</p>
          </>
        ) : null)}
      {message && (
        <p class={message.kind === "error" ? "error" : "muted"} role="status" data-testid="auction-message">
          {message.text}
        </p>
      )}
      {auction.status === "awarded" && auction.award && (
        <p data-testid="auction-result">{t("auction.soldTo", { name: auction.award.bidder, amount: money(auction.award.price) })}</p>
      )}
      {auction.status === "unsold" && <p data-testid="auction-result">{t("auction.unsold")}</p>}
      {auction.status === "cancelled" && <p data-testid="auction-result">{t("auction.cancelled")}</p>}
      {awardMine && auction.award && (
        <div data-testid="auction-won">
          <p>
            <strong>
              {auction.award.rank === 1
                ? t("auction.youWon", { amount: money(auction.award.price) })
                : t("auction.offeredYou", { amount: money(auction.award.price) })}
            </strong>
          </p>
          <button type="button" class="primary" onClick={() => setPaying(true)} data-testid="auction-pay">
            {t("auction.pay")}
          </button>
          <p class="muted">{t("auction.closeWarning")}</p>
        </div>
      )}
      {paying && checkoutOffer && you?.awardOrderId && (
        <CheckoutSheet
          key={you.awardOrderId}
          offer={checkoutOffer}
          account={account}
          saved={saved}
          claimOrderId={you.awardOrderId}
          onClose={() => {
            setPaying(false);
            loadYou(auction.id);
          }}
        />
      )}
    </section>
  );
}
