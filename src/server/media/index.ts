import type { FastifyBaseLogger, FastifyPluginAsync } from "fastify";
import { RtmpIngest } from "./rtmp-ingest.js";
import { ShowTranscoder } from "./transcoder.js";
import { hlsOriginRoutes, liveDir } from "./hls-origin.js";

export { startSyntheticSource, findClockFont, type SyntheticSource, type SyntheticSourceOptions } from "./synthetic-source.js";
export { liveDir } from "./hls-origin.js";

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
  /** The publisher went away (or was disconnected). */
  onOffline(showId: string): void;
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
  /** GET /live/:showId/index.m3u8 and /live/:showId/<segment>. */
  routes: FastifyPluginAsync;
}

const STOP_GRACE_MS = 3000;

export function createMedia(deps: MediaDeps): Media {
  const log = deps.log;
  const transcoders = new Map<string, ShowTranscoder>();
  // A show's previous transcoder may still be writing its final playlist when the same show publishes again.
  const stopping = new Map<string, Promise<void>>();
  // Shows we reported live, so onOffline pairs with an onLive.
  const live = new Set<string>();
  let stopped = false;

  const notify = (what: "onLive" | "onOffline", showId: string) => {
    try {
      deps[what](showId);
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

  const ingest: RtmpIngest = new RtmpIngest({
    log,
    resolveStreamKey: deps.resolveStreamKey,
    onPublish(showId) {
      if (stopped) return ingest.kick(showId);
      const inputUrl = ingest.playUrl(showId, loopbackHost(deps.rtmpHost));
      if (!inputUrl) return;
      const transcoder = new ShowTranscoder({
        ffmpegPath: deps.ffmpegPath,
        inputUrl,
        outDir: liveDir(deps.mediaDir, showId),
        segmentSeconds: deps.segmentSeconds,
        listSize: deps.listSize,
        log: log.child({ showId }),
      });
      transcoders.set(showId, transcoder);
      const previous = stopping.get(showId) ?? Promise.resolve();
      void previous
        .then(() => transcoder.start())
        .catch((err: unknown) => log.error({ err, showId }, "transcoder failed to start"));
      live.add(showId);
      notify("onLive", showId);
    },
    onUnpublish(showId) {
      void stopTranscoder(showId);
      if (live.delete(showId)) notify("onOffline", showId);
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
    },
    rtmpPort: () => ingest.port(),
    status: () => ({
      rtmp: ingest.listening(),
      live: ingest.liveShows(),
      transcoders: [...transcoders.values()].filter((t) => t.running()).length,
    }),
    disconnectShow: (showId) => ingest.kick(showId),
    transcoderPid: (showId) => transcoders.get(showId)?.pid(),
    routes: hlsOriginRoutes(deps.mediaDir),
  };
}

// The transcoder pulls over loopback unless the ingest is bound to one specific address.
function loopbackHost(rtmpHost: string): string {
  if (rtmpHost === "" || rtmpHost === "0.0.0.0") return "127.0.0.1";
  if (rtmpHost === "::") return "::1";
  return rtmpHost;
}
