import { useEffect, useState } from "preact/hooks";
import { useErrorText } from "../i18n/apiErrors.js";
import type { ShowSalesView } from "../../protocol/api.js";
import type { EmbedSettingsView } from "../../protocol/embed.js";
import { CopyButton } from "../components/CopyButton.js";
import { defineMessages, useMessages } from "../i18n/messages.js";
import { api } from "../platform/apiClient.js";
import { scoped } from "./merchantScope.js";

// The embeddable player in /admin: which sites may frame the shop's shows (CSP frame-ancestors of /embed/<slug>) and
// the two lines to paste into such a site. Type-only imports from protocol/: the schemas (zod) stay out of the bundle.
const embedMessages = defineMessages(
  {
    title: "Your shows on your website",
    lead: "Put a show on your own site with the two lines below: viewers watch, chat and buy without leaving it. Only the sites listed here may show the player; browsers refuse every other.",
    origins: "Sites allowed to embed (one per line, e.g. https://shop.example)",
    originsHint: "https only (http just for localhost and 127.0.0.1), no path. Empty: no site may embed.",
    save: "Save sites",
    saved: "Saved.",
    ownerOnly: "Only the shop's owner can change this list.",
    snippet: "Code for your site",
    show: "Show",
    events:
      "The element fires showcart:ready, showcart:live, showcart:ended, showcart:purchase and showcart:error (order id, amounts and offers, never the buyer's details) for your analytics.",
    guests:
      "Inside another site's page browsers send no Showcart sign-in, so buyers check out as guests there (email and card); accounts and one-tap buying stay on Showcart.",
  },
  {
    title: "Deine Shows auf deiner Website",
    lead: "Mit den zwei Zeilen unten läuft eine Show auf deiner eigenen Website: Zuschauer sehen zu, chatten und kaufen, ohne sie zu verlassen. Nur die hier eingetragenen Websites dürfen den Player zeigen; allen anderen verweigert ihn der Browser.",
    origins: "Websites, die einbetten dürfen (eine pro Zeile, z. B. https://shop.example)",
    originsHint: "Nur https (http nur für localhost und 127.0.0.1), ohne Pfad. Leer: keine Website darf einbetten.",
    save: "Websites speichern",
    saved: "Gespeichert.",
    ownerOnly: "Nur die Inhaberin oder der Inhaber des Shops kann diese Liste ändern.",
    snippet: "Code für deine Website",
    show: "Show",
    events:
      "Das Element meldet showcart:ready, showcart:live, showcart:ended, showcart:purchase und showcart:error (Bestellnummer, Beträge und Angebote, nie die Daten der Käufer) für deine Auswertung.",
    guests:
      "In der Seite einer anderen Website senden Browser keine Showcart-Anmeldung mit; dort kaufen Kunden als Gast (E-Mail und Karte). Konto und Ein-Klick-Kauf gibt es auf Showcart.",
  },
);

export function EmbedPanel({ shows, canEdit }: { shows: ShowSalesView[]; canEdit: boolean }) {
  const { t } = useMessages(embedMessages);
  const errorText = useErrorText();
  const [text, setText] = useState<string | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [slug, setSlug] = useState(shows[0]?.slug ?? "");
  useEffect(() => {
    api.get<EmbedSettingsView>(scoped("/api/admin/shop/embed")).then(
      (r) => setText(r.origins.join("\n")),
      (err) => setError(errorText(err)),
    );
  }, []);
  useEffect(() => {
    if (!slug && shows[0]) setSlug(shows[0].slug);
  }, [shows]);

  const save = async (e: Event) => {
    e.preventDefault();
    const origins = (text ?? "")
      .split(/[\s,]+/)
      .map((s) => s.trim())
      .filter(Boolean);
    try {
      const r = await api.put<EmbedSettingsView>(scoped("/api/admin/shop/embed"), { origins });
      setText(r.origins.join("\n"));
      setNote(t("saved"));
      setError(null);
    } catch (err) {
      setNote(null);
      setError(errorText(err));
    }
  };
  const snippet = `<script src="${location.origin}/embed.js" async></script>\n<showcart-show show="${slug}"></showcart-show>`;

  return (
    <section class="panel admin-form" data-testid="embed-panel" aria-labelledby="embed-title">
      <h2 id="embed-title">{t("title")}</h2>
      <p class="muted">{t("lead")}</p>
      <form onSubmit={save}>
        <label class="field">
          <span>{t("origins")}</span>
          <textarea
            rows={4}
            class="code"
            value={text ?? ""}
            disabled={text === null || !canEdit}
            onInput={(e) => setText(e.currentTarget.value)}
            aria-describedby="embed-origins-hint"
            data-testid="embed-origins"
          />
        </label>
        <p class="muted" id="embed-origins-hint">
          {canEdit ? t("originsHint") : t("ownerOnly")}
        </p>
        {note && (
          <p class="note" role="status">
            {note}
          </p>
        )}
        {error && (
          <p class="alert" role="alert">
            {error}
          </p>
        )}
        {canEdit && (
          <button type="submit" class="btn btn-primary" disabled={text === null} data-testid="embed-save">
            {t("save")}
          </button>
        )}
      </form>
      <h3>{t("snippet")}</h3>
      {shows.length > 0 && (
        <label class="field">
          <span>{t("show")}</span>
          <select value={slug} onChange={(e) => setSlug(e.currentTarget.value)} data-testid="embed-show">
            {shows.map((s) => (
              <option value={s.slug}>{s.title}</option>
            ))}
          </select>
        </label>
      )}
      <pre class="code" data-testid="embed-snippet">
        {snippet}
      </pre>
      <CopyButton value={snippet} />
      <p class="muted">{t("events")}</p>
      <p class="muted">{t("guests")}</p>
    </section>
  );
}
