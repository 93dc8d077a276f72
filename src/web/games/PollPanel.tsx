import { useEffect, useState } from "preact/hooks";
import type { PollView } from "../../protocol/api.js";
import type { ServerEvents } from "../../protocol/realtime.js";
import { api } from "../platform/apiClient.js";
import { useServerNow } from "../platform/useServerNow.js";
import { adoptCss } from "../platform/adoptCss.js";
import { useGameText } from "./GiveawayText.js";
import { formatCountdown } from "../components/OfferCard.js";
import { type GamePanelProps, openUntil, refusalKey, signInHref, usePanelAction, useQuietLoad, useRoomEvents } from "./viewerPanel.js";

adoptCss(`
.poll{display:grid;gap:.5rem}
.poll-options{display:grid;gap:.4rem;list-style:none;padding:0;margin:0}
.poll-option{position:relative;display:flex;justify-content:space-between;gap:.5rem;width:100%;padding:.5rem .7rem;border:1px solid #ced4da;border-radius:8px;background:#fff;overflow:hidden;text-align:left;font:inherit;color:inherit}
.poll-option:disabled{cursor:default}
.poll-bar{position:absolute;inset:0 auto 0 0;background:#e7f5ff;transition:width .6s cubic-bezier(.2,.8,.2,1);z-index:0}
.poll-option>span{position:relative;z-index:1}
.poll-option.is-mine{border-color:#1c7ed6;font-weight:600}
.poll-option.is-winner{border-color:#2b8a3e;animation:poll-win 1s ease-out}
.poll-option.is-winner .poll-bar{background:#d3f9d8}
@keyframes poll-win{0%{transform:scale(1.06)}100%{transform:scale(1)}}
.poll-small{font-size:.8rem;opacity:.75}
@media (prefers-reduced-motion:reduce){.poll-bar{transition:none}.poll-option.is-winner{animation:none}}
`);

export function PollPanel({ showId, account, subscribe }: GamePanelProps) {
  const { t } = useGameText();
  const now = useServerNow(500);
  const [poll, setPoll] = useState<PollView | null>(null);
  const [mine, setMine] = useState<string | null>(null);
  const { busy, message, setMessage, run } = usePanelAction();

  useQuietLoad(() => api.get<{ poll: PollView | null }>(`/api/shows/${encodeURIComponent(showId)}/polls/current`).then((r) => setPoll(r.poll)), [showId]);
  useRoomEvents(subscribe, (ev) => {
    if (ev.t === "poll.opened" || ev.t === "poll.closed") {
      setPoll((ev.d as ServerEvents["poll.opened"]).poll);
      if (ev.t === "poll.opened") setMessage(null);
    } else if (ev.t === "poll.counted") {
      const d = ev.d as ServerEvents["poll.counted"];
      setPoll((p) => (p && p.id === d.pollId ? { ...p, totalVotes: d.total, options: p.options.map((o) => ({ ...o, votes: d.counts[o.id] ?? 0 })) } : p));
    }
  });
  useEffect(() => {
    setMine(null);
    if (!account || !poll) return;
    api.get<{ vote: { optionId: string } | null }>(`/api/polls/${encodeURIComponent(poll.id)}/votes/me`).then(
      (r) => setMine(r.vote?.optionId ?? null),
      () => {},
    );
  }, [account?.id, poll?.id]);

  if (!poll) return null;
  const { open, closesIn } = openUntil(poll.status, poll.closesAt, now);
  const total = poll.totalVotes ?? 0;
  const canVote = open && !mine && !!account && !busy;

  const vote = (optionId: string) =>
    run(
      async () => {
        await api.post(`/api/polls/${encodeURIComponent(poll.id)}/votes`, { optionId });
        setMine(optionId);
        return undefined;
      },
      (err) => t(refusalKey("poll", err, ["already_voted", "poll_closed"])),
    );

  return (
    <section class="panel poll" data-testid="poll" data-status={poll.status}>
      <h2>📊 {t("poll.title")}</h2>
      <strong>{poll.question}</strong>
      <ul class="poll-options">
        {poll.options.map((o) => {
          const pct = o.votes !== null && total > 0 ? Math.round((o.votes / total) * 100) : 0;
          const cls = `poll-option${mine === o.id ? " is-mine" : ""}${poll.winnerOptionId === o.id ? " is-winner" : ""}`;
          return (
            <li key={o.id}>
              <button type="button" class={cls} disabled={!canVote} onClick={() => vote(o.id)} data-testid="poll-option">
                <span class="poll-bar" style={{ width: `${pct}%` }} />
                <span>
                  {poll.winnerOptionId === o.id ? "🏆 " : ""}
                  {o.label}
                </span>
                {o.votes !== null && <span data-testid="poll-votes">{pct}%</span>}
              </button>
            </li>
          );
        })}
      </ul>
      {poll.totalVotes !== null && <p class="poll-small">{t("poll.votes", { n: poll.totalVotes })}</p>}
      {open && poll.hiddenResults && <p class="poll-small">{t("poll.hidden")}</p>}
      {open && closesIn !== null && <p class="poll-small">{t("poll.endsIn", { time: formatCountdown(closesIn) })}</p>}
      {open && account === null && (
        <a class="button" href={signInHref()}>
          {t("poll.signIn")}
        </a>
      )}
      {mine && open && <p data-testid="poll-voted">{t("poll.voted")}</p>}
      {!open && <p data-testid="poll-closed">{t("poll.closed")}</p>}
      {poll.pinnedOfferId && <p>{t("poll.pinned")}</p>}
      {message && (
        <p class="error" role="alert">
          {message.text}
        </p>
      )}
    </section>
  );
}
