import { useEffect, useRef, useState } from "preact/hooks";
import type { GiveawayEntryView, GiveawayView } from "../../protocol/api.js";
import type { ServerEvents } from "../../protocol/realtime.js";
import { type ApiError, api } from "../platform/apiClient.js";
import { useServerNow } from "../platform/useServerNow.js";
import { adoptCss } from "../platform/adoptCss.js";
import { useGameText } from "./GiveawayText.js";
import { formatCountdown } from "../components/OfferCard.js";
import { type GamePanelProps, openUntil, refusalKey, refusedWith, signInHref, usePanelAction, useQuietLoad, useRoomEvents } from "./viewerPanel.js";

adoptCss(`
.giveaway{display:grid;gap:.5rem;border:2px solid #f59f00}
.giveaway-head{display:flex;justify-content:space-between;align-items:center;gap:.5rem}
.giveaway-count{font-variant-numeric:tabular-nums;display:inline-block}
.giveaway-pop{animation:giveaway-pop .5s ease-out}
@keyframes giveaway-pop{0%{transform:scale(1.3);color:#f59f00}100%{transform:scale(1)}}
.giveaway-small{font-size:.8rem;opacity:.75}
.giveaway-winners{list-style:none;padding:0;margin:0;display:grid;gap:.25rem}
.giveaway-winners li{padding:.35rem .6rem;border-radius:6px;background:#fff3bf;animation:giveaway-reveal .7s ease-out both}
.giveaway-winners li:nth-child(2){animation-delay:.2s}.giveaway-winners li:nth-child(3){animation-delay:.4s}
@keyframes giveaway-reveal{0%{opacity:0;transform:translateY(8px) scale(.9)}100%{opacity:1;transform:none}}
.giveaway-won{background:#d3f9d8;color:#2b8a3e;padding:.4rem .6rem;border-radius:6px;font-weight:700}
@media (prefers-reduced-motion:reduce){.giveaway-pop,.giveaway-winners li{animation:none}}
`);

export function GiveawayPanel({ showId, account, subscribe }: GamePanelProps) {
  const { t } = useGameText();
  const now = useServerNow(500);
  const [g, setG] = useState<GiveawayView | null>(null);
  const [entry, setEntry] = useState<GiveawayEntryView | null>(null);
  const [adult, setAdult] = useState(false);
  const [country, setCountry] = useState("");
  const { busy, message, setMessage, run } = usePanelAction();
  const [pop, setPop] = useState(0);
  const gRef = useRef(g);
  gRef.current = g;

  const load = useQuietLoad(
    () => api.get<{ giveaway: GiveawayView | null }>(`/api/shows/${encodeURIComponent(showId)}/giveaways/current`).then((r) => setG(r.giveaway)),
    [showId],
  );
  useRoomEvents(subscribe, (ev) => {
    if (ev.t === "giveaway.opened") {
      setG((ev.d as ServerEvents["giveaway.opened"]).giveaway);
      setEntry(null);
      setMessage(null);
    } else if (ev.t === "giveaway.entries") {
      const d = ev.d as ServerEvents["giveaway.entries"];
      setG((cur) => (cur && cur.id === d.giveawayId ? { ...cur, entries: d.entries } : cur));
      setPop((n) => n + 1);
    } else if (ev.t === "giveaway.closed") {
      const d = ev.d as ServerEvents["giveaway.closed"];
      setG((cur) => (cur && cur.id === d.giveawayId ? { ...cur, status: "closed", entries: d.entries, listHash: d.listHash } : cur));
    } else if (ev.t === "giveaway.drawn") {
      const d = ev.d as ServerEvents["giveaway.drawn"];
      if (gRef.current?.id !== d.giveawayId) return void load();
      setG((cur) => (cur ? { ...cur, status: "drawn", winners: d.winners, seed: d.seed, listHash: d.listHash } : cur));
    }
  });
  const loadEntry = (id: string) =>
    api.get<{ entry: GiveawayEntryView | null }>(`/api/giveaways/${encodeURIComponent(id)}/entries/me`).then((r) => setEntry(r.entry));
  useEffect(() => {
    setEntry(null);
    if (account && g) loadEntry(g.id).catch(() => {});
  }, [account?.id, g?.id]);

  if (!g) return null;
  const { open, closesIn } = openUntil(g.status, g.closesAt, now);
  const won = !!entry && g.winners.some((w) => w.entryId === entry.id);

  const enter = () =>
    run(
      async () => {
        const r = await api.post<{ entry: GiveawayEntryView }>(`/api/giveaways/${encodeURIComponent(g.id)}/entries`, {
          ...(g.requireAdult ? { adultConfirmed: adult } : {}),
          ...(country ? { country } : {}),
        });
        setEntry(r.entry);
        return undefined;
      },
      (err) => {
        if (refusedWith(err) === "already_entered") loadEntry(g.id).catch(() => {});
        if (refusedWith(err) === "not_eligible") return t("giveaway.error.not_eligible", { message: (err as ApiError).message });
        return t(refusalKey("giveaway", err, ["already_entered", "giveaway_closed"]));
      },
    );

  return (
    <section class="panel giveaway" data-testid="giveaway" data-status={g.status}>
      <div class="giveaway-head">
        <h2>🎁 {t("giveaway.title")}</h2>
        <span key={pop} class={`giveaway-count${pop ? " giveaway-pop" : ""}`} data-testid="giveaway-entries">
          {t("giveaway.entries", { n: g.entries })}
        </span>
      </div>
      <strong>{g.title}</strong>
      <p class="giveaway-small" data-testid="giveaway-no-purchase">
        {t("giveaway.noPurchase")}
      </p>
      {open && closesIn !== null && <p class="giveaway-small">{t("giveaway.endsIn", { time: formatCountdown(closesIn) })}</p>}
      {open && g.allowedCountries && <p class="giveaway-small">{t("giveaway.countries", { list: g.allowedCountries.join(", ") })}</p>}
      {open &&
        (entry ? (
          <p class="giveaway-won" data-testid="giveaway-entered">
            {t("giveaway.entered")}
          </p>
        ) : account === null ? (
          <a class="button" href={signInHref()} data-testid="giveaway-signin">
            {t("giveaway.signIn")}
          </a>
        ) : (
          <>
            {g.allowedCountries && (
              <label>
                {t("giveaway.country")}{" "}
                <select value={country} onChange={(e) => setCountry((e.target as HTMLSelectElement).value)} data-testid="giveaway-country">
                  <option value="">—</option>
                  {g.allowedCountries.map((c) => (
                    <option key={c} value={c}>
                      {c}
                    </option>
                  ))}
                </select>
              </label>
            )}
            {g.requireAdult && (
              <label>
                <input type="checkbox" checked={adult} onChange={(e) => setAdult((e.target as HTMLInputElement).checked)} data-testid="giveaway-adult" />{" "}
                {t("giveaway.adult")}
              </label>
            )}
            <button type="button" class="btn btn-primary" disabled={busy || !account} onClick={enter} data-testid="giveaway-enter">
              {t("giveaway.enter")}
            </button>
            {g.keyword && <p class="giveaway-small">{t("giveaway.keyword", { keyword: g.keyword })}</p>}
          </>
        ))}
      {message && (
        <p class="error" role="alert" data-testid="giveaway-message">
          {message.text}
        </p>
      )}
      {!open && g.status !== "drawn" && <p data-testid="giveaway-closed">{t("giveaway.closed")}</p>}
      {g.status === "drawn" && (
        <>
          <h3>{t("giveaway.drawn", { n: g.winners.length })}</h3>
          {g.winners.length ? (
            <ul class="giveaway-winners" data-testid="giveaway-winners">
              {g.winners.map((w) => (
                <li key={w.entryId}>🏆 {w.name}</li>
              ))}
            </ul>
          ) : (
            <p>{t("giveaway.none")}</p>
          )}
          {entry &&
            (won ? (
              <p class="giveaway-won" data-testid="giveaway-you-won">
                {t("giveaway.youWon")}
              </p>
            ) : (
              <p>{t("giveaway.notWon")}</p>
            ))}
        </>
      )}
      <p class="giveaway-small" title={g.commitment}>
        {t("giveaway.commitment", { hash: g.commitment.slice(0, 16) })}{" "}
        <a href={`/verify/giveaway/${encodeURIComponent(g.id)}`} target="_blank" rel="noopener" data-testid="giveaway-verify">
          {t("giveaway.verify")}
        </a>
      </p>
    </section>
  );
}
