import { useEffect, useState } from "preact/hooks";
import type { MysteryDrawView, MysteryPoolView, OrderView } from "../../protocol/api.js";
import type { ServerEvents } from "../../protocol/realtime.js";
import { api } from "../platform/apiClient.js";
import { adoptCss } from "../platform/adoptCss.js";
import { useMysteryText } from "./MysteryText.js";
import { type GamePanelProps, putFirst, useQuietLoad, useRoomEvents } from "./viewerPanel.js";

adoptCss(`
.mystery{display:grid;gap:.5rem}
.mystery-items{display:grid;gap:.3rem;list-style:none;padding:0;margin:0}
.mystery-item{display:flex;justify-content:space-between;gap:.5rem;padding:.35rem .6rem;border:1px solid #dee2e6;border-radius:8px}
.mystery-item.is-out{opacity:.5;text-decoration:line-through}
.mystery-item.is-up .mystery-odds{color:#2b8a3e;animation:mystery-up 1s ease-out}
.mystery-odds{font-weight:700;font-variant-numeric:tabular-nums}
.mystery-small{font-size:.8rem;opacity:.75;word-break:break-all}
.mystery-reveal{perspective:600px}
.mystery-card{position:relative;height:7rem;transform-style:preserve-3d;transition:transform .8s cubic-bezier(.2,.8,.2,1);cursor:pointer;border:0;background:none;width:100%;padding:0}
.mystery-card.is-open{transform:rotateY(180deg)}
.mystery-face{position:absolute;inset:0;display:grid;place-items:center;gap:.2rem;border-radius:12px;backface-visibility:hidden;font-weight:700;padding:.5rem}
.mystery-front{background:linear-gradient(135deg,#7048e8,#e64980);color:#fff;animation:mystery-shake 1.2s ease-in-out infinite}
.mystery-back{background:#fff9db;border:2px solid #fab005;transform:rotateY(180deg)}
.mystery-back img{max-height:3.5rem}
@keyframes mystery-shake{0%,100%{transform:rotate(0)}25%{transform:rotate(-2deg)}75%{transform:rotate(2deg)}}
@keyframes mystery-up{0%{transform:scale(1.3)}100%{transform:scale(1)}}
@media (prefers-reduced-motion:reduce){.mystery-card{transition:none}.mystery-front,.mystery-item.is-up .mystery-odds{animation:none}}
`);

const SEEN_KEY = "showcart.mystery.seen";

function seenDraws(): Set<string> {
  try {
    return new Set(JSON.parse(localStorage.getItem(SEEN_KEY) ?? "[]") as string[]);
  } catch {
    return new Set();
  }
}

function markSeen(key: string): void {
  try {
    const seen = [...seenDraws(), key].slice(-200);
    localStorage.setItem(SEEN_KEY, JSON.stringify(seen));
  } catch {
    // Private mode: the reveal shows again next time, nothing worse.
  }
}

interface Props extends GamePanelProps {
  /** The buyer's 18+ confirmation, sent with the order (when the shop asks for it). */
  onAgeConfirmed(confirmed: boolean): void;
  /** Changes when a checkout closes: look for new draws to reveal. */
  refreshKey: number;
}

/** Viewer: the open mystery pool with every item and its odds (before buying), live renormalisation, and the reveal. */
export function MysteryPanel({ showId, account, subscribe, onAgeConfirmed, refreshKey }: Props) {
  const { t, locale } = useMysteryText();
  const [pools, setPools] = useState<MysteryPoolView[]>([]);
  const [raised, setRaised] = useState<Set<string>>(new Set());
  const [adult, setAdult] = useState(false);
  const [reveal, setReveal] = useState<(MysteryDrawView & { open: boolean }) | null>(null);

  useQuietLoad(() => api.get<{ pools: MysteryPoolView[] }>(`/api/shows/${encodeURIComponent(showId)}/mystery`).then((r) => setPools(r.pools)), [showId]);
  useRoomEvents(subscribe, (ev) => {
    if (ev.t === "mystery.opened") {
      const { pool } = ev.d as ServerEvents["mystery.opened"];
      setPools((ps) => putFirst(ps, pool));
    } else if (ev.t === "mystery.odds") {
      const d = ev.d as ServerEvents["mystery.odds"];
      setPools((ps) =>
        ps.map((p) => {
          if (p.id !== d.poolId || p.oddsVersion >= d.oddsVersion) return p;
          const next = new Map(d.items.map((i) => [i.id, i]));
          setRaised(new Set(p.items.filter((i) => (next.get(i.id)?.currentOddsBp ?? 0) > i.currentOddsBp).map((i) => i.id)));
          return { ...p, oddsVersion: d.oddsVersion, soldOut: d.soldOut, items: p.items.map((i) => ({ ...i, ...(next.get(i.id) ?? {}) })) };
        }),
      );
    } else if (ev.t === "mystery.closed") {
      const d = ev.d as ServerEvents["mystery.closed"];
      setPools((ps) => ps.filter((p) => p.id !== d.poolId));
    }
  });

  // After a checkout: the signed-in buyer's paid orders of these pools, and a draw not yet revealed on this device.
  useEffect(() => {
    if (!account || pools.length === 0) return;
    const offers = new Set(pools.map((p) => p.offerId));
    let alive = true;
    void (async () => {
      const { orders } = await api.get<{ orders: OrderView[] }>("/api/me/orders");
      const seen = seenDraws();
      for (const o of orders.filter((x) => offers.has(x.offerId) && x.status === "paid")) {
        const { draws } = await api.get<{ draws: MysteryDrawView[] }>(`/api/orders/${encodeURIComponent(o.id)}/mystery`);
        const fresh = draws.find((d) => !seen.has(`${d.orderId}:${d.unit}`));
        if (fresh && alive) return setReveal({ ...fresh, open: false });
      }
    })().catch(() => {});
    return () => {
      alive = false;
    };
  }, [account?.id, refreshKey, pools.length]);

  const pool = pools[0];
  if (!pool && !reveal) return null;
  const pct = (bp: number) => (bp / 100).toLocaleString(locale, { maximumFractionDigits: 2 });

  return (
    <section class="panel mystery" data-testid="mystery-panel">
      {reveal && (
        <div class="mystery-reveal">
          <h3>{t("mystery.reveal")}</h3>
          <button
            type="button"
            class={`mystery-card${reveal.open ? " is-open" : ""}`}
            onClick={() => {
              markSeen(`${reveal.orderId}:${reveal.unit}`);
              setReveal({ ...reveal, open: true });
            }}
            data-testid="mystery-reveal"
          >
            <span class="mystery-face mystery-front">🎁 {t("mystery.revealTap")}</span>
            <span class="mystery-face mystery-back" data-testid="mystery-revealed">
              {reveal.imageUrl && <img src={reveal.imageUrl} alt="" />}
              {t("mystery.youGot", { title: reveal.title })}
            </span>
          </button>
        </div>
      )}
      {pool && (
        <>
          <h3>{t("mystery.title", { title: pool.title })}</h3>
          <p>{t("mystery.lead")}</p>
          <ul class="mystery-items">
            {pool.items.map((i) => (
              <li key={i.id} class={`mystery-item${i.remaining === 0 ? " is-out" : ""}${raised.has(i.id) ? " is-up" : ""}`} data-testid="mystery-item">
                <span>{i.title}</span>
                <span>
                  <span class="mystery-odds" data-testid="mystery-item-odds">
                    {t("mystery.odds", { odds: pct(i.currentOddsBp) })}
                  </span>
                  {i.currentOddsBp !== i.oddsBp && i.remaining > 0 && <span class="mystery-small"> ({t("mystery.oddsWas", { odds: pct(i.oddsBp) })})</span>}
                  <span class="mystery-small"> · {i.remaining === 0 ? t("mystery.out") : t("mystery.left", { n: i.remaining })}</span>
                </span>
              </li>
            ))}
          </ul>
          {pool.oddsVersion > 1 && !pool.soldOut && <p class="mystery-small">{t("mystery.renormalised")}</p>}
          {pool.soldOut ? (
            <p>{t("mystery.soldOut")}</p>
          ) : pool.adultOnly ? (
            <>
              <p class="mystery-small">{t("mystery.adultNote")}</p>
              <label>
                <input
                  type="checkbox"
                  checked={adult}
                  onChange={(e) => {
                    const on = (e.target as HTMLInputElement).checked;
                    setAdult(on);
                    onAgeConfirmed(on);
                  }}
                  data-testid="mystery-adult"
                />{" "}
                {t("mystery.adult")}
              </label>
            </>
          ) : (
            <p class="mystery-small">{t("mystery.buyHint")}</p>
          )}
          <p class="mystery-small">{t("mystery.commitment", { hash: pool.commitment.slice(0, 16) })}</p>
          <p class="mystery-small">{t("mystery.fair")}</p>
        </>
      )}
    </section>
  );
}
