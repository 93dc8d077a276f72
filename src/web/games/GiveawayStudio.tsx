import { useState } from "preact/hooks";
import type { GiveawayView } from "../../protocol/api.js";
import { api } from "../platform/apiClient.js";
import { useGameText } from "./GiveawayText.js";
import { CheckField, Field, StudioCall, StudioNotice, useStudioGames } from "./StudioForm.js";

// Studio controls for giveaways: create (the seed is committed at once), open, close, draw. Counts refresh while one is
// open; the host's realtime room carries the same events, but a short poll keeps this panel self-contained.
export function GiveawayStudio({ showId }: { showId: string }) {
  const { t } = useGameText();
  const {
    list,
    busy,
    message,
    act: run,
  } = useStudioGames<GiveawayView>(showId, "giveaways", "giveaways", { refreshMs: 2000, refreshWhile: (l) => l.some((g) => g.status === "open") });
  const [title, setTitle] = useState("");
  const [winners, setWinners] = useState("1");
  const [keyword, setKeyword] = useState("");
  const [countries, setCountries] = useState("");
  const [adult, setAdult] = useState(false);
  const [duration, setDuration] = useState("");

  const create = (e: Event) => {
    e.preventDefault();
    const allowed = countries
      .split(/[\s,;]+/)
      .map((c) => c.trim().toUpperCase())
      .filter(Boolean);
    void run(async () => {
      await api.post(`/api/studio/shows/${encodeURIComponent(showId)}/giveaways`, {
        title,
        winners: Number(winners) || 1,
        ...(keyword.trim() ? { keyword: keyword.trim() } : {}),
        ...(allowed.length ? { allowedCountries: allowed } : {}),
        requireAdult: adult,
        ...(Number(duration) > 0 ? { durationSeconds: Number(duration) } : {}),
      });
      setTitle("");
    });
  };
  const act = (g: GiveawayView, action: "open" | "close" | "draw") => run(() => api.post(`/api/studio/giveaways/${encodeURIComponent(g.id)}/${action}`));

  return (
    <div class="giveaway-studio" data-testid="giveaway-studio">
      <form class="form-grid" onSubmit={create}>
        <Field label={t("studio.giveawayTitle")} value={title} onValue={setTitle} required maxLength={120} data-testid="giveaway-title" />
        <Field label={t("studio.winners")} type="number" min={1} max={50} value={winners} onValue={setWinners} />
        <Field label={t("studio.keyword")} value={keyword} maxLength={30} onValue={setKeyword} />
        <Field label={t("studio.countries")} value={countries} onValue={setCountries} />
        <Field label={t("studio.duration")} type="number" min={10} value={duration} onValue={setDuration} />
        <CheckField label={t("studio.adult")} checked={adult} onValue={setAdult} />
        <button type="submit" class="btn" disabled={busy || !title.trim()} data-testid="giveaway-create">
          {t("studio.create")}
        </button>
      </form>
      <StudioNotice message={message} alert />
      <ul class="list">
        {list.map((g) => (
          <li key={g.id} data-testid="studio-giveaway" data-status={g.status}>
            <strong>{g.title}</strong> · {t(`studio.status.${g.status}`)} · {t("giveaway.entries", { n: g.entries })}
            <br />
            <small title={g.commitment}>{t("giveaway.commitment", { hash: g.commitment.slice(0, 16) })}</small>
            <div class="row">
              {g.status === "draft" && (
                <StudioCall busy={busy} onCall={() => act(g, "open")} testId="giveaway-open">
                  {t("studio.open")}
                </StudioCall>
              )}
              {g.status === "open" && (
                <StudioCall busy={busy} onCall={() => act(g, "close")} testId="giveaway-close">
                  {t("studio.close")}
                </StudioCall>
              )}
              {(g.status === "open" || g.status === "closed") && (
                <StudioCall busy={busy} onCall={() => act(g, "draw")} primary testId="giveaway-draw">
                  {t("studio.draw")}
                </StudioCall>
              )}
              {g.status === "drawn" && (
                <span data-testid="studio-giveaway-winners">
                  🏆 {g.winners.map((w) => w.name).join(", ") || "—"} ·{" "}
                  <a href={`/verify/giveaway/${encodeURIComponent(g.id)}`} target="_blank" rel="noopener">
                    {t("giveaway.verify")}
                  </a>
                </span>
              )}
            </div>
          </li>
        ))}
      </ul>
    </div>
  );
}
