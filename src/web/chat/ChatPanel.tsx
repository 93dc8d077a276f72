import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import { CHAT_MAX_LENGTH } from "../platform/protocolConstants.js";
import type { ErrorCode } from "../../protocol/errors.js";
import type { ChatPinned, ChatPosted, Envelope, ServerEvents } from "../../protocol/realtime.js";
import { api } from "../platform/apiClient.js";
import { refusalText } from "../i18n/apiErrors.js";
import { type MessageKey, useI18n } from "../i18n/coreText.js";
import type { RoomError } from "../realtime/useRoom.js";

/** A refused command as the socket reported it; `retryAfterMs` for slow mode, timeouts and limits. */
export type ChatError = RoomError;

/** A per-message action offered to the host or a moderator (delete, timeout, ban). */
export interface ChatAction {
  label: string;
  testId: string;
  run(message: ChatPosted): void;
  /** Shown only on the messages it applies to (e.g. "Ask on stage" needs a signed-in author); every message if absent. */
  applies?(message: ChatPosted): boolean;
}

const REPORT_REASONS = ["spam", "abuse", "scam"] as const;
const ERROR_TEXT: Partial<Record<ErrorCode, MessageKey>> = {
  rate_limited: "chat.rateLimited",
  chat_slow_mode: "chat.slowMode",
  chat_muted: "chat.muted",
  chat_banned: "chat.banned",
  chat_blocked_word: "chat.blockedWord",
  chat_link_blocked: "chat.linkBlocked",
  chat_buyers_only: "chat.buyersOnly",
  unauthenticated: "chat.signInToChat",
};
const DEVICE_KEY = "showcart.device";

/** The browser's random device id (sent when connecting; lets moderators ban a guest's device). */
export function chatDeviceId(): string | undefined {
  try {
    let id = localStorage.getItem(DEVICE_KEY);
    if (!id) {
      const bytes = crypto.getRandomValues(new Uint8Array(16));
      id = btoa(String.fromCharCode(...bytes))
        .replace(/\+/g, "-")
        .replace(/\//g, "_")
        .replace(/=+$/, "");
      localStorage.setItem(DEVICE_KEY, id);
    }
    return id;
  } catch {
    return undefined;
  }
}

interface Props {
  messages: ChatPosted[];
  connected: boolean;
  /** Returns false when the message could not be handed to the socket. */
  onSend(text: string): boolean;
  /** Viewer chat asks for a display name first; the studio posts as the signed-in host. */
  name?: string | null;
  onNameChange?: (name: string) => void;
  notice?: string | null;
  /** The last refused chat command: shown in words, with a countdown for slow mode and timeouts. */
  error?: ChatError | null;
  /** The host's pinned message, shown above the messages. */
  pinned?: ChatPinned | null;
  /** Viewers flag a message for the studio's moderation queue. */
  onReport?: (messageId: string, reason: (typeof REPORT_REASONS)[number]) => void;
  /** Moderation buttons per viewer message (studio, moderators). */
  actions?: ChatAction[];
  /** Messages the server left out before a message (a busy room's frame: `chat.trimmed`), by that message's id. */
  skippedBefore?: ReadonlyMap<string, number>;
}

const NAME_MAX_LENGTH = 40;

export function ChatPanel({ messages, connected, onSend, name, onNameChange, notice, error, pinned, onReport, actions, skippedBefore }: Props) {
  const { t, locale, lang } = useI18n();
  const [reporting, setReporting] = useState<string | null>(null);
  const [reported, setReported] = useState<ReadonlySet<string>>(new Set());
  // Refusals stay for 5 s, or until the wait they announce is over (ticking once a second).
  const [now, setNow] = useState(Date.now);
  const until = error ? error.at + Math.max(error.retryAfterMs ?? 0, 5000) : 0;
  useEffect(() => {
    if (!error) return;
    setNow(Date.now());
    const id = setInterval(() => {
      setNow(Date.now());
      if (Date.now() >= until) clearInterval(id);
    }, 1000);
    return () => clearInterval(id);
  }, [error]);
  const waitSeconds = error?.retryAfterMs ? Math.ceil((error.at + error.retryAfterMs - now) / 1000) : 0;
  const errorText =
    error && now < until
      ? t(ERROR_TEXT[error.code] ?? "chat.error", {
          message: refusalText(error, lang),
          s: Math.max(waitSeconds, 0),
          min: Math.max(Math.ceil(waitSeconds / 60), 1),
        })
      : null;
  const slowWait = error?.code === "chat_slow_mode" && waitSeconds > 0;
  const [draft, setDraft] = useState("");
  const [nameDraft, setNameDraft] = useState(name ?? "");
  const [editingName, setEditingName] = useState(false);
  const listRef = useRef<HTMLOListElement>(null);
  const stickToBottom = useRef(true);
  const needsName = onNameChange !== undefined && (!name || editingName);

  // Follow new messages unless the reader scrolled up to read older ones.
  useLayoutEffect(() => {
    const el = listRef.current;
    if (el && stickToBottom.current) el.scrollTop = el.scrollHeight;
  }, [messages]);

  useEffect(() => setNameDraft(name ?? ""), [name]);

  // Say "reconnecting" only when it lasts: the first connect and quick resumes should not flash a warning.
  const [showOffline, setShowOffline] = useState(false);
  useEffect(() => {
    if (connected) return setShowOffline(false);
    const id = setTimeout(() => setShowOffline(true), 2000);
    return () => clearTimeout(id);
  }, [connected]);

  const onScroll = () => {
    const el = listRef.current;
    if (el) stickToBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < 40;
  };

  // A message sent while the socket reconnects (a new chat name reopens it) waits and goes out once it is back.
  const [queued, setQueued] = useState(false);
  const send = () => {
    const text = draft.trim();
    if (!text || text.length > CHAT_MAX_LENGTH) return;
    if (onSend(text)) {
      setDraft("");
      stickToBottom.current = true;
    }
  };
  const submit = (e: Event) => {
    e.preventDefault();
    if (!draft.trim() || slowWait) return;
    if (connected) send();
    else setQueued(true);
  };
  useEffect(() => {
    if (!connected || !queued) return;
    setQueued(false);
    send();
  }, [connected, queued]);

  const submitName = (e: Event) => {
    e.preventDefault();
    const n = nameDraft.trim().slice(0, NAME_MAX_LENGTH);
    if (!n || !onNameChange) return;
    onNameChange(n);
    setEditingName(false);
  };

  const timeFmt = new Intl.DateTimeFormat(locale, { hour: "2-digit", minute: "2-digit" });
  const remaining = CHAT_MAX_LENGTH - draft.length;

  return (
    <section class="panel chat" data-testid="chat" aria-label={t("chat.title")}>
      <header class="panel-head">
        <h2>{t("chat.title")}</h2>
        {onNameChange && name && !editingName && (
          <button type="button" class="link" onClick={() => setEditingName(true)} data-testid="chat-change-name">
            {t("chat.changeName")}
          </button>
        )}
      </header>
      {pinned && (
        // Text node only, like every message.
        <p
          class="chat-notice"
          role="note"
          data-testid="chat-pinned"
          style={{ margin: 0, padding: "8px 14px", borderBottom: "1px solid var(--line)", color: "inherit" }}
        >
          <strong>📌 {pinned.author}: </strong>
          {pinned.text}
        </p>
      )}
      <ol class="chat-list" ref={listRef} onScroll={onScroll} data-testid="chat-messages" aria-live="polite">
        {messages.length === 0 && <li class="chat-empty">{t("chat.empty")}</li>}
        {messages.map((m) => [
          skippedBefore?.has(m.id) && (
            <li key={`skipped-${m.id}`} class="chat-skipped" data-testid="chat-skipped">
              {t("chat.skipped", { n: skippedBefore.get(m.id)! })}
            </li>
          ),
          // Author and text are rendered as text nodes only: chat is untrusted input.
          <li key={m.id} class={`chat-msg${m.role === "host" ? " is-host" : ""}`} data-testid="chat-message">
            <span class="chat-author">
              {m.author}
              {m.role === "host" && (
                <span class="badge badge-host" data-testid="host-badge">
                  {t("chat.host")}
                </span>
              )}
            </span>
            <span class="chat-text" data-testid="chat-text">
              {m.text}
            </span>
            <time class="chat-time" dateTime={m.at}>
              {timeFmt.format(new Date(m.at))}
            </time>
            {m.role === "viewer" && (onReport || actions?.length) ? (
              <span style={{ gridColumn: "1 / -1", display: "flex", gap: "8px", fontSize: "0.75rem" }}>
                {actions
                  ?.filter((a) => !a.applies || a.applies(m))
                  .map((a) => (
                    <button key={a.testId} type="button" class="link" onClick={() => a.run(m)} data-testid={a.testId}>
                      {a.label}
                    </button>
                  ))}
                {onReport &&
                  (reported.has(m.id) ? (
                    <span class="muted" data-testid="chat-reported">
                      {t("chat.reported")}
                    </span>
                  ) : reporting === m.id ? (
                    REPORT_REASONS.map((r) => (
                      <button
                        key={r}
                        type="button"
                        class="link"
                        data-testid={`chat-report-${r}`}
                        onClick={() => {
                          onReport(m.id, r);
                          setReported((s) => new Set(s).add(m.id));
                          setReporting(null);
                        }}
                      >
                        {t(`chat.reason.${r}`)}
                      </button>
                    ))
                  ) : (
                    <button type="button" class="link" onClick={() => setReporting(m.id)} data-testid="chat-report" aria-label={t("chat.report")}>
                      {t("chat.report")}
                    </button>
                  ))}
              </span>
            ) : null}
          </li>,
        ])}
      </ol>
      {errorText && (
        <p class="chat-notice" role="status" data-testid="chat-error" data-code={error?.code}>
          {errorText}
        </p>
      )}
      {notice && (
        <p class="chat-notice" role="status" data-testid="chat-notice">
          {notice}
        </p>
      )}
      {(showOffline || queued) && (
        <p class="chat-notice" role="status" data-testid="chat-offline">
          {t(queued ? "chat.queued" : "chat.offline")}
        </p>
      )}
      {needsName ? (
        <form class="chat-form" onSubmit={submitName} data-testid="chat-name-form">
          <label class="sr-only" for="chat-name">
            {t("chat.namePlaceholder")}
          </label>
          <input
            id="chat-name"
            value={nameDraft}
            maxLength={NAME_MAX_LENGTH}
            placeholder={t("chat.namePrompt")}
            autoComplete="nickname"
            onInput={(e) => setNameDraft(e.currentTarget.value)}
            data-testid="chat-name-input"
          />
          <button type="submit" class="btn" disabled={!nameDraft.trim()} data-testid="chat-name-submit">
            {t("chat.join")}
          </button>
        </form>
      ) : (
        <form class="chat-form" onSubmit={submit} data-testid="chat-form">
          <label class="sr-only" for="chat-input">
            {t("chat.placeholder")}
          </label>
          <input
            id="chat-input"
            value={draft}
            maxLength={CHAT_MAX_LENGTH}
            placeholder={t("chat.placeholder")}
            autoComplete="off"
            onInput={(e) => setDraft(e.currentTarget.value)}
            data-testid="chat-input"
          />
          <span class={`chat-count${remaining < 20 ? " is-low" : ""}`} data-testid="chat-count" aria-live="polite">
            {remaining}
          </span>
          <button type="submit" class="btn" disabled={queued || !draft.trim() || slowWait} data-testid="chat-send">
            {slowWait ? `${waitSeconds} s` : t("chat.send")}
          </button>
        </form>
      )}
    </section>
  );
}

/**
 * Chat state beyond the room snapshot: deleted messages (hidden as `chat.deleted` arrives), the pinned message
 * (fetched on every (re)connect, then kept by `chat.pinned`/`chat.unpinned`), and moderator actions for a signed-in
 * moderator of this show.
 */
export function useChatExtras(showId: string, connected: boolean, signedIn: boolean) {
  const { t } = useI18n();
  const [pinned, setPinned] = useState<ChatPinned | null>(null);
  const [deleted, setDeleted] = useState<ReadonlySet<string>>(new Set());
  const [canModerate, setCanModerate] = useState(false);
  const base = `/api/shows/${encodeURIComponent(showId)}/chat`;
  const studio = `/api/studio/shows/${encodeURIComponent(showId)}/chat`;
  useEffect(() => {
    if (!connected) return;
    api.get<{ pinned: ChatPinned | null }>(base).then(
      (r) => setPinned(r.pinned),
      () => {},
    );
  }, [connected, showId]);
  useEffect(() => {
    if (!signedIn) return setCanModerate(false);
    // 403 for everyone but the show's staff and moderators.
    api.get(`${studio}/moderation`).then(
      () => setCanModerate(true),
      () => setCanModerate(false),
    );
  }, [signedIn, showId]);
  const onEvent = (ev: Envelope): boolean => {
    if (ev.t === "chat.deleted") {
      const { ids } = ev.d as ServerEvents["chat.deleted"];
      setDeleted((s) => new Set([...s, ...ids]));
    } else if (ev.t === "chat.pinned") setPinned(ev.d as ChatPinned);
    else if (ev.t === "chat.unpinned") setPinned(null);
    else return false;
    return true;
  };
  const actions: ChatAction[] | undefined = canModerate
    ? [
        { label: t("chat.delete"), testId: "chat-delete", run: (m) => void api.del(`${studio}/messages/${encodeURIComponent(m.id)}`).catch(() => {}) },
        {
          label: t("chat.timeout"),
          testId: "chat-timeout",
          run: (m) => void api.post(`${studio}/messages/${encodeURIComponent(m.id)}/timeout`, { minutes: 5 }).catch(() => {}),
        },
      ]
    : undefined;
  return {
    pinned,
    onEvent,
    actions,
    visible: (messages: ChatPosted[]) => (deleted.size ? messages.filter((m) => !deleted.has(m.id)) : messages),
  };
}
