import type { ClientCommand, Envelope, PersonalFrame, ServerFrame, Snapshot, SocketError } from "../../protocol/realtime.js";

export type ConnectionState = "connecting" | "open" | "closed";

export interface RealtimeHandlers {
  /** Full state: replace everything derived from earlier events. */
  onSnapshot(snapshot: Snapshot): void;
  /** One event, in order, never one already applied. */
  onEvent(event: Envelope): void;
  /** A refusal from the server, in the same catalogue as the REST answers. */
  onError?(error: SocketError): void;
  onState?(state: ConnectionState): void;
  /** A frame for this signed-in viewer only (a host's request to come on stage); sent again after each rejoin. */
  onPersonal?(frame: PersonalFrame): void;
}

export interface RealtimeOptions {
  /** Path without query, e.g. `/ws/shows/abc`. */
  path: string;
  /** Extra query parameters, read again on every (re)connect. */
  params?: () => Record<string, string | undefined>;
  handlers: RealtimeHandlers;
  /** Injected for tests; defaults to the browser's WebSocket and Math.random. */
  createSocket?: (url: string) => WebSocket;
  random?: () => number;
  /** ws(s)://host to connect to; defaults to the page's own origin. */
  origin?: string;
}

export interface RealtimeConnection {
  send(command: ClientCommand): boolean;
  /** Drop the socket and connect again at once (e.g. after the chat name changed), resuming from the last seq. */
  reconnect(): void;
  close(): void;
}

const BACKOFF_BASE_MS = 500;
const BACKOFF_MAX_MS = 15_000;
const PING_EVERY_MS = 25_000;
// A connection that stayed up this long counts as healthy; the next failure starts the backoff from scratch.
const STABLE_AFTER_MS = 10_000;

/**
 * Connects to a room, resumes from (epoch, seq) after a drop, and retries with full-jitter exponential backoff.
 * Events arrive in batches; only those with seq greater than the last applied one are dispatched.
 */
export function connectRealtime(opts: RealtimeOptions): RealtimeConnection {
  const random = opts.random ?? Math.random;
  const createSocket = opts.createSocket ?? ((url: string) => new WebSocket(url));
  let epoch: string | null = null;
  let seq = 0;
  let attempt = 0;
  let socket: WebSocket | null = null;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let pingTimer: ReturnType<typeof setInterval> | undefined;
  let openedAt = 0;
  let closed = false;
  let drainDelayMs: number | null = null;

  const setState = (s: ConnectionState) => opts.handlers.onState?.(s);

  function urlFor(): string {
    const origin = opts.origin ?? `${location.protocol === "https:" ? "wss:" : "ws:"}//${location.host}`;
    const q = new URLSearchParams();
    if (epoch !== null) {
      q.set("since", String(seq));
      q.set("epoch", epoch);
    }
    for (const [k, v] of Object.entries(opts.params?.() ?? {})) if (v) q.set(k, v);
    const qs = q.toString();
    return `${origin}${opts.path}${qs ? `?${qs}` : ""}`;
  }

  function handleFrame(frame: ServerFrame): void {
    switch (frame.t) {
      case "hello":
        attempt = 0;
        // A different epoch means the room's history is gone; a snapshot follows and resets seq.
        if (frame.d.epoch !== epoch) {
          epoch = frame.d.epoch;
          seq = frame.d.seq;
        }
        return;
      case "snapshot":
        epoch = frame.d.epoch;
        seq = frame.d.seq;
        opts.handlers.onSnapshot(frame.d);
        return;
      case "batch":
        for (const ev of frame.d) {
          if (ev.seq <= seq) continue;
          seq = ev.seq;
          opts.handlers.onEvent(ev);
        }
        return;
      case "error":
        opts.handlers.onError?.(frame.d);
        return;
      case "pong":
        return;
      case "reconnect":
        // The server is draining: come back after its suggested delay (spread across clients), resuming.
        drainDelayMs = Math.max(0, Math.min(frame.d.afterMs, BACKOFF_MAX_MS));
        return;
      case "stage.invited":
      case "stage.withdrawn":
        opts.handlers.onPersonal?.(frame);
        return;
    }
  }

  function open(): void {
    if (closed) return;
    setState("connecting");
    const ws = createSocket(urlFor());
    socket = ws;
    ws.onopen = () => {
      if (socket !== ws) return;
      openedAt = Date.now();
      setState("open");
      clearInterval(pingTimer);
      pingTimer = setInterval(() => send({ t: "ping" }), PING_EVERY_MS);
    };
    ws.onmessage = (msg) => {
      if (socket !== ws || typeof msg.data !== "string") return;
      let frame: ServerFrame;
      try {
        frame = JSON.parse(msg.data) as ServerFrame;
      } catch {
        return;
      }
      handleFrame(frame);
    };
    ws.onclose = (ev) => {
      if (socket !== ws) return;
      socket = null;
      clearInterval(pingTimer);
      if (closed) return;
      setState("closed");
      // 4400–4499 mirror HTTP 4xx (unknown show, signed out, not allowed): retrying cannot help.
      if (ev.code >= 4400 && ev.code < 4500) return;
      if (openedAt && Date.now() - openedAt > STABLE_AFTER_MS) attempt = 0;
      openedAt = 0;
      if (drainDelayMs !== null) {
        retryTimer = setTimeout(open, drainDelayMs);
        drainDelayMs = null;
        return;
      }
      const cap = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** attempt);
      attempt++;
      // Full jitter: a room full of viewers dropped by one restart must not come back in lockstep.
      retryTimer = setTimeout(open, Math.max(100, random() * cap));
    };
    ws.onerror = () => {
      // onclose follows and schedules the retry.
    };
  }

  function send(command: ClientCommand): boolean {
    if (socket?.readyState !== 1 /* OPEN */) return false;
    socket.send(JSON.stringify(command));
    return true;
  }

  function drop(): void {
    clearTimeout(retryTimer);
    clearInterval(pingTimer);
    const ws = socket;
    socket = null;
    if (ws) {
      ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null;
      ws.close();
    }
  }

  open();

  return {
    send,
    reconnect() {
      drop();
      attempt = 0;
      open();
    },
    close() {
      closed = true;
      drop();
    },
  };
}
