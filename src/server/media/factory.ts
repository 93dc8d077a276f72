import { Gauge } from "prom-client";
import { type ModuleContext, type ModulePlugin, modulePlugin } from "../modules.js";
import { AppError } from "../platform/errors.js";
import type { ShowService } from "../shows/index.js";
import { type BrowserIngest, createBrowserIngest, loopbackRtmpUrl } from "./browser-ingest.js";
import { MediaCluster } from "./cluster.js";
import { type WebRtcNetwork, webRtcNetwork } from "./ice-config.js";
import { type Whep, createWhep } from "./whep.js";
import { whepRoutes } from "./whep-routes.js";
import { EdgeOrigin, nodeToken } from "./edge-origin.js";
import { LiveDirectory } from "./live-directory.js";
import { parseLadder } from "./ll-hls/ladder.js";
import { CLAIM_TTL_MS, SignallingRelay } from "./signalling-relay.js";
import { mediaModule } from "./plugin.js";
import { type Media, createMedia } from "./service.js";
import { createWhipIngest, type WhipIngest } from "./whip-ingest.js";
import { WhipSessions } from "./whip-sessions.js";

type ShowListener = (showId: string) => void;

/**
 * RTMP and browser ingest, the transcoder and the LL-HLS origin. A publish sets the show's status (shows); modules
 * that follow a show's air time (recordings, simulcast) listen with `onLive`/`onOffline`, in the order they subscribed.
 */
export function createMediaModule(
  ctx: ModuleContext,
  doors: { shows: ShowService },
): {
  media: Media;
  browserIngest: BrowserIngest;
  /** WHEP (sub-second WebRTC) playback of the shows live on this node. */
  whep: Whep;
  /** Every WHIP session on this node (the host's publish, and whatever else publishes by WHIP). */
  whipSessions: WhipSessions;
  whipIngest: WhipIngest;
  /**
   * Several nodes: passes WebRTC signalling (WHEP, WHIP, the stage) for a show whose media is on another node to that
   * node; null with one node.
   */
  signalling: SignallingRelay | null;
  /** ICE_SERVERS, WEBRTC_PUBLIC_ADDRESSES, WEBRTC_PORT_RANGE as every peer connection uses them (the studio's too). */
  network: WebRtcNetwork;
  onLive(listener: ShowListener): void;
  onOffline(listener: ShowListener): void;
  /** Several nodes: this node's base URL for the others, once the HTTP server listens (NODE_URL or the listen address). */
  listening(nodeUrl: string): void;
  /** After media.stop(): the live directory's connection (its last withdrawals sent). */
  close(): Promise<void>;
  plugin: ModulePlugin;
} {
  const { config, log } = ctx;
  const { shows } = doors;
  const live: ShowListener[] = [];
  const offline: ShowListener[] = [];
  const setStatus = (showId: string, status: "live" | "reconnecting" | "offline") =>
    void shows.setStatus(showId, status).catch((err) => log.error({ err, showId }, `set ${status} failed`));
  // Several nodes (Redis): any node serves any live show, fetching it from the node that ingests it.
  const directory = ctx.busKind === "redis" && config.REDIS_URL ? new LiveDirectory(config.REDIS_URL, `${config.REDIS_PREFIX}media:`) : null;
  const remote = directory
    ? {
        token: nodeToken(ctx.secretsKey),
        edge: new EdgeOrigin({
          lookup: (showId) => directory.lookup(showId),
          self: ctx.bus.nodeId,
          token: nodeToken(ctx.secretsKey),
          cacheBytes: config.HLS_EDGE_CACHE_MB * 1024 * 1024,
          metrics: ctx.metrics,
          log: log.child({ module: "media-edge" }),
        }),
      }
    : undefined;
  let cluster: MediaCluster | null = null;
  const media = createMedia({
    ffmpegPath: config.ffmpegPath,
    mediaDir: config.mediaDir,
    rtmpPort: config.RTMP_PORT,
    rtmpHost: config.RTMP_HOST,
    segmentSeconds: config.HLS_SEGMENT_SECONDS,
    listSize: config.HLS_LIST_SIZE,
    ladder: parseLadder(config.HLS_LADDER),
    partTargetSeconds: config.HLS_PART_TARGET_SECONDS,
    partHoldBackParts: config.HLS_PART_HOLD_BACK_PARTS,
    reconnectGraceSeconds: config.RECONNECT_GRACE_SECONDS,
    log: log.child({ module: "media" }),
    remote,
    metrics: ctx.metrics,
    ...(directory ? { priorDiscontinuity: (showId: string) => cluster?.priorDiscontinuity(showId) ?? Promise.resolve(0) } : {}),
    resolveStreamKey: async (key) => {
      const showId = await shows.showIdForStreamKey(key);
      return showId ? { showId } : null;
    },
    onLive: (showId) => {
      // Registered before the status says live, so no node takes the show for one whose ingest died.
      if (cluster) void cluster.announce(showId).then(() => setStatus(showId, "live"));
      else setStatus(showId, "live");
      for (const listener of live) listener(showId);
    },
    onReconnecting: (showId) => setStatus(showId, "reconnecting"),
    onOffline: (showId) => {
      whep.endShow(showId);
      cluster?.withdraw(showId);
      setStatus(showId, "offline");
      for (const listener of offline) listener(showId);
    },
  });
  // Only the node that ingests a show serves its WHEP (the encode pulls from the local ingest).
  const network = webRtcNetwork(config);
  const whep: Whep = createWhep({
    ffmpegPath: config.ffmpegPath,
    network,
    maxViewers: config.WHEP_MAX_VIEWERS_PER_NODE,
    playUrl: (showId) => media.playUrl(showId),
    sourceHasAudio: (showId) => {
      const info = media.sourceInfo(showId);
      return info ? !!info.audioCodec : null;
    },
    log: log.child({ module: "whep" }),
  });
  // Counted where the viewers' peer connections are: with several nodes, the show's media node.
  new Gauge({
    name: "showcart_whep_viewers",
    help: "WHEP (sub-second WebRTC) viewers this node serves now, by show.",
    labelNames: ["show"],
    registers: [ctx.metrics],
    collect() {
      this.reset();
      for (const [show, n] of Object.entries(whep.viewers().shows)) this.set({ show }, n);
    },
  });
  if (directory)
    cluster = new MediaCluster({
      directory,
      bus: ctx.bus,
      log: log.child({ module: "media-cluster" }),
      onAir: () => media.onAir(),
      reconnectGraceMs: config.RECONNECT_GRACE_SECONDS * 1000,
      setStatus: (showId, status) => shows.setStatus(showId, status),
      hasShow: (showId) =>
        shows.show(showId).then(
          () => true,
          (err: unknown) => (err instanceof AppError && err.code === "not_found" ? false : Promise.reject(err)),
        ),
      now: () => ctx.clock.now().getTime(),
      whepPlaces: () => whep.places(),
      discontinuityOf: (showId) => media.discontinuitySequence(showId),
      entryTtlMs: config.LIVE_DIRECTORY_TTL_MS,
    });
  const signalling = directory
    ? new SignallingRelay({
        directory,
        self: { node: ctx.bus.nodeId, url: () => cluster?.url() ?? null },
        token: nodeToken(ctx.secretsKey),
        log: log.child({ module: "media-signalling" }),
      })
    : null;
  const rtmpPublishing = (showId: string) => media.status().live.includes(showId);
  const whipSessions = new WhipSessions({
    peerOptions: {
      iceServers: network.iceServers,
      publicAddresses: network.publicAddresses.length > 0 ? network.publicAddresses : undefined,
      portRange: network.portRange,
    },
    log: log.child({ module: "whip" }),
    clock: ctx.clock,
  });
  // The shows on air here and the WHIP publishes connecting here: their signalling is answered on this node.
  signalling?.holdWhile(() => media.onAir());
  signalling?.holdWhile(() => whipSessions.all().map((s) => s.showId));
  // One publisher per show, whichever way it comes: each browser path asks the other and the RTMP ingest.
  let whipIngest: WhipIngest | null = null;
  const browserIngest = createBrowserIngest({
    ffmpegPath: config.ffmpegPath,
    requireManager: (account, showId) => shows.requireManager(account, showId),
    streamKey: (showId) => shows.streamKey(showId),
    rtmpBaseUrl: () => loopbackRtmpUrl(config.RTMP_HOST, media.rtmpPort()),
    isPublishing: (showId) => rtmpPublishing(showId) || !!whipIngest?.publishing(showId),
    endShowNow: (showId) => media.endShowNow(showId),
    log: log.child({ module: "browser-ingest" }),
    clock: ctx.clock,
  });
  whipIngest = createWhipIngest({
    ffmpegPath: config.ffmpegPath,
    sessions: whipSessions,
    show: (idOrSlug) => shows.show(idOrSlug),
    requireManager: (account, showId) => shows.requireManager(account, showId),
    showIdForStreamKey: (key) => shows.showIdForStreamKey(key),
    streamKey: (showId) => shows.streamKey(showId),
    rtmpBaseUrl: () => loopbackRtmpUrl(config.RTMP_HOST, media.rtmpPort()),
    otherPublisher: (showId) => rtmpPublishing(showId) || browserIngest.stats(showId) !== null,
    endShowNow: (showId) => media.endShowNow(showId),
    iceServers: network.iceServers,
    signalling,
    publicOrigin: config.PUBLIC_URL ? new URL(config.PUBLIC_URL).origin : null,
    log: log.child({ module: "whip-ingest" }),
  });
  return {
    media,
    browserIngest,
    whep,
    whipSessions,
    whipIngest,
    signalling,
    network,
    onLive: (listener) => void live.push(listener),
    onOffline: (listener) => void offline.push(listener),
    listening: (nodeUrl) => cluster?.listening(nodeUrl),
    close: async () => {
      await signalling?.close();
      await cluster?.close();
    },
    plugin: modulePlugin("media", mediaModule, {
      media,
      browserIngest,
      whep: whepRoutes({ whep, show: (showId) => shows.show(showId), holds: (showId) => media.playUrl(showId) !== null, signalling }),
      whipIngest,
      cluster: cluster
        ? {
            install: (app) => {
              // Registrations are kept fresh even with sweepers off (tests): a lapsed one would end the show elsewhere.
              // WHEP claims are renewed with them, at least three times in their own lifetime.
              ctx.sweepers.always(app, Math.min(cluster.everyMs, CLAIM_TTL_MS / 3), () => {
                cluster.refresh();
                void signalling?.refresh();
              });
              ctx.sweepers.install(app, (every) => every(cluster.everyMs, () => cluster.sweepOrphans()));
            },
          }
        : undefined,
    }),
  };
}

export type MediaModule = ReturnType<typeof createMediaModule>;
