import { render } from "preact";
import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import type { ShowShareView, ShowView } from "../../protocol/api.js";
import { api } from "../platform/apiClient.js";
import { useShareText } from "./shareText.js";

interface ShareSheetProps {
  show: ShowView;
  onClose(): void;
}

// One request per page view: the link does not change while the page is open (a host's code is theirs for good).
let shareLink: Promise<ShowShareView> | null = null;
function linkFor(show: ShowView): Promise<ShowShareView> {
  shareLink ??= api.get<{ share: ShowShareView }>(`/api/shows/${encodeURIComponent(show.id)}/share`).then((r) => r.share);
  shareLink.catch(() => (shareLink = null));
  return shareLink;
}

/** The picture Pinterest pins: the replay's poster, the cover, or the pinned product's picture. */
function pictureOf(show: ShowView): string | null {
  const src = show.replay?.posterUrl ?? show.coverUrl ?? show.offers.find((o) => o.pinned)?.imageUrl ?? null;
  return src ? new URL(src, location.origin).href : null;
}

/** Each network's share address for `url` (the networks' documented share links; nothing is loaded from them). */
export function networkLinks(url: string, title: string, picture: string | null) {
  const q = (params: Record<string, string | null>) =>
    Object.entries(params)
      .filter((e): e is [string, string] => e[1] !== null)
      .map(([k, v]) => `${k}=${encodeURIComponent(v)}`)
      .join("&");
  return [
    { id: "whatsapp", name: "WhatsApp", href: `https://wa.me/?${q({ text: `${title} ${url}` })}` },
    { id: "facebook", name: "Facebook", href: `https://www.facebook.com/sharer/sharer.php?${q({ u: url })}` },
    { id: "pinterest", name: "Pinterest", href: `https://www.pinterest.com/pin/create/button/?${q({ url, media: picture, description: title })}` },
    { id: "x", name: "X", href: `https://x.com/intent/tweet?${q({ text: title, url })}` },
  ];
}

/**
 * The device's own share sheet (Web Share API) where the browser has one: true when it was shown (shared or
 * dismissed), false when the page should show its own sheet instead.
 */
export async function shareNatively(show: ShowView): Promise<boolean> {
  if (typeof navigator.share !== "function") return false;
  let link: ShowShareView;
  try {
    link = await linkFor(show);
  } catch {
    return false;
  }
  const data = { title: link.title, text: link.title, url: link.url };
  if (navigator.canShare && !navigator.canShare(data)) return false;
  try {
    await navigator.share(data);
    return true;
  } catch (err) {
    // Dismissed by the viewer: done. Refused (no user gesture left, no share target): our sheet instead.
    return err instanceof DOMException && err.name === "AbortError";
  }
}

/**
 * Shows the sheet in a layer of its own at the end of <body>: inside the page's top bar (sticky, backdrop-filter)
 * a fixed backdrop would cover the bar only, not the viewport. `onClosed` runs once it is gone.
 */
export function openShareSheet(show: ShowView, onClosed: () => void): void {
  const layer = document.createElement("div");
  document.body.append(layer);
  const close = () => {
    render(null, layer);
    layer.remove();
    onClosed();
  };
  render(<ShareSheet show={show} onClose={close} />, layer);
}

/** Links for WhatsApp, Facebook, Pinterest, X and e-mail, and copy-link: where the browser has no share sheet. */
export function ShareSheet({ show, onClose }: ShareSheetProps) {
  const { t } = useShareText();
  const [link, setLink] = useState<ShowShareView | null>(null);
  const [failed, setFailed] = useState(false);
  const [copied, setCopied] = useState<"yes" | "no" | null>(null);
  const dialog = useRef<HTMLDivElement>(null);
  const field = useRef<HTMLInputElement>(null);

  useEffect(() => {
    linkFor(show).then(setLink, () => setFailed(true));
  }, [show.id]);

  // Keyboard: Escape closes; Tab stays inside the dialog (aria-modal) and focus starts on its first control.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "Escape") return onClose();
      if (e.key !== "Tab" || !dialog.current) return;
      const items = [...dialog.current.querySelectorAll<HTMLElement>("a[href], button, input")];
      const first = items[0];
      const last = items.at(-1);
      if (e.shiftKey && document.activeElement === first) {
        e.preventDefault();
        last?.focus();
      } else if (!e.shiftKey && document.activeElement === last) {
        e.preventDefault();
        first?.focus();
      }
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, [onClose]);
  // In the same commit as the link appears (an effect would run after paint, a moment with focus nowhere).
  useLayoutEffect(() => {
    if (link) field.current?.focus();
  }, [link]);

  const copy = async () => {
    if (!link) return;
    try {
      await navigator.clipboard.writeText(link.url);
      setCopied("yes");
    } catch {
      // No clipboard access (an insecure origin, a refused permission): the link is selected for the viewer to copy.
      field.current?.select();
      setCopied("no");
    }
  };

  return (
    <div class="sheet-backdrop" onClick={(e) => e.target === e.currentTarget && onClose()}>
      <div class="sheet share-sheet" role="dialog" aria-modal="true" aria-labelledby="share-title" ref={dialog} data-testid="share-sheet">
        <header class="sheet-head">
          <h2 id="share-title">{t("share.title")}</h2>
          <button type="button" class="icon-btn" onClick={onClose} aria-label={t("share.close")} data-testid="share-close">
            ✕
          </button>
        </header>
        {failed ? (
          <p class="alert" role="alert">
            {t("share.loadFailed")}
          </p>
        ) : !link ? (
          <p>{t("common.loading")}</p>
        ) : (
          <>
            <label class="field">
              <span>{t("share.link")}</span>
              <input ref={field} readOnly value={link.url} onFocus={(e) => e.currentTarget.select()} data-testid="share-url" />
            </label>
            {link.code && <p class="muted share-yours">{t("share.yours")}</p>}
            <ul class="share-links">
              {networkLinks(link.url, link.title, pictureOf(show)).map((n) => (
                <li key={n.id}>
                  <a class="btn btn-block" href={n.href} target="_blank" rel="noopener noreferrer" data-testid={`share-${n.id}`}>
                    {n.name} <span class="sr-only">{t("share.newTab")}</span>
                  </a>
                </li>
              ))}
              <li>
                <a
                  class="btn btn-block"
                  href={`mailto:?subject=${encodeURIComponent(link.title)}&body=${encodeURIComponent(`${link.title}\n${link.url}`)}`}
                  data-testid="share-email"
                >
                  {t("share.email")}
                </a>
              </li>
              <li>
                <button type="button" class="btn btn-primary btn-block" onClick={() => void copy()} data-testid="share-copy">
                  {t("share.copy")}
                </button>
              </li>
            </ul>
            <p class="share-status" role="status" data-testid="share-status">
              {copied === "yes" ? t("share.copied") : copied === "no" ? t("share.copyFailed") : ""}
            </p>
          </>
        )}
      </div>
    </div>
  );
}
