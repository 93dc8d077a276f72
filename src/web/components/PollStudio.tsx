import { useEffect, useState } from "preact/hooks";
import type { PollView, ProductView } from "../../protocol/api.js";
import { ApiError, api } from "../apiClient.js";
import { parsePriceToCents } from "../money.js";
import { useGameText } from "./GiveawayText.js";

const MAX_OPTIONS = 6;

// Studio controls for polls: 2–6 options (text or a product), hidden results, and for a product poll the terms of the
// offer the winner becomes at close.
export function PollStudio({ showId, products }: { showId: string; products: ProductView[] }) {
  const { t } = useGameText();
  const [list, setList] = useState<PollView[]>([]);
  const [question, setQuestion] = useState("");
  const [options, setOptions] = useState<{ label: string; productId: string }[]>([
    { label: "", productId: "" },
    { label: "", productId: "" },
  ]);
  const [hidden, setHidden] = useState(false);
  const [duration, setDuration] = useState("");
  const [pin, setPin] = useState(false);
  const [pinPrice, setPinPrice] = useState("");
  const [pinQuantity, setPinQuantity] = useState("10");
  const [pinDuration, setPinDuration] = useState("600");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const load = () =>
    api.get<{ polls: PollView[] }>(`/api/studio/shows/${encodeURIComponent(showId)}/polls`).then(
      (r) => setList(r.polls),
      () => {},
    );
  useEffect(() => void load(), [showId]);
  const anyOpen = list.some((p) => p.status === "open");
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
  const setOption = (i: number, patch: Partial<{ label: string; productId: string }>) => setOptions((o) => o.map((x, j) => (j === i ? { ...x, ...patch } : x)));
  const create = (e: Event) => {
    e.preventDefault();
    const body = {
      question,
      options: options.filter((o) => o.label.trim() || o.productId).map((o) => ({ ...(o.label.trim() ? { label: o.label.trim() } : {}), ...(o.productId ? { productId: o.productId } : {}) })),
      hiddenResults: hidden,
      ...(Number(duration) > 0 ? { durationSeconds: Number(duration) } : {}),
      ...(pin ? { pinWinner: { showPrice: parsePriceToCents(pinPrice) ?? -1, quantity: Number(pinQuantity), durationSeconds: Number(pinDuration) } } : {}),
    };
    void run(async () => {
      await api.post(`/api/studio/shows/${encodeURIComponent(showId)}/polls`, body);
      setQuestion("");
      setOptions([
        { label: "", productId: "" },
        { label: "", productId: "" },
      ]);
    });
  };
  const act = (p: PollView, action: "open" | "close") => run(() => api.post(`/api/studio/polls/${encodeURIComponent(p.id)}/${action}`));

  return (
    <div data-testid="poll-studio">
      <form class="form-grid" onSubmit={create}>
        <label>
          {t("studio.question")}
          <input value={question} required maxLength={140} onInput={(e) => setQuestion((e.target as HTMLInputElement).value)} data-testid="poll-question" />
        </label>
        {options.map((o, i) => (
          <label key={i}>
            {t("studio.option", { n: i + 1 })}
            <input value={o.label} maxLength={80} onInput={(e) => setOption(i, { label: (e.target as HTMLInputElement).value })} data-testid="poll-option-label" />
            <select value={o.productId} onChange={(e) => setOption(i, { productId: (e.target as HTMLSelectElement).value })} aria-label={t("studio.optionProduct")}>
              <option value="">{t("studio.optionProduct")}: —</option>
              {products.map((p) => (
                <option key={p.id} value={p.id}>
                  {p.title}
                </option>
              ))}
            </select>
          </label>
        ))}
        {options.length < MAX_OPTIONS && (
          <button type="button" class="btn btn-small" onClick={() => setOptions((o) => [...o, { label: "", productId: "" }])}>
            +
          </button>
        )}
        <label>
          <input type="checkbox" checked={hidden} onChange={(e) => setHidden((e.target as HTMLInputElement).checked)} /> {t("studio.hiddenResults")}
        </label>
        <label>
          {t("studio.duration")}
          <input type="number" min={10} value={duration} onInput={(e) => setDuration((e.target as HTMLInputElement).value)} />
        </label>
        <label>
          <input type="checkbox" checked={pin} onChange={(e) => setPin((e.target as HTMLInputElement).checked)} /> {t("studio.pinWinner")}
        </label>
        {pin && (
          <>
            <label>
              {t("studio.pinPrice")}
              <input inputMode="decimal" value={pinPrice} onInput={(e) => setPinPrice((e.target as HTMLInputElement).value)} />
            </label>
            <label>
              {t("studio.pinQuantity")}
              <input type="number" min={1} value={pinQuantity} onInput={(e) => setPinQuantity((e.target as HTMLInputElement).value)} />
            </label>
            <label>
              {t("studio.pinDuration")}
              <input type="number" min={10} value={pinDuration} onInput={(e) => setPinDuration((e.target as HTMLInputElement).value)} />
            </label>
          </>
        )}
        <button type="submit" class="btn" disabled={busy || !question.trim()} data-testid="poll-create">
          {t("studio.create")}
        </button>
      </form>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <ul class="list">
        {list.map((p) => (
          <li key={p.id} data-testid="studio-poll" data-status={p.status}>
            <strong>{p.question}</strong> · {t(`studio.status.${p.status}`)} · {t("poll.votes", { n: p.totalVotes ?? 0 })}
            <ul>
              {p.options.map((o) => (
                <li key={o.id}>
                  {p.winnerOptionId === o.id ? "🏆 " : ""}
                  {o.label}: {o.votes ?? 0}
                </li>
              ))}
            </ul>
            {p.status === "draft" && (
              <button type="button" class="btn btn-small" disabled={busy} onClick={() => act(p, "open")} data-testid="poll-open">
                {t("studio.openPoll")}
              </button>
            )}
            {p.status === "open" && (
              <button type="button" class="btn btn-small" disabled={busy} onClick={() => act(p, "close")} data-testid="poll-close">
                {t("studio.closePoll")}
              </button>
            )}
          </li>
        ))}
      </ul>
    </div>
  );
}
