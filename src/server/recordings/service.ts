import { mkdir, rm, stat } from "node:fs/promises";
import path from "node:path";
import type { FastifyBaseLogger } from "fastify";
import type { RecordingView, ReplayMarker, ReplayView } from "../../protocol/api.js";
import type { Db } from "../db/index.js";
import { spawnFfmpeg, stopGracefully, type FfmpegRun } from "../platform/ffmpeg-process.js";
import type { OfferService } from "../offers/index.js";
import type { Clock } from "../platform/clock.js";
import { randomId } from "../platform/ids.js";
import { finalisePlaylist } from "./playlist.js";
import type { RecordingStorage } from "./storage.js";
import { RecordingStore, type RecordingRow } from "./store.js";

export interface RecordingDeps {
  db: Db;
  clock: Clock;
  offers: OfferService;
  ffmpegPath: string;
  mediaDir: string;
  /** Where finished recordings go (local disk unless RECORDINGS_STORAGE=s3); none: they stay on this node's disk. */
  storage?: RecordingStorage;
  log: FastifyBaseLogger;
  /** Target segment length; with -c copy segments are cut at the source's keyframes (OBS: every 2 s). */
  segmentSeconds?: number;
  /** Length of the hover preview clip for show cards. */
  previewSeconds?: number;
  /** A recording stops at this length (a 24/7 stream must not fill the disk); the next go-live starts a new one. */
  maxSeconds?: number;
  /** false: record nothing (RECORDINGS=0). */
  enabled?: boolean;
  /** Loopback pull URL of the show's live stream on our ingest (with its play token), null when not live. */
  playUrl(showId: string): string | null;
  /**
   * Recordings that follow each other with at most this gap (the encoder dropped and came back within the reconnect
   * grace period) are one show session: the replay plays them back to back.
   */
  sessionGapSeconds?: number;
}

/** Where a moment of wall-clock time falls on a replay made of several recordings played back to back. */
export function replayOffset(parts: { startedAt: Date; durationMs: number }[], at: Date): number | null {
  let before = 0;
  for (const p of parts) {
    const start = p.startedAt.getTime();
    // In the gap before this part (the encoder was away): the moment the picture came back.
    if (at.getTime() < start) return p === parts[0] ? null : before;
    if (at.getTime() < start + p.durationMs) return before + (at.getTime() - start) / 1000;
    before += p.durationMs / 1000;
  }
  return before;
}

const PLAYLIST = "index.m3u8";
/** The replay of a session of several recordings: their playlists back to back, with discontinuities. */
export const SESSION_PLAYLIST = "session.m3u8";
export const POSTER = "poster.jpg";
export const PREVIEW = "preview.mp4";
const INPUT_TIMEOUT_SECONDS = 2;
const RESTART_BACKOFF_MS = [1000, 2000, 5000, 10_000];
const DERIVATIVE_TIMEOUT_MS = 60_000;

export const recordingsDir = (mediaDir: string) => path.join(mediaDir, "recordings");
const vodBase = (r: { showId: string; id: string }) => `/vod/${r.showId}/${r.id}`;

export function recordingView(r: RecordingRow): RecordingView {
  return {
    id: r.id,
    showId: r.showId,
    status: r.status,
    startedAt: r.startedAt.toISOString(),
    endedAt: r.endedAt?.toISOString() ?? null,
    durationSeconds: r.durationMs === null ? null : r.durationMs / 1000,
    playbackUrl: `${vodBase(r)}/${PLAYLIST}`,
    posterUrl: r.hasPoster ? `${vodBase(r)}/${POSTER}` : null,
    previewUrl: r.hasPreview ? `${vodBase(r)}/${PREVIEW}` : null,
  };
}

export function recorderArgs(inputUrl: string, outDir: string, segmentSeconds: number, maxSeconds?: number): string[] {
  return [
    "-hide_banner",
    "-nostdin",
    "-loglevel",
    "warning",
    // Our ingest keeps players attached when the publisher leaves, so a stopped stream looks like silence, not EOF:
    // a read that waits this long ends the input normally and ffmpeg writes its trailer (last segment, playlist).
    "-rw_timeout",
    String(INPUT_TIMEOUT_SECONDS * 1_000_000),
    "-i",
    inputUrl,
    "-map",
    "0:v:0",
    "-map",
    "0:a:0?",
    // No re-encode: the recording costs disk, not CPU. The live transcoder is the encode we pay for.
    "-c",
    "copy",
    ...(maxSeconds ? ["-t", String(maxSeconds)] : []),
    "-f",
    "hls",
    "-hls_time",
    String(segmentSeconds),
    // EVENT while recording (a playlist that only grows); finalisePlaylist() marks it VOD at the end.
    "-hls_playlist_type",
    "event",
    "-hls_segment_filename",
    path.join(outDir, "seg_%05d.ts"),
    path.join(outDir, PLAYLIST),
  ];
}

/**
 * SIGTERM, then SIGKILL after graceMs. ffmpeg's SIGTERM only sets a flag its main loop checks between packets; a
 * blocked RTMP read returns within -rw_timeout, then ffmpeg writes its trailer (last segment, playlist). A second
 * signal would interrupt the blocked read but also the trailer's writes (ffmpeg's interrupt callback stays set),
 * leaving an empty playlist — so never two.
 */
function redactToken(s: string): string {
  return s.replace(/([?&]token=)[^&\s]+/g, "$1<redacted>");
}

interface Session {
  showId: string;
  live: boolean;
  run: FfmpegRun | null;
  crashes: number;
  timer: NodeJS.Timeout | null;
}

/**
 * Records every live session of a show as VOD HLS under <mediaDir>/recordings/<showId>/<recordingId>/ by pulling
 * the stream from our own ingest with `-c copy`. When the publisher stops the playlist gets its ENDLIST, the row
 * turns `ready`, and a poster frame and a short preview clip are cut from it.
 */
export class RecordingService {
  readonly #d: RecordingDeps;
  readonly #store: RecordingStore;
  readonly #sessions = new Map<string, Session>();
  readonly #pending = new Set<Promise<unknown>>();
  readonly #helpers = new Set<FfmpegRun>();
  #stopped = false;

  constructor(deps: RecordingDeps) {
    this.#d = deps;
    this.#store = new RecordingStore(deps.db);
  }

  /** The show's publisher was accepted: start recording (no-op when already recording). */
  onLive(showId: string): void {
    if (this.#stopped || this.#d.enabled === false || this.#sessions.has(showId)) return;
    const session: Session = { showId, live: true, run: null, crashes: 0, timer: null };
    this.#sessions.set(showId, session);
    this.#track(this.#record(session));
  }

  /** The publisher went away: stop the recorder gracefully (SIGTERM writes the ENDLIST) and finalise. */
  onOffline(showId: string): void {
    const session = this.#sessions.get(showId);
    if (!session) return;
    this.#sessions.delete(showId);
    session.live = false;
    if (session.timer) clearTimeout(session.timer);
    const run = session.run;
    if (!run) return;
    // The ingest ends its players when the show goes off air (the input ends at once, ffmpeg writes the ENDLIST), and a
    // silent input ends INPUT_TIMEOUT_SECONDS after its last packet anyway; signal only if neither happened.
    const timer = setTimeout(() => void stopGracefully(run), (INPUT_TIMEOUT_SECONDS + 2) * 1000);
    void run.exited.then(() => clearTimeout(timer));
  }

  /** Ends every recorder and helper ffmpeg and waits for the rows to be finalised. */
  async stop(): Promise<void> {
    this.#stopped = true;
    for (const session of this.#sessions.values()) {
      session.live = false;
      if (session.timer) clearTimeout(session.timer);
      if (session.run) void stopGracefully(session.run);
    }
    this.#sessions.clear();
    for (const run of this.#helpers) void stopGracefully(run, 2000);
    await this.idle();
  }

  /** Resolves when no recording is being finalised and no poster/preview is being made (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.#pending.size) await Promise.allSettled([...this.#pending]);
  }

  isRecording(showId: string): boolean {
    return this.#sessions.get(showId)?.run?.hasExited() === false;
  }

  async recordings(showId: string): Promise<RecordingView[]> {
    return (await this.#store.byShow(showId)).map(recordingView);
  }

  /** Rows left `recording` by a process that died: finalise them from whatever segments reached the disk. */
  async recoverInterrupted(): Promise<number> {
    const rows = (await this.#store.unfinished()).filter((r) => !this.#sessions.has(r.showId));
    let recovered = 0;
    for (const r of rows) {
      const dir = path.join(this.#d.mediaDir, r.path);
      // Not on this node's disk: another node (shared PostgreSQL) may be recording it right now.
      if (!(await stat(dir).catch(() => null))) continue;
      await this.#finalise(r.id, r.path, r.startedAt, false);
      recovered += 1;
    }
    return recovered;
  }

  /**
   * At start: finished recordings on this node's disk whose poster and preview were never made to the end (the server
   * stopped while they were being cut, or before: a recording closed by a shutdown or by recoverInterrupted) get them
   * now, one recording at a time. A recording whose attempt ran to the end is not tried again, whatever it produced.
   * Answers how many were attempted. Recordings already moved to object storage are not on this disk and are skipped.
   */
  async makeMissingDerivatives(): Promise<number> {
    let attempted = 0;
    for (const r of await this.#store.withoutDerivatives()) {
      if (this.#stopped) break;
      const dir = path.join(this.#d.mediaDir, r.path);
      if (!(await stat(path.join(dir, PLAYLIST)).catch(() => null))) continue;
      await this.#makeDerivatives(r.id, dir, (r.durationMs ?? 0) / 1000);
      attempted += 1;
    }
    return attempted;
  }

  /** makeMissingDerivatives as a background task (stop() and idle() wait for it). */
  startMissingDerivatives(): void {
    this.#track(
      this.makeMissingDerivatives().then((n) => {
        if (n > 0) this.#d.log.info({ recordings: n }, "posters and previews made for recordings left without them");
      }),
    );
  }

  /**
   * The shoppable replay: the latest finished recording of a show that is not live, with a marker for every offer
   * pinned during it (offset from the recording's start; an offer already pinned when it began sits at 0).
   */
  /**
   * The recordings of a show's latest session, oldest first: the latest finished recording and those right before it
   * that end within `sessionGapSeconds` of the next one's start (a reconnect splits a recording, not the show).
   */
  async latestSession(showId: string, endingWith?: string): Promise<RecordingRow[]> {
    let ready = (await this.#store.byShow(showId)).filter((r) => r.status === "ready" && r.durationMs !== null && r.endedAt);
    if (endingWith)
      ready = ready.slice(
        Math.max(
          0,
          ready.findIndex((r) => r.id === endingWith),
        ),
      );
    if (!ready.length || (endingWith && ready[0]!.id !== endingWith)) return [];
    // + 5 s: the recorder notices a silent input after 2 s and restarts after a 1 s backoff.
    const gapMs = (this.#d.sessionGapSeconds ?? 0) * 1000 + 5_000;
    const session = [ready[0]!];
    for (const r of ready.slice(1)) {
      const next = session[0]!;
      if (next.startedAt.getTime() - r.endedAt!.getTime() > gapMs) break;
      session.unshift(r);
    }
    return session;
  }

  /** A listing card's picture of a show's replay: its latest session's poster and preview clip, and its length. */
  async replayCard(showId: string): Promise<{ posterUrl: string | null; previewUrl: string | null; durationSeconds: number } | null> {
    const parts = await this.latestSession(showId);
    if (!parts.length) return null;
    const first = recordingView(parts[0]!);
    return { posterUrl: first.posterUrl, previewUrl: first.previewUrl, durationSeconds: parts.reduce((s, p) => s + (p.durationMs ?? 0), 0) / 1000 };
  }

  /**
   * The shoppable replay: the latest session of a show that is not live (one recording, or several played back to
   * back when the encoder reconnected), with a marker for every offer pinned during it (offset on the replay's
   * timeline; an offer already pinned when it began sits at 0; one pinned while the encoder was away, at the moment
   * the picture came back).
   */
  async replay(show: { id: string; status: string }): Promise<ReplayView | null> {
    if (show.status !== "offline" && show.status !== "ended") return null;
    const parts = await this.latestSession(show.id);
    const rec = parts.at(-1);
    if (!rec || rec.durationMs === null || !rec.endedAt) return null;
    const view = recordingView(parts.length > 1 ? { ...rec, hasPoster: parts[0]!.hasPoster, hasPreview: parts[0]!.hasPreview, id: parts[0]!.id } : rec);
    const timed = parts.map((p) => ({ startedAt: p.startedAt, durationMs: p.durationMs ?? 0 }));
    const duration = timed.reduce((s, p) => s + p.durationMs, 0) / 1000;
    const events = await this.#d.offers.pinEvents(show.id, rec.endedAt);
    const pinnedAtStart = new Set<string>();
    const timeline: { offerId: string; atSeconds: number }[] = [];
    for (const e of events) {
      const offset = replayOffset(timed, e.at);
      if (offset === null) {
        if (e.pinned) pinnedAtStart.add(e.offerId);
        else pinnedAtStart.delete(e.offerId);
      } else if (e.pinned) {
        timeline.push({ offerId: e.offerId, atSeconds: Math.min(Math.round(offset * 10) / 10, duration) });
      }
    }
    if (parts.length > 1) view.playbackUrl = `/vod/${show.id}/${rec.id}/${SESSION_PLAYLIST}`;
    const all = [...[...pinnedAtStart].map((offerId) => ({ offerId, atSeconds: 0 })), ...timeline];
    const offers = new Map(await Promise.all([...new Set(all.map((m) => m.offerId))].map(async (id) => [id, await this.#d.offers.offer(id)] as const)));
    const markers: ReplayMarker[] = all.map((m) => {
      const offer = offers.get(m.offerId)!;
      return { offerId: m.offerId, atSeconds: m.atSeconds, title: offer.title, offer };
    });
    return { recordingId: rec.id, playbackUrl: view.playbackUrl, durationSeconds: duration, posterUrl: view.posterUrl, previewUrl: view.previewUrl, markers };
  }

  #track(p: Promise<unknown>): void {
    const tracked: Promise<unknown> = p
      .catch((err: unknown) => this.#d.log.error({ err }, "recording task failed"))
      .finally(() => this.#pending.delete(tracked));
    this.#pending.add(tracked);
  }

  async #record(session: Session): Promise<void> {
    const { showId } = session;
    if (!session.live || this.#stopped) return;
    const inputUrl = this.#d.playUrl(showId);
    if (!inputUrl) {
      // On air but no publisher right now (inside the reconnect grace period): look again shortly.
      session.timer = setTimeout(() => {
        session.timer = null;
        this.#track(this.#record(session));
      }, 1000);
      return;
    }
    const id = randomId("rec");
    const rel = path.posix.join("recordings", showId, id);
    const dir = path.join(this.#d.mediaDir, rel);
    const startedAt = this.#d.clock.now();
    await mkdir(dir, { recursive: true });
    await this.#store.insert({ id, showId, startedAt, path: rel });
    if (!session.live || this.#stopped) {
      await this.#finalise(id, rel, startedAt, false);
      return;
    }
    const args = recorderArgs(inputUrl, dir, this.#d.segmentSeconds ?? 4, this.#d.maxSeconds);
    const run = spawnFfmpeg(this.#d.ffmpegPath, args);
    session.run = run;
    const log = this.#d.log.child({ showId, recordingId: id });
    log.info({ pid: run.pid }, "recording started");
    const startedRun = performance.now();
    const exit = await run.exited;
    log.info({ ...exit, stderr: exit.code ? run.stderrTail().map(redactToken) : undefined }, "recording ended");
    // Finalised on its own task so a restart below does not wait for poster and preview.
    this.#track(this.#finalise(id, rel, startedAt, !this.#stopped));
    if (!session.live || this.#stopped || this.#sessions.get(showId) !== session) return;
    if (exit.code === 0 && this.#d.maxSeconds && performance.now() - startedRun >= (this.#d.maxSeconds - 5) * 1000) {
      log.warn({ maxSeconds: this.#d.maxSeconds }, "recording reached its maximum length; not recording the rest of this session");
      return;
    }
    // The recorder died while the show is still live: start a new recording (a new session row) after a backoff.
    if (performance.now() - startedRun > 30_000) session.crashes = 0;
    const delay = RESTART_BACKOFF_MS[Math.min(session.crashes, RESTART_BACKOFF_MS.length - 1)];
    session.crashes += 1;
    log.warn({ restartInMs: delay }, "recorder exited while the show is live; restarting");
    session.run = null;
    session.timer = setTimeout(() => {
      session.timer = null;
      this.#track(this.#record(session));
    }, delay);
  }

  async #finalise(id: string, rel: string, startedAt: Date, derivatives: boolean): Promise<void> {
    const dir = path.join(this.#d.mediaDir, rel);
    const summary = await finalisePlaylist(path.join(dir, PLAYLIST));
    if (!summary?.segments) {
      await this.#store.finish(id, { status: "failed", endedAt: this.#d.clock.now(), durationMs: null });
      await rm(dir, { recursive: true, force: true });
      return;
    }
    const endedAt = derivatives ? this.#d.clock.now() : new Date(startedAt.getTime() + summary.durationMs);
    await this.#store.finish(id, { status: "ready", endedAt, durationMs: summary.durationMs });
    if (derivatives && !this.#stopped) await this.#makeDerivatives(id, dir, summary.durationMs / 1000);
    const storage = this.#d.storage;
    if (storage && storage.kind !== "local") {
      // On failure the files stay on this disk, where this node still serves them (routes look here first).
      await storage.keep(rel, dir).then(
        () => this.#d.log.info({ recordingId: id, storage: storage.kind }, "recording stored"),
        (err: unknown) => this.#d.log.error({ err, recordingId: id, storage: storage.kind }, "recording not stored; kept on this node's disk"),
      );
    }
  }

  /** A JPEG frame at ~5 s and a short muted H.264 clip for the show cards, cut from the finished recording. */
  async #makeDerivatives(id: string, dir: string, durationSeconds: number): Promise<void> {
    const input = path.join(dir, PLAYLIST);
    const posterAt = Math.min(5, Math.max(0, durationSeconds / 2));
    const clipFrom = durationSeconds > 25 ? 5 : 0;
    const clipLength = Math.min(this.#d.previewSeconds ?? 12, Math.max(1, durationSeconds - clipFrom));
    const base = ["-hide_banner", "-nostdin", "-loglevel", "error", "-y"];
    const hasPoster = await this.#helper(
      [...base, "-ss", posterAt.toFixed(2), "-i", input, "-frames:v", "1", "-vf", "scale=-2:360", "-q:v", "4", path.join(dir, POSTER)],
      path.join(dir, POSTER),
    );
    const hasPreview = await this.#helper(
      [
        ...base,
        "-ss",
        String(clipFrom),
        "-i",
        input,
        "-t",
        clipLength.toFixed(2),
        "-an",
        "-vf",
        "scale=-2:360",
        "-r",
        "24",
        "-c:v",
        "libx264",
        "-preset",
        "veryfast",
        "-crf",
        "30",
        "-pix_fmt",
        "yuv420p",
        "-profile:v",
        "main",
        "-movflags",
        "+faststart",
        path.join(dir, PREVIEW),
      ],
      path.join(dir, PREVIEW),
    );
    // Cut short by a shutdown: left unattempted, so the next start makes them (makeMissingDerivatives).
    if (this.#stopped) return;
    await this.#store.setDerivatives(id, { hasPoster, hasPreview, at: this.#d.clock.now() });
  }

  async #helper(args: string[], output: string): Promise<boolean> {
    if (this.#stopped) return false;
    const run = spawnFfmpeg(this.#d.ffmpegPath, args);
    this.#helpers.add(run);
    const timer = setTimeout(() => void stopGracefully(run, 1000), DERIVATIVE_TIMEOUT_MS);
    const exit = await run.exited.finally(() => {
      clearTimeout(timer);
      this.#helpers.delete(run);
    });
    if (exit.code !== 0) {
      // Stopped with the server (stop() ends helpers): not a failure of the recording, and said as such.
      if (this.#stopped) this.#d.log.info({ ...exit, output: path.basename(output) }, "recording derivative cut short by shutdown");
      else this.#d.log.warn({ ...exit, output: path.basename(output), stderr: run.stderrTail() }, "recording derivative failed");
      return false;
    }
    return (await stat(output).catch(() => null))?.isFile() ?? false;
  }
}
