import { useEffect, useState } from "preact/hooks";
import { useErrorText } from "../i18n/apiErrors.js";
import type { DestinationView } from "../../protocol/api.js";
import { api } from "../platform/apiClient.js";
import { useStudioText } from "../shows/studioText.js";

// Relay status lives in the server process only; a slow poll keeps the badges current without a socket event.
const POLL_MS = 5000;

/** Studio: RTMP destinations this show is restreamed to while live (the stream key is write-only). */
export function SimulcastPanel({ showId }: { showId: string }) {
  const { t } = useStudioText();
  const errorText = useErrorText();
  const base = `/api/studio/shows/${encodeURIComponent(showId)}/destinations`;
  const [list, setList] = useState<DestinationView[] | null>(null);
  const [name, setName] = useState("");
  const [url, setUrl] = useState("");
  const [key, setKey] = useState("");
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);

  const load = () =>
    api.get<{ destinations: DestinationView[] }>(base).then(
      (r) => setList(r.destinations),
      () => undefined,
    );
  useEffect(() => {
    void load();
    const id = setInterval(() => void load(), POLL_MS);
    return () => clearInterval(id);
  }, [showId]);

  const fail = (err: unknown) => setMessage({ ok: false, text: errorText(err) });

  const add = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setMessage(null);
    try {
      await api.post(base, { name: name.trim(), url: url.trim(), streamKey: key.trim() });
      setName("");
      setUrl("");
      setKey("");
      setMessage({ ok: true, text: t("simulcast.added") });
      await load();
    } catch (err) {
      fail(err);
    } finally {
      setBusy(false);
    }
  };

  const act = async (d: DestinationView, action: "enable" | "disable" | "remove") => {
    setMessage(null);
    try {
      const path = `${base}/${encodeURIComponent(d.id)}`;
      if (action === "remove") await api.del(path);
      else await api.post(`${path}/${action}`);
      await load();
    } catch (err) {
      fail(err);
    }
  };

  return (
    <section class="panel" data-testid="simulcast">
      <h2>{t("simulcast.title")}</h2>
      <p class="muted">{t("simulcast.lead")}</p>
      {list && list.length === 0 && <p class="muted">{t("simulcast.empty")}</p>}
      {list && list.length > 0 && (
        <ul class="destinations">
          {list.map((d) => (
            <li key={d.id} data-testid="destination" data-status={d.status}>
              <span class="destination-name">{d.name}</span>
              <span class={`badge destination-status-${d.status}`} title={d.lastError ?? undefined} data-testid="destination-status">
                {d.enabled ? t(`simulcast.status.${d.status}`) : t("simulcast.off")}
              </span>
              <span class="destination-url">
                {d.url}/{d.streamKeyHint}
              </span>
              <button type="button" class="btn btn-small" onClick={() => void act(d, d.enabled ? "disable" : "enable")}>
                {d.enabled ? t("simulcast.disable") : t("simulcast.enable")}
              </button>
              <button type="button" class="btn btn-small" onClick={() => void act(d, "remove")}>
                {t("simulcast.remove")}
              </button>
              {d.lastError && d.status === "error" && <span class="destination-url destination-status-error">{d.lastError}</span>}
            </li>
          ))}
        </ul>
      )}
      <form class="destination-form" onSubmit={add}>
        <label class="field">
          <span>{t("simulcast.name")}</span>
          <input required maxLength={80} value={name} onInput={(e) => setName(e.currentTarget.value)} data-testid="destination-name" />
        </label>
        <label class="field">
          <span>{t("simulcast.url")}</span>
          <input
            required
            placeholder="rtmp://a.rtmp.youtube.com/live2"
            value={url}
            onInput={(e) => setUrl(e.currentTarget.value)}
            data-testid="destination-url"
          />
        </label>
        <label class="field">
          <span>{t("simulcast.key")}</span>
          <input required type="password" autoComplete="off" value={key} onInput={(e) => setKey(e.currentTarget.value)} data-testid="destination-key" />
        </label>
        {message && (
          <p class={message.ok ? "note" : "alert"} role="status">
            {message.text}
          </p>
        )}
        <button type="submit" class="btn btn-primary" disabled={busy} data-testid="destination-add">
          {t("simulcast.add")}
        </button>
      </form>
    </section>
  );
}
