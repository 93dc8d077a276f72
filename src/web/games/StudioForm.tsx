import type { ComponentChildren, InputHTMLAttributes } from "preact";
import { useErrorText } from "../i18n/apiErrors.js";
import { useEffect, useState } from "preact/hooks";
import type { ProductView } from "../../protocol/api.js";
import { api } from "../platform/apiClient.js";

// What the five game studios (giveaway, poll, mystery, coupon, auction) share: the show's list of games kept fresh, one
// studio call at a time with its outcome, and the form's labelled inputs.

export interface StudioMessage {
  kind: "ok" | "error";
  text: string;
}

export interface StudioGamesOptions<T> {
  /** Refresh period of the list; the realtime room carries the same events, but a poll keeps each panel self-contained. */
  refreshMs: number;
  /** Refresh only while this holds (giveaways and polls: while one is open). */
  refreshWhile?: (list: T[]) => boolean;
  /** Shown for a failure that is not the API's own answer; without it, the error as text. */
  fallbackError?: string;
}

/** GET /api/studio/shows/:showId/<path> → { <key>: T[] }, and `act` to run a studio call, then reload. */
export function useStudioGames<T>(showId: string, path: string, key: string, opts: StudioGamesOptions<T>) {
  const [list, setList] = useState<T[]>([]);
  const [message, setMessage] = useState<StudioMessage | null>(null);
  const [busy, setBusy] = useState(false);
  const errorText = useErrorText();

  const load = () =>
    api.get<Record<string, T[]>>(`/api/studio/shows/${encodeURIComponent(showId)}/${path}`).then(
      (r) => setList(r[key]),
      () => {},
    );
  useEffect(() => void load(), [showId]);
  const refreshing = opts.refreshWhile ? opts.refreshWhile(list) : true;
  useEffect(() => {
    if (!refreshing) return;
    const id = setInterval(load, opts.refreshMs);
    return () => clearInterval(id);
  }, [showId, refreshing]);

  /** One call at a time (buttons are disabled while busy); `ok` is shown when it succeeds. */
  const act = async (fn: () => Promise<unknown>, ok?: string) => {
    setBusy(true);
    setMessage(null);
    try {
      await fn();
      if (ok) setMessage({ kind: "ok", text: ok });
      await load();
    } catch (err) {
      setMessage({ kind: "error", text: errorText(err, opts.fallbackError) });
    } finally {
      setBusy(false);
    }
  };

  return { list, load, busy, message, setMessage, act };
}

/** The outcome of the last studio call; `alert`: errors are announced (role="alert"). */
export function StudioNotice({ message, alert = false }: { message: StudioMessage | null; alert?: boolean }) {
  if (!message) return null;
  return (
    <p class={message.kind === "ok" ? "notice" : "error"} role={alert && message.kind === "error" ? "alert" : undefined}>
      {message.text}
    </p>
  );
}

type InputProps = Omit<InputHTMLAttributes<HTMLInputElement>, "value" | "onInput" | "label">;

/** A labelled text or number input of a studio form. */
export function Field({ label, value, onValue, ...input }: { label: ComponentChildren; value: string; onValue: (value: string) => void } & InputProps) {
  return (
    <label>
      {label}
      <input {...input} value={value} onInput={(e) => onValue((e.target as HTMLInputElement).value)} />
    </label>
  );
}

/** A checkbox with its label after it. */
export function CheckField({ label, checked, onValue }: { label: ComponentChildren; checked: boolean; onValue: (checked: boolean) => void }) {
  return (
    <label>
      <input type="checkbox" checked={checked} onChange={(e) => onValue((e.target as HTMLInputElement).checked)} /> {label}
    </label>
  );
}

/** The merchant's products as the options of a select. */
export function ProductOptions({ products }: { products: ProductView[] }) {
  return (
    <>
      {products.map((p) => (
        <option key={p.id} value={p.id}>
          {p.title}
        </option>
      ))}
    </>
  );
}

/** A studio call on one listed game (open, close, draw, end…): a small button, disabled while any call runs. */
export function StudioCall({
  busy,
  onCall,
  primary = false,
  testId,
  children,
}: {
  busy: boolean;
  onCall: () => unknown;
  primary?: boolean;
  testId?: string;
  children: ComponentChildren;
}) {
  return (
    <button type="button" class={primary ? "btn btn-small btn-primary" : "btn btn-small"} disabled={busy} onClick={() => void onCall()} data-testid={testId}>
      {children}
    </button>
  );
}
