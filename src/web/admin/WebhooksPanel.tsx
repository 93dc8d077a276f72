import { useEffect, useState } from "preact/hooks";
import { useErrorText } from "../i18n/apiErrors.js";
import type { WebhookDeliveryView, WebhookEndpointView, WebhookEventType } from "../../protocol/webhooks.js";
import { CopyButton } from "../components/CopyButton.js";
import { defineMessages, useMessages } from "../i18n/messages.js";
import { api } from "../platform/apiClient.js";
import { scoped } from "./merchantScope.js";

// Outgoing webhooks in /admin: endpoints, the events they get, the signing secret (reveal, rotate) and each endpoint's
// delivery log with a retry per attempt (docs/api.md "Merchant webhooks").
const hookMessages = defineMessages(
  {
    title: "Webhooks",
    lead: "Showcart POSTs signed events to your systems (ERP, shipping, bots). Verify the Showcart-Signature header with the endpoint's secret.",
    none: "No endpoints yet.",
    add: "Add an endpoint",
    url: "Endpoint URL",
    description: "Description (optional)",
    events: "Events",
    create: "Add endpoint",
    created: "Endpoint added. Copy its signing secret now; you can reveal it again later.",
    secret: "Signing secret",
    reveal: "Reveal secret",
    hide: "Hide secret",
    rotate: "Rotate secret",
    rotateConfirm: "A new secret signs every delivery from now on; the old one stops at once. Rotate?",
    rotateYes: "Yes, rotate",
    rotated: "New secret in force.",
    cancel: "Cancel",
    remove: "Delete endpoint",
    removeConfirm: "Nothing more is sent to {url}, queued retries included. Delete?",
    removeYes: "Yes, delete",
    log: "Delivery log",
    hideLog: "Hide log",
    noDeliveries: "Nothing delivered yet.",
    when: "When",
    event: "Event",
    attempt: "Attempt",
    result: "Result",
    duration: "Time",
    ok: "OK {status}",
    failed: "Failed {status}",
    error: "Error: {error}",
    retry: "Retry",
    retried: "Sent again: the log shows the new attempt in a moment.",
    refresh: "Refresh",
    pickEvent: "Pick at least one event.",
  },
  {
    title: "Webhooks",
    lead: "Showcart sendet signierte Ereignisse per POST an deine Systeme (Warenwirtschaft, Versand, Bots). Prüfe den Header Showcart-Signature mit dem Geheimnis des Endpunkts.",
    none: "Noch keine Endpunkte.",
    add: "Endpunkt hinzufügen",
    url: "URL des Endpunkts",
    description: "Beschreibung (optional)",
    events: "Ereignisse",
    create: "Endpunkt hinzufügen",
    created: "Endpunkt hinzugefügt. Kopiere jetzt das Signatur-Geheimnis; du kannst es später erneut anzeigen.",
    secret: "Signatur-Geheimnis",
    reveal: "Geheimnis anzeigen",
    hide: "Geheimnis verbergen",
    rotate: "Geheimnis erneuern",
    rotateConfirm: "Ein neues Geheimnis signiert ab sofort jede Zustellung; das alte gilt sofort nicht mehr. Erneuern?",
    rotateYes: "Ja, erneuern",
    rotated: "Neues Geheimnis gilt.",
    cancel: "Abbrechen",
    remove: "Endpunkt löschen",
    removeConfirm: "An {url} wird nichts mehr gesendet, auch keine geplanten Wiederholungen. Löschen?",
    removeYes: "Ja, löschen",
    log: "Zustellprotokoll",
    hideLog: "Protokoll ausblenden",
    noDeliveries: "Noch nichts zugestellt.",
    when: "Wann",
    event: "Ereignis",
    attempt: "Versuch",
    result: "Ergebnis",
    duration: "Dauer",
    ok: "OK {status}",
    failed: "Fehlgeschlagen {status}",
    error: "Fehler: {error}",
    retry: "Erneut senden",
    retried: "Erneut gesendet: Das Protokoll zeigt den neuen Versuch gleich.",
    refresh: "Aktualisieren",
    pickEvent: "Mindestens ein Ereignis auswählen.",
  },
);

// Every event type once (the Record makes the compiler name a missing one); a type-only import keeps zod, which the
// protocol module's schemas need, out of the admin bundle.
const EVENT_TYPES = Object.keys({ "order.paid": 1, "order.refunded": 1, "order.fulfilled": 1, "offer.sold_out": 1 } satisfies Record<
  WebhookEventType,
  1
>) as WebhookEventType[];

function DeliveryLog({ endpointId }: { endpointId: string }) {
  const { t, locale } = useMessages(hookMessages);
  const errorText = useErrorText();
  const [rows, setRows] = useState<WebhookDeliveryView[] | null>(null);
  const [note, setNote] = useState<{ ok: boolean; text: string } | null>(null);
  const base = `/api/admin/webhooks/${encodeURIComponent(endpointId)}`;
  const load = () =>
    api.get<{ deliveries: WebhookDeliveryView[] }>(`${base}/deliveries?limit=50`).then(
      (r) => setRows(r.deliveries),
      (err) => setNote({ ok: false, text: errorText(err) }),
    );
  useEffect(() => void load(), [endpointId]);
  const retry = async (d: WebhookDeliveryView) => {
    setNote(null);
    try {
      await api.post(`${base}/deliveries/${encodeURIComponent(d.id)}/retry`);
      setNote({ ok: true, text: t("retried") });
      setTimeout(() => void load(), 1500);
    } catch (err) {
      setNote({ ok: false, text: errorText(err) });
    }
  };
  const time = new Intl.DateTimeFormat(locale, { dateStyle: "short", timeStyle: "medium" });
  return (
    <div class="webhook-log" data-testid="webhook-log">
      {note && (
        <p class={note.ok ? "note" : "alert"} role="status" data-testid="webhook-log-note">
          {note.text}
        </p>
      )}
      <button type="button" class="btn btn-small" onClick={() => void load()}>
        {t("refresh")}
      </button>
      {rows?.length === 0 && <p class="muted">{t("noDeliveries")}</p>}
      {rows && rows.length > 0 && (
        <table class="admin-table">
          <thead>
            <tr>
              <th>{t("when")}</th>
              <th>{t("event")}</th>
              <th>{t("attempt")}</th>
              <th>{t("result")}</th>
              <th>{t("duration")}</th>
              <th>
                <span class="sr-only">{t("retry")}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map((d) => (
              <tr key={d.id} data-testid="webhook-delivery" data-ok={String(d.ok)} data-event-id={d.eventId}>
                <td>{time.format(new Date(d.attemptedAt))}</td>
                <td>
                  <code>{d.eventType}</code>
                </td>
                <td>{d.attempt}</td>
                <td>
                  <span class={d.ok ? "webhook-ok" : "webhook-failed"}>
                    {d.ok ? t("ok", { status: d.statusCode ?? "" }) : t("failed", { status: d.statusCode ?? "" })}
                  </span>
                  {d.error && <div class="muted">{t("error", { error: d.error })}</div>}
                </td>
                <td>{d.durationMs} ms</td>
                <td>
                  <button type="button" class="btn btn-small" onClick={() => void retry(d)} data-testid="webhook-retry">
                    {t("retry")}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

function EndpointRow({ endpoint, freshSecret, onChanged }: { endpoint: WebhookEndpointView; freshSecret: string | null; onChanged(): void }) {
  const { t, locale } = useMessages(hookMessages);
  const errorText = useErrorText();
  const [secret, setSecret] = useState<string | null>(freshSecret);
  const [confirm, setConfirm] = useState<"rotate" | "remove" | null>(null);
  const [showLog, setShowLog] = useState(false);
  const [note, setNote] = useState<{ ok: boolean; text: string } | null>(null);
  const base = `/api/admin/webhooks/${encodeURIComponent(endpoint.id)}`;
  const act = async (work: () => Promise<void>) => {
    setNote(null);
    setConfirm(null);
    try {
      await work();
    } catch (err) {
      setNote({ ok: false, text: errorText(err) });
    }
  };
  const reveal = () =>
    act(async () => {
      if (secret) return setSecret(null);
      setSecret((await api.post<{ secret: string }>(`${base}/secret/reveal`)).secret);
    });
  const rotate = () =>
    act(async () => {
      setSecret((await api.post<{ secret: string }>(`${base}/secret/rotate`)).secret);
      setNote({ ok: true, text: t("rotated") });
    });
  const remove = () =>
    act(async () => {
      await api.del(base);
      onChanged();
    });
  return (
    <li class="webhook" data-testid="webhook-endpoint" data-endpoint-id={endpoint.id}>
      <div class="webhook-head">
        <strong class="webhook-url">{endpoint.url}</strong>
        {endpoint.description && <span class="muted"> — {endpoint.description}</span>}
      </div>
      <p class="webhook-events">
        {endpoint.events.map((e) => (
          <code>{e}</code>
        ))}{" "}
        <span class="muted">{new Intl.DateTimeFormat(locale, { dateStyle: "medium" }).format(new Date(endpoint.createdAt))}</span>
      </p>
      <div class="kv">
        <span class="kv-label">{t("secret")}</span>
        <code data-testid="webhook-secret">{secret ?? endpoint.secretHint}</code>
        {secret && <CopyButton value={secret} />}
      </div>
      {note && (
        <p class={note.ok ? "note" : "alert"} role="status" data-testid="webhook-note">
          {note.text}
        </p>
      )}
      {confirm ? (
        <div class="confirm" role="alertdialog" aria-label={confirm === "rotate" ? t("rotate") : t("remove")} data-testid="webhook-confirm">
          <p>{confirm === "rotate" ? t("rotateConfirm") : t("removeConfirm", { url: endpoint.url })}</p>
          <button
            type="button"
            class="btn btn-danger btn-small"
            onClick={() => void (confirm === "rotate" ? rotate() : remove())}
            data-testid="webhook-confirm-yes"
          >
            {confirm === "rotate" ? t("rotateYes") : t("removeYes")}
          </button>
          <button type="button" class="btn btn-small" onClick={() => setConfirm(null)}>
            {t("cancel")}
          </button>
        </div>
      ) : (
        <div class="webhook-actions">
          <button type="button" class="btn btn-small" onClick={() => void reveal()} data-testid="webhook-reveal">
            {secret ? t("hide") : t("reveal")}
          </button>
          <button type="button" class="btn btn-small" onClick={() => setConfirm("rotate")} data-testid="webhook-rotate">
            {t("rotate")}
          </button>
          <button type="button" class="btn btn-small" onClick={() => setShowLog((s) => !s)} aria-expanded={showLog} data-testid="webhook-log-toggle">
            {showLog ? t("hideLog") : t("log")}
          </button>
          <button type="button" class="btn btn-small btn-danger" onClick={() => setConfirm("remove")} data-testid="webhook-delete">
            {t("remove")}
          </button>
        </div>
      )}
      {showLog && <DeliveryLog endpointId={endpoint.id} />}
    </li>
  );
}

export function WebhooksPanel() {
  const { t } = useMessages(hookMessages);
  const errorText = useErrorText();
  const [endpoints, setEndpoints] = useState<WebhookEndpointView[] | null>(null);
  const [url, setUrl] = useState("");
  const [description, setDescription] = useState("");
  const [events, setEvents] = useState<WebhookEventType[]>(["order.paid"]);
  const [fresh, setFresh] = useState<{ id: string; secret: string } | null>(null);
  const [note, setNote] = useState<{ ok: boolean; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const load = () =>
    api.get<{ endpoints: WebhookEndpointView[] }>(scoped("/api/admin/webhooks")).then(
      (r) => setEndpoints(r.endpoints),
      (err) => setNote({ ok: false, text: errorText(err) }),
    );
  useEffect(() => void load(), []);
  const create = async (e: Event) => {
    e.preventDefault();
    setNote(null);
    if (events.length === 0) return setNote({ ok: false, text: t("pickEvent") });
    setBusy(true);
    try {
      const merchant = new URL(scoped("/x"), location.origin).searchParams.get("merchantId");
      const r = await api.post<{ endpoint: WebhookEndpointView; secret: string }>("/api/admin/webhooks", {
        url: url.trim(),
        events,
        ...(description.trim() ? { description: description.trim() } : {}),
        ...(merchant ? { merchantId: merchant } : {}),
      });
      setFresh({ id: r.endpoint.id, secret: r.secret });
      setNote({ ok: true, text: t("created") });
      setUrl("");
      setDescription("");
      await load();
    } catch (err) {
      setNote({ ok: false, text: errorText(err) });
    } finally {
      setBusy(false);
    }
  };
  return (
    <div data-testid="webhooks-panel">
      <section class="panel">
        <h2>{t("title")}</h2>
        <p class="muted">{t("lead")}</p>
        {endpoints?.length === 0 && <p class="muted">{t("none")}</p>}
        {endpoints && endpoints.length > 0 && (
          <ul class="webhook-list" data-testid="webhook-endpoints">
            {endpoints.map((ep) => (
              <EndpointRow key={ep.id} endpoint={ep} freshSecret={fresh?.id === ep.id ? fresh.secret : null} onChanged={() => void load()} />
            ))}
          </ul>
        )}
      </section>
      <form class="panel" onSubmit={create} data-testid="webhook-form">
        <h2>{t("add")}</h2>
        <label class="field">
          <span>{t("url")}</span>
          <input
            type="url"
            required
            maxLength={2000}
            placeholder="https://"
            value={url}
            onInput={(e) => setUrl(e.currentTarget.value)}
            data-testid="webhook-url"
          />
        </label>
        <label class="field">
          <span>{t("description")}</span>
          <input maxLength={200} value={description} onInput={(e) => setDescription(e.currentTarget.value)} data-testid="webhook-description" />
        </label>
        <fieldset>
          <legend>{t("events")}</legend>
          {EVENT_TYPES.map((type) => (
            <label class="check">
              <input
                type="checkbox"
                checked={events.includes(type)}
                onChange={(e) => setEvents(e.currentTarget.checked ? [...events, type] : events.filter((x) => x !== type))}
                data-testid={`webhook-event-${type}`}
              />
              <code>{type}</code>
            </label>
          ))}
        </fieldset>
        {note && (
          <p class={note.ok ? "note" : "alert"} role="status" data-testid="webhook-form-note">
            {note.text}
          </p>
        )}
        <button type="submit" class="btn btn-primary" disabled={busy} data-testid="webhook-create">
          {t("create")}
        </button>
      </form>
    </div>
  );
}
