import { useState } from "preact/hooks";
import type { PollView, ProductView } from "../../protocol/api.js";
import { api } from "../platform/apiClient.js";
import { parsePriceToCents } from "../platform/money.js";
import { useGameText } from "./GiveawayText.js";
import { CheckField, Field, ProductOptions, StudioCall, StudioNotice, useStudioGames } from "./StudioForm.js";

const MAX_OPTIONS = 6;

// Studio controls for polls: 2–6 options (text or a product), hidden results, and for a product poll the terms of the
// offer the winner becomes at close.
export function PollStudio({ showId, products }: { showId: string; products: ProductView[] }) {
  const { t } = useGameText();
  const {
    list,
    busy,
    message,
    act: run,
  } = useStudioGames<PollView>(showId, "polls", "polls", { refreshMs: 2000, refreshWhile: (l) => l.some((p) => p.status === "open") });
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

  const setOption = (i: number, patch: Partial<{ label: string; productId: string }>) => setOptions((o) => o.map((x, j) => (j === i ? { ...x, ...patch } : x)));
  const create = (e: Event) => {
    e.preventDefault();
    const body = {
      question,
      options: options
        .filter((o) => o.label.trim() || o.productId)
        .map((o) => ({ ...(o.label.trim() ? { label: o.label.trim() } : {}), ...(o.productId ? { productId: o.productId } : {}) })),
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
        <Field label={t("studio.question")} value={question} required maxLength={140} onValue={setQuestion} data-testid="poll-question" />
        {options.map((o, i) => (
          <label key={i}>
            {t("studio.option", { n: i + 1 })}
            <input
              value={o.label}
              maxLength={80}
              onInput={(e) => setOption(i, { label: (e.target as HTMLInputElement).value })}
              data-testid="poll-option-label"
            />
            <select
              value={o.productId}
              onChange={(e) => setOption(i, { productId: (e.target as HTMLSelectElement).value })}
              aria-label={t("studio.optionProduct")}
            >
              <option value="">{t("studio.optionProduct")}: —</option>
              <ProductOptions products={products} />
            </select>
          </label>
        ))}
        {options.length < MAX_OPTIONS && (
          <button type="button" class="btn btn-small" onClick={() => setOptions((o) => [...o, { label: "", productId: "" }])}>
            +
          </button>
        )}
        <CheckField label={t("studio.hiddenResults")} checked={hidden} onValue={setHidden} />
        <Field label={t("studio.duration")} type="number" min={10} value={duration} onValue={setDuration} />
        <CheckField label={t("studio.pinWinner")} checked={pin} onValue={setPin} />
        {pin && (
          <>
            <Field label={t("studio.pinPrice")} inputMode="decimal" value={pinPrice} onValue={setPinPrice} />
            <Field label={t("studio.pinQuantity")} type="number" min={1} value={pinQuantity} onValue={setPinQuantity} />
            <Field label={t("studio.pinDuration")} type="number" min={10} value={pinDuration} onValue={setPinDuration} />
          </>
        )}
        <button type="submit" class="btn" disabled={busy || !question.trim()} data-testid="poll-create">
          {t("studio.create")}
        </button>
      </form>
      <StudioNotice message={message} alert />
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
              <StudioCall busy={busy} onCall={() => act(p, "open")} testId="poll-open">
                {t("studio.openPoll")}
              </StudioCall>
            )}
            {p.status === "open" && (
              <StudioCall busy={busy} onCall={() => act(p, "close")} testId="poll-close">
                {t("studio.closePoll")}
              </StudioCall>
            )}
          </li>
        ))}
      </ul>
    </div>
  );
}
