import type { TrafficSource } from "../../protocol/api.js";

// What the viewer's page tells analytics: offer cards shown (each offer once per page, batched every 10 s and when the
// page is hidden) and checkout sheets opened. Fire and forget, like the playback telemetry.
const shown = new Set<string>();
let pending: { showId: string; offerIds: Set<string> } | null = null;
let timer: ReturnType<typeof setTimeout> | null = null;

/** Where this page's viewer came from: the embed, a host's share link (?ref=), a replay, else the live page. */
export function trafficSource(replay: boolean): TrafficSource {
  if (location.pathname.startsWith("/embed/")) return "embed";
  if (new URLSearchParams(location.search).has("ref")) return "share";
  return replay ? "replay" : "live";
}

function post(path: string, payload: unknown, leaving = false): void {
  const body = JSON.stringify(payload);
  fetch(path, {
    method: "POST",
    headers: { "content-type": "application/json", "x-showcart-csrf": "1" },
    body,
    keepalive: leaving,
    credentials: "same-origin",
  }).catch(() => undefined);
}

function flush(leaving = false): void {
  if (timer) clearTimeout(timer);
  timer = null;
  const p = pending;
  pending = null;
  if (!p || p.offerIds.size === 0) return;
  post(`/api/shows/${encodeURIComponent(p.showId)}/impressions`, { offerIds: [...p.offerIds].slice(0, 50), source: trafficSource(false) }, leaving);
}

export function offerShown(showId: string, offerId: string): void {
  const key = `${showId}/${offerId}`;
  if (shown.has(key)) return;
  shown.add(key);
  if (pending && pending.showId !== showId) flush();
  pending ??= { showId, offerIds: new Set() };
  pending.offerIds.add(offerId);
  if (pending.offerIds.size >= 50) flush();
  else timer ??= setTimeout(flush, 10_000);
}

export function checkoutOpened(showId: string, offerId: string, source: TrafficSource): void {
  post(`/api/shows/${encodeURIComponent(showId)}/checkout-opened`, { offerId, source });
}

if (typeof document !== "undefined") document.addEventListener("visibilitychange", () => document.visibilityState === "hidden" && flush(true));
