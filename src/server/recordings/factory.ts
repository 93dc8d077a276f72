import type { MediaModule } from "../media/index.js";
import { type ModuleContext, type ModulePlugin, modulePlugin } from "../modules.js";
import type { OfferService } from "../offers/index.js";
import type { ShowService } from "../shows/index.js";
import { recordingsModule } from "./plugin.js";
import { RecordingService } from "./service.js";

/** Recordings and replays: a show is recorded while media reports it live (pulled from the loopback ingest). */
export function createRecordingsModule(
  ctx: ModuleContext,
  doors: { offers: OfferService; shows: ShowService; media: Pick<MediaModule, "media" | "onLive" | "onOffline"> },
): { recordings: RecordingService; plugin: ModulePlugin } {
  const { config } = ctx;
  const { media } = doors.media;
  const recordings = new RecordingService({
    db: ctx.db,
    clock: ctx.clock,
    offers: doors.offers,
    ffmpegPath: config.ffmpegPath,
    mediaDir: config.mediaDir,
    segmentSeconds: config.RECORDING_SEGMENT_SECONDS,
    previewSeconds: config.PREVIEW_SECONDS,
    maxSeconds: config.RECORDING_MAX_MINUTES * 60,
    enabled: config.RECORDINGS,
    log: ctx.log.child({ module: "recordings" }),
    playUrl: (showId) => media.playUrl(showId),
    sessionGapSeconds: config.RECONNECT_GRACE_SECONDS,
  });
  doors.media.onLive((showId) => recordings.onLive(showId));
  doors.media.onOffline((showId) => recordings.onOffline(showId));
  return { recordings, plugin: modulePlugin("recordings", recordingsModule, { recordings, shows: doors.shows, mediaDir: config.mediaDir }) };
}
