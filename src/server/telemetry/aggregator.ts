import type { PlaybackReport } from "../../protocol/api.js";
import type { Clock } from "../platform/clock.js";

export interface PlaybackSummary {
  /** Sessions that reported within the window. */
  viewersReporting: number;
  medianDelayMs: number | null;
  p90DelayMs: number | null;
  medianStartupMs: number | null;
  /** Stalled ÷ watched time over the window, 0–1; null when nothing was watched. */
  rebufferRatio: number | null;
}

interface Interval {
  at: number;
  intervalMs: number;
  stalledMs: number;
}

interface Session {
  lastAt: number;
  delayMs: number | null;
  startupMs: number | null;
  intervals: Interval[];
}

export interface AggregatorOptions {
  windowMs?: number;
  /** New sessions beyond this many per show are ignored (memory bound; the sample is still representative). */
  maxSessionsPerShow?: number;
}

// A report every ~5 s gives ~6 intervals per 30 s window; more than this is a misbehaving client.
const MAX_INTERVALS_PER_SESSION = 16;

/**
 * Playback telemetry per show, in memory, over a sliding window (default 30 s) of the injected clock. Each
 * session counts once for delay and startup (its latest report); rebuffering sums the intervals inside the window.
 */
export class PlaybackAggregator {
  readonly #clock: Clock;
  readonly #windowMs: number;
  readonly #maxSessions: number;
  readonly #shows = new Map<string, Map<string, Session>>();

  constructor(clock: Clock, opts: AggregatorOptions = {}) {
    this.#clock = clock;
    this.#windowMs = opts.windowMs ?? 30_000;
    this.#maxSessions = opts.maxSessionsPerShow ?? 20_000;
  }

  record(showId: string, report: PlaybackReport): void {
    const now = this.#clock.now().getTime();
    let sessions = this.#shows.get(showId);
    if (!sessions) {
      sessions = new Map();
      this.#shows.set(showId, sessions);
    }
    let session = sessions.get(report.sessionId);
    if (!session) {
      if (sessions.size >= this.#maxSessions) this.#expire(sessions, now);
      if (sessions.size >= this.#maxSessions) return;
      session = { lastAt: now, delayMs: null, startupMs: null, intervals: [] };
      sessions.set(report.sessionId, session);
    }
    session.lastAt = now;
    session.delayMs = report.liveDelayMs;
    session.startupMs = report.startupMs ?? session.startupMs;
    if (report.intervalMs > 0) {
      session.intervals.push({ at: now, intervalMs: report.intervalMs, stalledMs: report.stalledMs });
      if (session.intervals.length > MAX_INTERVALS_PER_SESSION) session.intervals.shift();
    }
  }

  summary(showId: string): PlaybackSummary | null {
    const sessions = this.#shows.get(showId);
    if (!sessions) return null;
    const now = this.#clock.now().getTime();
    this.#expire(sessions, now);
    if (sessions.size === 0) {
      this.#shows.delete(showId);
      return null;
    }
    const delays: number[] = [];
    const startups: number[] = [];
    let watched = 0;
    let stalled = 0;
    for (const s of sessions.values()) {
      if (s.delayMs !== null) delays.push(s.delayMs);
      if (s.startupMs !== null) startups.push(s.startupMs);
      for (const i of s.intervals) {
        watched += i.intervalMs;
        stalled += i.stalledMs;
      }
    }
    delays.sort((a, b) => a - b);
    startups.sort((a, b) => a - b);
    return {
      viewersReporting: sessions.size,
      medianDelayMs: quantile(delays, 0.5),
      p90DelayMs: quantile(delays, 0.9),
      medianStartupMs: quantile(startups, 0.5),
      rebufferRatio: watched > 0 ? stalled / watched : null,
    };
  }

  /** Shows with at least one session in the window (for periodic studio updates). */
  activeShows(): string[] {
    const now = this.#clock.now().getTime();
    for (const [showId, sessions] of this.#shows) {
      this.#expire(sessions, now);
      if (sessions.size === 0) this.#shows.delete(showId);
    }
    return [...this.#shows.keys()];
  }

  #expire(sessions: Map<string, Session>, now: number): void {
    const from = now - this.#windowMs;
    for (const [id, s] of sessions) {
      if (s.lastAt <= from) {
        sessions.delete(id);
        continue;
      }
      while (s.intervals.length && s.intervals[0]!.at <= from) s.intervals.shift();
    }
  }
}

/** Nearest-rank quantile of sorted values (the median of an even count is the mean of the middle two). */
export function quantile(sorted: number[], q: number): number | null {
  const n = sorted.length;
  if (n === 0) return null;
  if (q === 0.5) {
    const mid = n >> 1;
    return n % 2 ? sorted[mid]! : Math.round((sorted[mid - 1]! + sorted[mid]!) / 2);
  }
  return sorted[Math.min(n - 1, Math.max(0, Math.ceil(q * n) - 1))]!;
}
