import { useEffect, useState } from "preact/hooks";
import { useErrorText } from "../i18n/apiErrors.js";
import type { JoinWaitlistAnswer, OfferView, WaitlistEntryView } from "../../protocol/api.js";
import { api } from "../platform/apiClient.js";
import { coreMessages } from "../i18n/coreText.js";
import { getLang } from "../i18n/lang.js";
import { combineMessages, defineMessages, useMessages } from "../i18n/messages.js";

// Loaded with the button, on a sold-out card only (see the viewer page). Keys not found here are the shared ones.
const waitlistMessages = combineMessages(
  defineMessages(
    {
      "waitlist.join": "Join the waitlist",
      "waitlist.joined": "You're on the waitlist (#{n}). We'll email you if units come back.",
      "waitlist.linkSent": "This email is already on the waitlist. We've sent it a link to its place in line.",
      "waitlist.email": "Email for the waitlist",
    },
    {
      "waitlist.join": "Auf die Warteliste",
      "waitlist.joined": "Du stehst auf der Warteliste (Nr. {n}). Wir schreiben dir, wenn Stücke frei werden.",
      "waitlist.linkSent": "Diese E-Mail steht schon auf der Warteliste. Wir haben ihr einen Link zu ihrem Platz geschickt.",
      "waitlist.email": "E-Mail für die Warteliste",
    },
  ),
  coreMessages,
);

const storageKey = (offerId: string) => `showcart.waitlist.${offerId}`;

/** The waitlist entry this browser holds for an offer, with its token (X-Waitlist-Token), if any. */
function storedEntry(offerId: string): { id: string; token?: string } | null {
  try {
    const raw = localStorage.getItem(storageKey(offerId));
    if (!raw) return null;
    // Entries stored before tokens existed are a bare id: the signed-in account that joined still opens them.
    return raw.startsWith("{") ? (JSON.parse(raw) as { id: string; token?: string }) : { id: raw };
  } catch {
    return null;
  }
}

function storeEntry(offerId: string, entry: { id: string; token?: string }): void {
  try {
    localStorage.setItem(storageKey(offerId), JSON.stringify(entry));
  } catch {
    // Kept for this page view only.
  }
}

export function storedEntryId(offerId: string): string | null {
  return storedEntry(offerId)?.id ?? null;
}

/** The headers that prove this browser holds the offer's entry. */
export function waitlistHeaders(offerId: string): Record<string, string> | undefined {
  const token = storedEntry(offerId)?.token;
  return token ? { "x-waitlist-token": token } : undefined;
}

/** The entry link emailed to an address that already waits (`?waitlist=<id>#wt=<token>`), if this page was opened by one. */
function entryLink(): { id: string; token: string } | null {
  const id = new URLSearchParams(location.search).get("waitlist");
  const token = new URLSearchParams(location.hash.slice(1)).get("wt");
  return id && token ? { id, token } : null;
}

/** What the realtime `waitlist.offered` event carries instead of the entry id: the first 16 chars of its SHA-256. */
export async function entryKeyOf(entryId: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(entryId)));
  return btoa(String.fromCharCode(...digest))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "")
    .slice(0, 16);
}

/** On a sold-out card: join the waitlist (email, or the signed-in account's), then show the place in line. */
export function WaitlistButton({ offer, accountEmail }: { offer: OfferView; accountEmail?: string }) {
  const { t } = useMessages(waitlistMessages);
  const errorText = useErrorText();
  const [entry, setEntry] = useState<WaitlistEntryView | null>(null);
  const [email, setEmail] = useState("");
  const [asking, setAsking] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [linkSent, setLinkSent] = useState(false);

  useEffect(() => {
    const link = entryLink();
    if (link) {
      // The emailed link: the entry becomes this browser's if it is this offer's; the token leaves the address bar.
      api.get<{ entry: WaitlistEntryView }>(`/api/waitlist/${encodeURIComponent(link.id)}`, { "x-waitlist-token": link.token }).then(
        (r) => {
          if (r.entry.offerId !== offer.id) return;
          storeEntry(offer.id, link);
          history.replaceState(null, "", location.pathname);
          setEntry(r.entry);
        },
        () => {},
      );
      return;
    }
    const id = storedEntryId(offer.id);
    if (id)
      api.get<{ entry: WaitlistEntryView }>(`/api/waitlist/${encodeURIComponent(id)}`, waitlistHeaders(offer.id)).then(
        (r) => setEntry(r.entry),
        () => {},
      );
  }, [offer.id]);

  const join = async (e?: Event) => {
    e?.preventDefault();
    if (!accountEmail && !asking) return setAsking(true);
    setBusy(true);
    setError(null);
    try {
      const r = await api.post<JoinWaitlistAnswer>(
        `/api/offers/${encodeURIComponent(offer.id)}/waitlist`,
        accountEmail ? { lang: getLang() } : { email: email.trim(), lang: getLang() },
      );
      if (!r.entry) {
        // The address already waits: its entry goes to that inbox as a link, never to this answer.
        setLinkSent(true);
        return;
      }
      storeEntry(offer.id, { id: r.entry.id, token: r.entryToken ?? undefined });
      setEntry(r.entry);
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  if (linkSent) {
    return (
      <p class="note waitlist-joined" role="status" data-testid="waitlist-link-sent">
        {t("waitlist.linkSent")}
      </p>
    );
  }
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
        <input
          type="email"
          required
          placeholder={t("waitlist.email")}
          aria-label={t("waitlist.email")}
          value={email}
          onInput={(e) => setEmail(e.currentTarget.value)}
          data-testid="waitlist-email"
        />
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
