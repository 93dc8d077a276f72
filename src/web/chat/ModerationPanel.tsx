import { useEffect, useState } from "preact/hooks";
import { useErrorText } from "../i18n/apiErrors.js";
import type { ChatMode, ChatModerationView, ChatReportView } from "../../protocol/api.js";
import { api } from "../platform/apiClient.js";
import { useStudioText } from "../shows/studioText.js";

const SLOW_MODE_CHOICES = [0, 5, 10, 30, 60, 120, 300];
const MODES: ChatMode[] = ["everyone", "signed_in", "buyers"];
const REFRESH_MS = 10_000;
const words = (text: string) => [
  ...new Set(
    text
      .split(/[\s,]+/)
      .map((w) => w.trim().toLowerCase())
      .filter(Boolean),
  ),
];

/**
 * The studio's chat moderation: settings, pinned message, blocked words, moderators, the reports queue and active
 * bans/timeouts. Everything user-written is rendered as text. A new report reloads the queue at once (`reports` counts
 * the studio stream's `chat.reported` events); the view is also refreshed on a timer.
 */
export function ModerationPanel({ showId, reports = 0, onReports }: { showId: string; reports?: number; onReports?(open: number): void }) {
  const { t } = useStudioText();
  const errorText = useErrorText();
  const base = `/api/studio/shows/${encodeURIComponent(showId)}/chat`;
  const [view, setView] = useState<ChatModerationView | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [pinDraft, setPinDraft] = useState("");
  const [blockDraft, setBlockDraft] = useState("");
  const [allowDraft, setAllowDraft] = useState("");
  const [modEmail, setModEmail] = useState("");
  const [saved, setSaved] = useState<string | null>(null);

  const load = () =>
    api.get<ChatModerationView>(`${base}/moderation`).then(
      (v) => {
        setView(v);
        onReports?.(v.reports.length);
        return v;
      },
      (err) => {
        setError(errorText(err));
        return null;
      },
    );
  useEffect(() => {
    void load().then((v) => {
      if (!v) return;
      setBlockDraft(v.words.block.join(" "));
      setAllowDraft(v.words.allow.join(" "));
    });
    const id = setInterval(() => void load(), REFRESH_MS);
    return () => clearInterval(id);
  }, [showId]);
  useEffect(() => {
    if (reports > 0) void load();
  }, [reports]);

  /** Runs a change, shows its error or a short "saved", and reloads the view. */
  const act = async (what: () => Promise<unknown>, okText?: string) => {
    setError(null);
    try {
      await what();
      if (okText) setSaved(okText);
      await load();
    } catch (err) {
      setError(errorText(err));
    }
  };
  useEffect(() => {
    if (!saved) return;
    const id = setTimeout(() => setSaved(null), 3000);
    return () => clearTimeout(id);
  }, [saved]);

  if (!view) return error ? <p class="form-error">{error}</p> : <p class="muted">{t("common.loading")}</p>;
  const manage = view.you === "manage";
  const settings = (patch: Partial<ChatModerationView["settings"]>) => act(() => api.patch(`${base}/settings`, patch), t("mod.saved"));
  const onReport = (r: ChatReportView, action: "dismiss" | "delete" | "timeout" | "ban") => {
    const msg = `${base}/messages/${encodeURIComponent(r.message.id)}`;
    if (action === "dismiss") return act(() => api.post(`${base}/reports/${encodeURIComponent(r.id)}/dismiss`));
    if (action === "delete") return act(() => api.del(msg));
    if (action === "timeout") return act(() => api.post(`${msg}/timeout`, { minutes: 10 }));
    return act(() => api.post(`${msg}/ban`, { deleteRecentMinutes: 10 }));
  };

  return (
    <div class="moderation" data-testid="moderation">
      {error && (
        <p class="form-error" role="alert">
          {error}
        </p>
      )}
      {saved && (
        <p class="muted" role="status">
          {saved}
        </p>
      )}

      <h3>
        {t("mod.reports")} ({view.reports.length})
      </h3>
      {view.reports.length === 0 ? (
        <p class="muted" data-testid="mod-no-reports">
          {t("mod.noReports")}
        </p>
      ) : (
        <ul class="plain-list" data-testid="mod-reports">
          {view.reports.map((r) => (
            <li key={r.id} data-testid="mod-report">
              <p>
                <strong>{r.message.author}</strong>: {r.message.text}
              </p>
              <p class="muted">
                {t("mod.reportLine", { reason: t(`chat.reason.${r.reason === "other" ? "abuse" : r.reason}`), n: r.count })}
                {r.message.deleted ? ` · ${t("mod.deleted")}` : ""}
              </p>
              <div class="row">
                <button type="button" class="btn btn-small" onClick={() => onReport(r, "dismiss")} data-testid="mod-dismiss">
                  {t("mod.dismiss")}
                </button>
                <button type="button" class="btn btn-small" onClick={() => onReport(r, "delete")} data-testid="mod-delete">
                  {t("chat.delete")}
                </button>
                <button type="button" class="btn btn-small" onClick={() => onReport(r, "timeout")} data-testid="mod-timeout">
                  {t("mod.timeout10")}
                </button>
                {manage && (
                  <button type="button" class="btn btn-small" onClick={() => onReport(r, "ban")} data-testid="mod-ban">
                    {t("mod.ban")}
                  </button>
                )}
              </div>
            </li>
          ))}
        </ul>
      )}

      <h3>{t("mod.settings")}</h3>
      <label>
        {t("mod.slowMode")}{" "}
        <select
          value={String(view.settings.slowModeSeconds)}
          disabled={!manage}
          onChange={(e) => void settings({ slowModeSeconds: Number(e.currentTarget.value) })}
          data-testid="mod-slow-mode"
        >
          {[...new Set([...SLOW_MODE_CHOICES, view.settings.slowModeSeconds])]
            .sort((a, b) => a - b)
            .map((s) => (
              <option key={s} value={String(s)}>
                {s === 0 ? t("mod.off") : `${s} s`}
              </option>
            ))}
        </select>
      </label>
      <label>
        {t("mod.mode")}{" "}
        <select
          value={view.settings.mode}
          disabled={!manage}
          onChange={(e) => void settings({ mode: e.currentTarget.value as ChatMode })}
          data-testid="mod-mode"
        >
          {MODES.map((m) => (
            <option key={m} value={m}>
              {t(`mod.mode.${m}`)}
            </option>
          ))}
        </select>
      </label>
      <label>
        <input
          type="checkbox"
          checked={view.settings.linksAllowed}
          disabled={!manage}
          onChange={(e) => void settings({ linksAllowed: e.currentTarget.checked })}
          data-testid="mod-links"
        />{" "}
        {t("mod.links")}
      </label>

      {manage && (
        <>
          <h3>{t("mod.pinned")}</h3>
          {view.pinned && (
            <p data-testid="mod-pinned">
              📌 {view.pinned.text}{" "}
              <button type="button" class="link" onClick={() => act(() => api.del(`${base}/pin`))} data-testid="mod-unpin">
                {t("mod.unpin")}
              </button>
            </p>
          )}
          <form
            class="row"
            onSubmit={(e) => {
              e.preventDefault();
              if (pinDraft.trim()) void act(() => api.post(`${base}/pin`, { text: pinDraft.trim() })).then(() => setPinDraft(""));
            }}
          >
            <input
              value={pinDraft}
              maxLength={280}
              placeholder={t("mod.pinPlaceholder")}
              onInput={(e) => setPinDraft(e.currentTarget.value)}
              data-testid="mod-pin-input"
            />
            <button type="submit" class="btn btn-small" disabled={!pinDraft.trim()} data-testid="mod-pin">
              {t("mod.pin")}
            </button>
          </form>

          <h3>{t("mod.words")}</h3>
          <p class="muted">{t("mod.wordsLead", { n: view.words.defaults.de.length + view.words.defaults.en.length })}</p>
          <label>
            {t("mod.wordsBlock")}
            <textarea rows={2} value={blockDraft} onInput={(e) => setBlockDraft(e.currentTarget.value)} data-testid="mod-words-block" />
          </label>
          <label>
            {t("mod.wordsAllow")}
            <textarea rows={2} value={allowDraft} onInput={(e) => setAllowDraft(e.currentTarget.value)} data-testid="mod-words-allow" />
          </label>
          <button
            type="button"
            class="btn btn-small"
            onClick={() => act(() => api.post(`${base}/words`, { block: words(blockDraft), allow: words(allowDraft) }), t("mod.saved"))}
            data-testid="mod-words-save"
          >
            {t("mod.save")}
          </button>

          <h3>{t("mod.moderators")}</h3>
          <ul class="plain-list" data-testid="mod-moderators">
            {view.moderators.map((m) => (
              <li key={m.id}>
                {m.email}{" "}
                <button type="button" class="link" onClick={() => act(() => api.del(`${base}/moderators/${encodeURIComponent(m.id)}`))}>
                  {t("mod.remove")}
                </button>
              </li>
            ))}
          </ul>
          <form
            class="row"
            onSubmit={(e) => {
              e.preventDefault();
              if (modEmail.trim()) void act(() => api.post(`${base}/moderators`, { email: modEmail.trim() })).then(() => setModEmail(""));
            }}
          >
            <input
              type="email"
              value={modEmail}
              placeholder={t("mod.moderatorEmail")}
              onInput={(e) => setModEmail(e.currentTarget.value)}
              data-testid="mod-add-email"
            />
            <button type="submit" class="btn btn-small" disabled={!modEmail.trim()} data-testid="mod-add">
              {t("mod.add")}
            </button>
          </form>
        </>
      )}

      <h3>{t("mod.restrictions")}</h3>
      {view.restrictions.length === 0 ? (
        <p class="muted">{t("mod.noRestrictions")}</p>
      ) : (
        <ul class="plain-list" data-testid="mod-restrictions">
          {view.restrictions.map((r) => (
            <li key={r.id}>
              {r.label} · {t(r.kind === "ban" ? "mod.ban" : "mod.timeout")} ({t(`mod.by.${r.by}`)})
              {r.expiresAt ? ` · ${t("mod.until", { time: new Date(r.expiresAt).toLocaleTimeString() })}` : ""}{" "}
              {(manage || r.kind === "timeout") && (
                <button type="button" class="link" onClick={() => act(() => api.del(`${base}/restrictions/${encodeURIComponent(r.id)}`))}>
                  {t("mod.lift")}
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
