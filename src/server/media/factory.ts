import { type ModuleContext, type ModulePlugin, modulePlugin } from "../modules.js";
import type { ShowService } from "../shows/index.js";
import { type BrowserIngest, createBrowserIngest, loopbackRtmpUrl } from "./browser-ingest.js";
import { parseLadder } from "./ll-hls/ladder.js";
import { mediaModule } from "./plugin.js";
import { type Media, createMedia } from "./service.js";

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
  onLive(listener: ShowListener): void;
  onOffline(listener: ShowListener): void;
  plugin: ModulePlugin;
} {
  const { config, log } = ctx;
  const { shows } = doors;
  const live: ShowListener[] = [];
  const offline: ShowListener[] = [];
  const setStatus = (showId: string, status: "live" | "reconnecting" | "offline") =>
    void shows.setStatus(showId, status).catch((err) => log.error({ err, showId }, `set ${status} failed`));
  const media = createMedia({
    ffmpegPath: config.ffmpegPath,
    mediaDir: config.mediaDir,
    rtmpPort: config.RTMP_PORT,
    rtmpHost: config.RTMP_HOST,
    segmentSeconds: config.HLS_SEGMENT_SECONDS,
    listSize: config.HLS_LIST_SIZE,
    ladder: parseLadder(config.HLS_LADDER),
    partTargetSeconds: config.HLS_PART_TARGET_SECONDS,
    reconnectGraceSeconds: config.RECONNECT_GRACE_SECONDS,
    log: log.child({ module: "media" }),
    resolveStreamKey: async (key) => {
      const showId = await shows.showIdForStreamKey(key);
      return showId ? { showId } : null;
    },
    onLive: (showId) => {
      setStatus(showId, "live");
      for (const listener of live) listener(showId);
    },
    onReconnecting: (showId) => setStatus(showId, "reconnecting"),
    onOffline: (showId) => {
      setStatus(showId, "offline");
      for (const listener of offline) listener(showId);
    },
  });
  const browserIngest = createBrowserIngest({
    ffmpegPath: config.ffmpegPath,
    requireManager: (account, showId) => shows.requireManager(account, showId),
    streamKey: (showId) => shows.streamKey(showId),
    rtmpBaseUrl: () => loopbackRtmpUrl(config.RTMP_HOST, media.rtmpPort()),
    isPublishing: (showId) => media.status().live.includes(showId),
    endShowNow: (showId) => media.endShowNow(showId),
    log: log.child({ module: "browser-ingest" }),
    clock: ctx.clock,
  });
  return {
    media,
    browserIngest,
    onLive: (listener) => void live.push(listener),
    onOffline: (listener) => void offline.push(listener),
    plugin: modulePlugin("media", mediaModule, { media, browserIngest }),
  };
}

export type MediaModule = ReturnType<typeof createMediaModule>;
