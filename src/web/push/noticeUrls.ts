// What the service worker opens and shows for a notice (src/web/push/service-worker.ts): pure, so tested apart.

/**
 * The page to open: the payload's path on this site's origin, whatever origin the payload names (PUBLIC_URL may be
 * another name for this site), so a notice never opens another site.
 */
export function pageOnThisSite(raw: unknown, origin: string): string {
  try {
    const url = new URL(String(raw), origin);
    return new URL(`${url.pathname}${url.search}${url.hash}`, origin).href;
  } catch {
    return `${origin}/`;
  }
}

/** The show's cover: this site's, or an https image (a CDN); anything else is left out. */
export function imageUrl(raw: unknown, origin: string): string | null {
  try {
    const url = new URL(String(raw), origin);
    return url.origin === origin || url.protocol === "https:" ? url.href : null;
  } catch {
    return null;
  }
}
