import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import { CHAT_MAX_LENGTH } from "../protocolConstants.js";
import type { ChatPosted } from "../../protocol/realtime.js";
import { useI18n } from "../i18n.js";

interface Props {
  messages: ChatPosted[];
  connected: boolean;
  /** Returns false when the message could not be handed to the socket. */
  onSend(text: string): boolean;
  /** Viewer chat asks for a display name first; the studio posts as the signed-in host. */
  name?: string | null;
  onNameChange?: (name: string) => void;
  notice?: string | null;
}

const NAME_MAX_LENGTH = 40;

export function ChatPanel({ messages, connected, onSend, name, onNameChange, notice }: Props) {
  const { t, locale } = useI18n();
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

  const submit = (e: Event) => {
    e.preventDefault();
    const text = draft.trim();
    if (!text || text.length > CHAT_MAX_LENGTH) return;
    if (onSend(text)) {
      setDraft("");
      stickToBottom.current = true;
    }
  };

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
      <ol class="chat-list" ref={listRef} onScroll={onScroll} data-testid="chat-messages" aria-live="polite">
        {messages.length === 0 && <li class="chat-empty">{t("chat.empty")}</li>}
        {messages.map((m) => (
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
          </li>
        ))}
      </ol>
      {notice && (
        <p class="chat-notice" role="status" data-testid="chat-notice">
          {notice}
        </p>
      )}
      {showOffline && (
        <p class="chat-notice" data-testid="chat-offline">
          {t("chat.offline")}
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
          <button type="submit" class="btn" disabled={!connected || !draft.trim()} data-testid="chat-send">
            {t("chat.send")}
          </button>
        </form>
      )}
    </section>
  );
}
