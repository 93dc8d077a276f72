import { useEffect, useState } from "preact/hooks";
import type { OfferView, WaitlistEntryView } from "../../protocol/api.js";
import { ApiError, NetworkError, api } from "../apiClient.js";
import { useI18n } from "../i18n.js";

const storageKey = (offerId: string) => `showcart.waitlist.${offerId}`;

/** The waitlist entry this browser holds for an offer (its id is the secret handle), if any. */
export function storedEntryId(offerId: string): string | null {
  try {
    return localStorage.getItem(storageKey(offerId));
  } catch {
    return null;
  }
}

/** What the realtime `waitlist.offered` event carries instead of the entry id: the first 16 chars of its SHA-256. */
export async function entryKeyOf(entryId: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(entryId)));
  return btoa(String.fromCharCode(...digest)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "").slice(0, 16);
}

/** On a sold-out card: join the waitlist (email, or the signed-in account's), then show the place in line. */
export function WaitlistButton({ offer, accountEmail }: { offer: OfferView; accountEmail?: string }) {
  const { t } = useI18n();
  const [entry, setEntry] = useState<WaitlistEntryView | null>(null);
  const [email, setEmail] = useState("");
  const [asking, setAsking] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    const id = storedEntryId(offer.id);
    if (id) api.get<{ entry: WaitlistEntryView }>(`/api/waitlist/${encodeURIComponent(id)}`).then((r) => setEntry(r.entry), () => {});
  }, [offer.id]);

  const join = async (e?: Event) => {
    e?.preventDefault();
    if (!accountEmail && !asking) return setAsking(true);
    setBusy(true);
    setError(null);
    try {
      const r = await api.post<{ entry: WaitlistEntryView }>(`/api/offers/${encodeURIComponent(offer.id)}/waitlist`, accountEmail ? {} : { email: email.trim() });
      try {
        localStorage.setItem(storageKey(offer.id), r.entry.id);
      } catch {
        // Kept for this page view only.
      }
      setEntry(r.entry);
    } catch (err) {
      setError(err instanceof ApiError ? err.message : err instanceof NetworkError ? t("common.network") : t("common.error"));
    } finally {
      setBusy(false);
    }
  };

  if (entry && (entry.status === "waiting" || entry.status === "offered")) {
    return (
      <p class="note waitlist-joined" role="status" data-testid="waitlist-joined">
        {t("waitlist.joined", { n: entry.position ?? 1 })}
      </p>
    );
  }
  return (
    <form class="waitlist" onSubmit={join} data-testid="waitlist">
      {asking && !accountEmail && (
        <input type="email" required placeholder={t("waitlist.email")} aria-label={t("waitlist.email")} value={email} onInput={(e) => setEmail(e.currentTarget.value)} data-testid="waitlist-email" />
      )}
      <button type="submit" class="btn btn-small" disabled={busy} data-testid="waitlist-join">
        {t("waitlist.join")}
      </button>
      {error && (
        <p class="alert" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}
