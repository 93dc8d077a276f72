import { useEffect, useState } from "preact/hooks";
import type { GiveawayView } from "../../protocol/api.js";
import { ApiError, api } from "../apiClient.js";
import { useGameText } from "./GiveawayText.js";

// Studio controls for giveaways: create (the seed is committed at once), open, close, draw. Counts refresh while one is
// open; the host's realtime room carries the same events, but a short poll keeps this panel self-contained.
export function GiveawayStudio({ showId }: { showId: string }) {
  const { t } = useGameText();
  const [list, setList] = useState<GiveawayView[]>([]);
  const [title, setTitle] = useState("");
  const [winners, setWinners] = useState("1");
  const [keyword, setKeyword] = useState("");
  const [countries, setCountries] = useState("");
  const [adult, setAdult] = useState(false);
  const [duration, setDuration] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const load = () =>
    api.get<{ giveaways: GiveawayView[] }>(`/api/studio/shows/${encodeURIComponent(showId)}/giveaways`).then(
      (r) => setList(r.giveaways),
      () => {},
    );
  useEffect(() => void load(), [showId]);
  const anyOpen = list.some((g) => g.status === "open");
  useEffect(() => {
    if (!anyOpen) return;
    const id = setInterval(load, 2000);
    return () => clearInterval(id);
  }, [anyOpen]);

  const run = async (fn: () => Promise<unknown>) => {
    setBusy(true);
    setError(null);
    try {
      await fn();
      await load();
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
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
        <label>
          {t("studio.giveawayTitle")}
          <input value={title} required maxLength={120} onInput={(e) => setTitle((e.target as HTMLInputElement).value)} data-testid="giveaway-title" />
        </label>
        <label>
          {t("studio.winners")}
          <input type="number" min={1} max={50} value={winners} onInput={(e) => setWinners((e.target as HTMLInputElement).value)} />
        </label>
        <label>
          {t("studio.keyword")}
          <input value={keyword} maxLength={30} onInput={(e) => setKeyword((e.target as HTMLInputElement).value)} />
        </label>
        <label>
          {t("studio.countries")}
          <input value={countries} onInput={(e) => setCountries((e.target as HTMLInputElement).value)} />
        </label>
        <label>
          {t("studio.duration")}
          <input type="number" min={10} value={duration} onInput={(e) => setDuration((e.target as HTMLInputElement).value)} />
        </label>
        <label>
          <input type="checkbox" checked={adult} onChange={(e) => setAdult((e.target as HTMLInputElement).checked)} /> {t("studio.adult")}
        </label>
        <button type="submit" class="btn" disabled={busy || !title.trim()} data-testid="giveaway-create">
          {t("studio.create")}
        </button>
      </form>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <ul class="list">
        {list.map((g) => (
          <li key={g.id} data-testid="studio-giveaway" data-status={g.status}>
            <strong>{g.title}</strong> · {t(`studio.status.${g.status}`)} · {t("giveaway.entries", { n: g.entries })}
            <br />
            <small title={g.commitment}>{t("giveaway.commitment", { hash: g.commitment.slice(0, 16) })}</small>
            <div class="row">
              {g.status === "draft" && (
                <button type="button" class="btn btn-small" disabled={busy} onClick={() => act(g, "open")} data-testid="giveaway-open">
                  {t("studio.open")}
                </button>
              )}
              {g.status === "open" && (
                <button type="button" class="btn btn-small" disabled={busy} onClick={() => act(g, "close")} data-testid="giveaway-close">
                  {t("studio.close")}
                </button>
              )}
              {(g.status === "open" || g.status === "closed") && (
                <button type="button" class="btn btn-small btn-primary" disabled={busy} onClick={() => act(g, "draw")} data-testid="giveaway-draw">
                  {t("studio.draw")}
                </button>
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
