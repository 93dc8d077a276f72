import type { OfferView, ReplayMarker } from "../../protocol/api.js";

// Apart from OfferTimeline.tsx so the viewer page's first load carries these few lines, not the timeline component
// (that loads with the replay player).

/** The marker whose offer is on screen at `t`: the last one pinned at or before it (a hair of slack for seeks). */
export function markerAt(markers: ReplayMarker[], t: number): ReplayMarker | null {
  let found: ReplayMarker | null = null;
  for (const m of markers) if (m.atSeconds <= t + 0.25 && (!found || m.atSeconds >= found.atSeconds)) found = m;
  return found;
}

/** The replay's offer card at `t`: the offer of the marker at that time (live stock when it is still open). */
export function replayOfferAt(markers: ReplayMarker[], t: number, open: OfferView[]): OfferView | null {
  const m = markerAt(markers, t);
  if (m) return open.find((o) => o.id === m.offerId) ?? m.offer;
  return open[0] ?? null;
}
