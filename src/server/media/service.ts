import type { FastifyBaseLogger, FastifyPluginAsync } from "fastify";
import type { Registry } from "prom-client";
import { RtmpIngest } from "./rtmp-ingest.js";
import { ShowTranscoder } from "./transcoder.js";
import { hlsOriginRoutes, type OriginEdge, type OriginRendition } from "./hls-origin.js";
import { LlHlsPackager, firstMsnAt } from "./ll-hls/packager.js";
import { ladderFor, type InputInfo, type Rung } from "./ll-hls/ladder.js";

export interface MediaDeps {
  ffmpegPath: string;
  mediaDir: string;
  rtmpPort: number;
  rtmpHost: string;
  segmentSeconds: number;
  listSize: number;
  log: FastifyBaseLogger;
  /** Unknown or revoked key → null → the publish is refused and the connection closed. */
  resolveStreamKey(key: string): Promise<{ showId: string } | null>;
  /** A publish was accepted and its transcoder started. */
  onLive(showId: string): void;
  /** The publisher went away (or was disconnected) and did not come back within the reconnect grace period. */
  onOffline(showId: string): void;
  /** The publisher dropped; the show continues if it republishes within reconnectGraceSeconds. */
  onReconnecting?(showId: string): void;
  /**
   * Rendition sizes by short side, e.g. [720, 480, 240] (default): a landscape source's heights, a portrait one's
   * widths; never above the source's own size. The top one is passed through when the input fits.
   */
  ladder?: number[];
  /** LL-HLS PART-TARGET in seconds (default 0.3). */
  partTargetSeconds?: number;
  /** PART-HOLD-BACK in parts (default 2, at least 2). */
  partHoldBackParts?: number;
  /** How long a dropped publisher may take to come back to the same show (default 0: offline at once). */
  reconnectGraceSeconds?: number;
  /** A running ffmpeg that produced nothing for this long is restarted (default 6). */
  stallSeconds?: number;
  /** Several nodes: /live/* of a show on air elsewhere is fetched from its ingest node. */
  remote?: OriginEdge;
  /** Where the origin counts the requests it answers (showcart_hls_requests_total). */
  metrics?: Registry;
  /**
   * Several nodes: the discontinuity sequence number a show's first ingest on this node starts from, past the one
   * its previous ingest node used (MediaCluster.priorDiscontinuity). Asked before onLive.
   */
  priorDiscontinuity?(showId: string): Promise<number>;
}

export interface Media {
  /** Listens for RTMP; with rtmpPort 0 the OS picks a port, read it back with rtmpPort(). */
  start(): Promise<void>;
  /** Closes RTMP and ends every ffmpeg (SIGTERM, SIGKILL after 3 s), resolving once they have exited. */
  stop(): Promise<void>;
  rtmpPort(): number;
  status(): { rtmp: boolean; live: string[]; transcoders: number };
  /** Drops the show's current publisher (after a stream-key rotation); the encoder must reconnect with the new key. */
  disconnectShow(showId: string): void;
  /** The running transcoder's pid, if any (tests and diagnostics). */
  transcoderPid(showId: string): number | undefined;
  /** Loopback RTMP pull URL of a live show (with its per-publish play token; never log it), null when not live. */
  playUrl(showId: string): string | null;
  /**
   * The host ended the show on purpose (the studio's Stop): skip the reconnect grace period. Called before or after
   * the publisher's disconnect; either order ends the show at once.
   */
  endShowNow(showId: string): void;
  /** "live" (publisher connected), "reconnecting" (inside the grace period), or undefined (not on air). */
  showState(showId: string): "live" | "reconnecting" | undefined;
  /** Shows on air on this node (live or inside their reconnect grace period). */
  onAir(): string[];
  /** The show's discontinuity sequence number here (the highest of its rungs'), undefined when not on air here. */
  discontinuitySequence(showId: string): number | undefined;
  /** The show's renditions and whether the top one is passed through (tests, diagnostics, benches). */
  renditions(showId: string): Array<{ name: string; copy: boolean }>;
  /** What the running transcoder's probe found in the show's source (null before it finished, or not on air). */
  sourceInfo(showId: string): InputInfo | null;
  /** Recent parts of one rendition: when each became available and its PDT capture estimate (benches). */
  partTimings(showId: string, rendition: string): Array<{ n: number; availableAt: number; capturedAt: number; duration: number }>;
  /** GET /live/:showId/index.m3u8 (master), /live/:showId/<rendition>/index.m3u8 (LL-HLS) and its media. */
  routes: FastifyPluginAsync;
}

interface LiveShow {
  /** Empty until the first publish was probed: the source's size decides the rungs (see ladderFor). */
  renditions: OriginRendition[];
  sizes: number[];
  packagers: Map<string, LlHlsPackager>;
  graceTimer: NodeJS.Timeout | null;
  /** Resolves once the renditions are known (or the show ended). */
  laddered: Promise<void>;
  ladderKnown(): void;
  /** Media sequence number of the show's first segment on this node (firstMsnAt): every rung starts from it. */
  firstMsn: number;
  /** Discontinuity sequence number of its first segment (priorDiscontinuity; known before the transcoder starts). */
  firstDiscontinuity: number;
}

const STOP_GRACE_MS = 3000;
const DEFAULT_LADDER = [720, 480, 240];
export const DEFAULT_PART_TARGET_SECONDS = 0.3;
const DEFAULT_STALL_SECONDS = 6;

export function createMedia(deps: MediaDeps): Media {
  const log = deps.log;
  const sizes = [...(deps.ladder ?? DEFAULT_LADDER)].sort((a, b) => b - a);
  const partTargetSeconds = deps.partTargetSeconds ?? DEFAULT_PART_TARGET_SECONDS;
  const graceMs = (deps.reconnectGraceSeconds ?? 0) * 1000;
  const transcoders = new Map<string, ShowTranscoder>();
  // A show's previous transcoder may still be flushing its last fragments when the same show publishes again.
  const stopping = new Map<string, Promise<void>>();
  // Shows on air (live or reconnecting): their renditions outlive a publisher, so a reconnect continues them.
  const shows = new Map<string, LiveShow>();
  // Shows we reported live, so onOffline pairs with an onLive.
  const live = new Set<string>();
  let stopped = false;

  const notify = (what: "onLive" | "onOffline" | "onReconnecting", showId: string) => {
    try {
      deps[what]?.(showId);
    } catch (err) {
      log.error({ err, showId }, `media ${what} handler threw`);
    }
  };

  const stopTranscoder = (showId: string): Promise<void> => {
    const transcoder = transcoders.get(showId);
    if (!transcoder) return stopping.get(showId) ?? Promise.resolve();
    transcoders.delete(showId);
    const done = transcoder.stop(STOP_GRACE_MS).finally(() => {
      if (stopping.get(showId) === done) stopping.delete(showId);
    });
    stopping.set(showId, done);
    return done;
  };

  const newShow = (): LiveShow => {
    let ladderKnown = () => {};
    const laddered = new Promise<void>((resolve) => (ladderKnown = resolve));
    return {
      renditions: [],
      sizes: [],
      packagers: new Map(),
      graceTimer: null,
      laddered,
      ladderKnown,
      firstMsn: firstMsnAt(Date.now(), deps.segmentSeconds),
      firstDiscontinuity: 0,
    };
  };

  // The first publish's probe fixes the show's renditions; a reconnect continues them (same names, same playlists),
  // scaled from whatever the returning source sends.
  const ladderOf = (showId: string, show: LiveShow, input: InputInfo): Rung[] => {
    const rungs = show.sizes.length === 0 ? ladderFor(sizes, input) : ladderFor(show.sizes, input, { upscale: true });
    for (const rung of rungs) {
      if (show.packagers.has(rung.name)) continue;
      const packager = new LlHlsPackager({
        segmentSeconds: deps.segmentSeconds,
        partTargetSeconds,
        ...(deps.partHoldBackParts !== undefined ? { partHoldBackParts: deps.partHoldBackParts } : {}),
        listSize: deps.listSize,
        firstMsn: show.firstMsn,
        firstDiscontinuity: show.firstDiscontinuity,
        onWarning: (message, details) => log.warn({ showId, rendition: rung.name, ...details }, message),
      });
      show.packagers.set(rung.name, packager);
      show.sizes.push(rung.size);
      // BANDWIDTH is a peak: the encoder's maxrate plus audio plus ~10% container overhead.
      show.renditions.push({ name: rung.name, packager, bandwidth: Math.round((rung.videoKbps + rung.audioKbps) * 1100) });
    }
    show.ladderKnown();
    return rungs;
  };

  // Shows whose next unpublish is a deliberate end, not a drop.
  const endOnUnpublish = new Set<string>();

  const endShow = (showId: string) => {
    const show = shows.get(showId);
    if (show?.graceTimer) clearTimeout(show.graceTimer);
    shows.delete(showId);
    show?.ladderKnown();
    for (const r of show?.renditions ?? []) r.packager.close();
    ingest.endPlayers(showId);
    if (live.delete(showId)) notify("onOffline", showId);
  };

  const ingest: RtmpIngest = new RtmpIngest({
    log,
    resolveStreamKey: deps.resolveStreamKey,
    onPublish(showId) {
      if (stopped) return ingest.kick(showId);
      const inputUrl = ingest.playUrl(showId, loopbackHost(deps.rtmpHost));
      if (!inputUrl) return;
      endOnUnpublish.delete(showId);
      let show = shows.get(showId);
      if (show?.graceTimer) {
        clearTimeout(show.graceTimer);
        show.graceTimer = null;
        log.info({ showId }, "publisher reconnected within the grace period; the show continues");
      }
      let prior: Promise<unknown> = Promise.resolve();
      if (!show) {
        const fresh = newShow();
        show = fresh;
        shows.set(showId, show);
        // Bounded: a slow directory delays the go-live by a second at most (then numbers start from 0, as before).
        if (deps.priorDiscontinuity)
          prior = Promise.race([deps.priorDiscontinuity(showId), new Promise<number>((r) => setTimeout(() => r(0), 1000).unref())])
            .then((n) => (fresh.firstDiscontinuity = n))
            .catch((err: unknown) => log.warn({ err, showId }, "the show's previous discontinuity sequence is not known"));
      }
      const onAir = show;
      const transcoder = new ShowTranscoder({
        ffmpegPath: deps.ffmpegPath,
        inputUrl,
        ladder: (input) => ladderOf(showId, onAir, input),
        packagers: show.packagers,
        segmentSeconds: deps.segmentSeconds,
        partTargetSeconds,
        stallSeconds: deps.stallSeconds ?? DEFAULT_STALL_SECONDS,
        log: log.child({ showId }),
      });
      transcoders.set(showId, transcoder);
      const previous = stopping.get(showId) ?? Promise.resolve();
      void Promise.all([previous, prior])
        .then(() => transcoder.start())
        .catch((err: unknown) => log.error({ err, showId }, "transcoder failed to start"));
      live.add(showId);
      notify("onLive", showId);
    },
    onUnpublish(showId) {
      void stopTranscoder(showId);
      const show = shows.get(showId);
      if (!show) return;
      if (graceMs <= 0 || stopped || endOnUnpublish.delete(showId)) return endShow(showId);
      // Same show, same playlists: a publisher back within the grace period continues after a discontinuity.
      show.graceTimer = setTimeout(() => {
        log.info({ showId }, "publisher did not reconnect within the grace period");
        endShow(showId);
      }, graceMs);
      notify("onReconnecting", showId);
    },
  });

  return {
    async start() {
      await ingest.listen(deps.rtmpHost, deps.rtmpPort);
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      // Stop transcoders first: closing the ingest would otherwise look like a crash and trigger restarts.
      const all = [...transcoders.keys()].map(stopTranscoder);
      await Promise.all([...all, ...stopping.values()]);
      await ingest.close();
      await Promise.all([...stopping.values()]);
      for (const showId of [...shows.keys()]) endShow(showId);
    },
    rtmpPort: () => ingest.port(),
    status: () => ({
      rtmp: ingest.listening(),
      live: ingest.liveShows(),
      transcoders: [...transcoders.values()].filter((t) => t.running()).length,
    }),
    disconnectShow: (showId) => ingest.kick(showId),
    transcoderPid: (showId) => transcoders.get(showId)?.pid(),
    playUrl: (showId) => ingest.playUrl(showId, loopbackHost(deps.rtmpHost)),
    endShowNow: (showId) => {
      const show = shows.get(showId);
      if (!show) return;
      if (show.graceTimer) return endShow(showId);
      endOnUnpublish.add(showId);
    },
    onAir: () => [...shows.keys()],
    discontinuitySequence: (showId) => {
      const show = shows.get(showId);
      if (!show) return undefined;
      return Math.max(show.firstDiscontinuity, ...[...show.packagers.values()].map((p) => p.discontinuitySequence));
    },
    showState: (showId) => (!shows.has(showId) ? undefined : shows.get(showId)!.graceTimer ? "reconnecting" : "live"),
    sourceInfo: (showId) => transcoders.get(showId)?.input() ?? null,
    renditions: (showId) => {
      const rungs = transcoders.get(showId)?.rungs() ?? [];
      return (shows.get(showId)?.renditions ?? []).map((r) => ({
        name: r.name,
        copy: rungs.find((x) => x.name === r.name)?.copy ?? false,
      }));
    },
    partTimings: (showId, rendition) =>
      (shows.get(showId)?.packagers.get(rendition)?.segments() ?? []).flatMap((s) =>
        s.parts.map((p) => ({ n: p.n, availableAt: p.availableAt, capturedAt: p.capturedAt, duration: p.duration })),
      ),
    routes: hlsOriginRoutes(
      {
        renditions: (showId) => shows.get(showId)?.renditions,
        all: () => [...shows.values()].flatMap((s) => s.renditions),
        async whenReady(showId, timeoutMs) {
          const show = shows.get(showId);
          if (!show) return;
          const deadline = performance.now() + timeoutMs;
          let timer: NodeJS.Timeout | undefined;
          await Promise.race([show.laddered, new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
          clearTimeout(timer);
          const left = Math.max(0, deadline - performance.now());
          await Promise.all(show.renditions.map((r) => r.packager.waitForPlaylist(0, 0, left)));
        },
      },
      { remote: deps.remote, metrics: deps.metrics },
    ),
  };
}

// The transcoder pulls over loopback unless the ingest is bound to one specific address.
function loopbackHost(rtmpHost: string): string {
  if (rtmpHost === "" || rtmpHost === "0.0.0.0") return "127.0.0.1";
  if (rtmpHost === "::") return "::1";
  return rtmpHost;
}
