import { useEffect, useState } from "preact/hooks";
import { serverNow } from "./serverClock.js";

/** The server's current time, re-rendering the caller every `everyMs`. */
export function useServerNow(everyMs = 1000): number {
  const [now, setNow] = useState(serverNow);
  useEffect(() => {
    const id = setInterval(() => setNow(serverNow()), everyMs);
    return () => clearInterval(id);
  }, [everyMs]);
  return now;
}
