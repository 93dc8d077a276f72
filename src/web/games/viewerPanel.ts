import { useEffect, useState } from "preact/hooks";
import type { ErrorCode } from "../../protocol/errors.js";
import type { Envelope } from "../../protocol/realtime.js";
import type { BuyerAccount } from "../buyers/useBuyer.js";
import { ApiError } from "../platform/apiClient.js";

// What the five games' viewer panels (auction, giveaway, poll, mystery, coupon) share: their props, following the
// room's events, a quiet (re)load, one action at a time with its refusal in the game's own words, the sign-in link.

/** What GamePanels gives every game's viewer panel. */
export interface GamePanelProps {
  showId: string;
  account: BuyerAccount | null | undefined;
  /** The page's room events; returns an unsubscribe function. */
  subscribe(fn: (ev: Envelope) => void): () => void;
}

/** Hands the panel every room event while it is mounted (subscribed again when `deps` change). */
export function useRoomEvents(subscribe: GamePanelProps["subscribe"], onEvent: (ev: Envelope) => void, deps: readonly unknown[] = []): void {
  useEffect(() => subscribe(onEvent), [subscribe, ...deps]);
}

/**
 * Runs `load` now and whenever `deps` change, and returns it for reloading after an event. A failed load keeps what
 * the panel shows: the next event or reload brings it up to date.
 */
export function useQuietLoad(load: () => Promise<unknown>, deps: readonly unknown[]): () => Promise<void> {
  const quiet = () =>
    load().then(
      () => undefined,
      () => undefined,
    );
  useEffect(() => void quiet(), deps);
  return quiet;
}

export interface PanelMessage {
  kind: "ok" | "error";
  text: string;
}

/** One action at a time: `busy` while it runs; what it says on success (if anything) or its refusal as `message`. */
export function usePanelAction() {
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<PanelMessage | null>(null);
  const run = async (action: () => Promise<string | undefined>, refusal: (err: unknown) => string) => {
    setBusy(true);
    setMessage(null);
    try {
      const said = await action();
      if (said) setMessage({ kind: "ok", text: said });
    } catch (err) {
      setMessage({ kind: "error", text: refusal(err) });
    } finally {
      setBusy(false);
    }
  };
  return { busy, message, setMessage, run };
}

/** The dictionary key of a refusal: `<game>.error.<code>` for the codes the game explains, else `<game>.error.other`. */
export function refusalKey<G extends string, C extends ErrorCode>(game: G, err: unknown, explained: readonly C[]): `${G}.error.${C | "other"}` {
  const code = err instanceof ApiError && (explained as readonly ErrorCode[]).includes(err.code) ? (err.code as C) : "other";
  return `${game}.error.${code}`;
}

/** The error code of a refused request, if the server answered. */
export const refusedWith = (err: unknown): ErrorCode | null => (err instanceof ApiError ? err.code : null);

/** The sign-in page, coming back to this show afterwards. */
export const signInHref = (): string => `/login?next=${encodeURIComponent(location.pathname)}`;

/** A game that takes part until `closesAt` (if set): whether it is open now, and the milliseconds left. */
export function openUntil(status: string, closesAt: string | null, now: number): { open: boolean; closesIn: number | null } {
  const closesIn = closesAt ? new Date(closesAt).getTime() - now : null;
  return { open: status === "open" && (closesIn === null || closesIn > 0), closesIn };
}

/** The list with `item` first, replacing an older copy of it (a game opened or dropped again). */
export const putFirst = <T extends { id: string }>(list: readonly T[], item: T): T[] => [item, ...list.filter((x) => x.id !== item.id)];
