import { useEffect, useState } from "preact/hooks";
import type { ReplayView, ShowStatus, ShowView } from "../../protocol/api.js";
import { api } from "../platform/apiClient.js";

const POLL_MS = 4000;
const MAX_POLLS = 20;

/**
 * The show's replay while it is off air. A show that ends while the page is open gets its replay a few seconds later
 * (the recording is finalised after the publisher's reconnect grace), so poll for it for a while.
 */
export function useReplay(show: ShowView, status: ShowStatus): ReplayView | null {
  const [replay, setReplay] = useState(show.replay);
  const offAir = status === "offline" || status === "ended";
  useEffect(() => {
    if (!offAir || replay) return;
    let polls = 0;
    const id = setInterval(() => {
      if (++polls > MAX_POLLS) return clearInterval(id);
      api.get<{ show: ShowView }>(`/api/shows/${encodeURIComponent(show.id)}`).then(
        (r) => r.show.replay && setReplay(r.show.replay),
        () => undefined,
      );
    }, POLL_MS);
    return () => clearInterval(id);
  }, [offAir, replay, show.id]);
  return offAir ? replay : null;
}
