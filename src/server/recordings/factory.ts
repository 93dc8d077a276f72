import type { MediaModule } from "../media/index.js";
import { type ModuleContext, type ModulePlugin, modulePlugin } from "../modules.js";
import type { OfferService } from "../offers/index.js";
import type { ShowService } from "../shows/index.js";
import { recordingsModule } from "./plugin.js";
import { RecordingService } from "./service.js";
import { LocalRecordingStorage, type RecordingStorage, S3RecordingStorage } from "./storage.js";

function storageOf(config: ModuleContext["config"]): RecordingStorage {
  if (config.RECORDINGS_STORAGE !== "s3") return new LocalRecordingStorage(config.mediaDir);
  return new S3RecordingStorage({
    bucket: config.S3_BUCKET!,
    region: config.S3_REGION,
    endpoint: config.S3_ENDPOINT,
    forcePathStyle: config.S3_FORCE_PATH_STYLE ?? !!config.S3_ENDPOINT,
    credentials: config.S3_ACCESS_KEY_ID ? { accessKeyId: config.S3_ACCESS_KEY_ID, secretAccessKey: config.S3_SECRET_ACCESS_KEY! } : undefined,
    prefix: config.S3_PREFIX,
  });
}

/** Recordings and replays: a show is recorded while media reports it live (pulled from the loopback ingest). */
export function createRecordingsModule(
  ctx: ModuleContext,
  doors: { offers: OfferService; shows: ShowService; media: Pick<MediaModule, "media" | "onLive" | "onOffline"> },
): { recordings: RecordingService; plugin: ModulePlugin } {
  const { config } = ctx;
  const { media } = doors.media;
  const storage = storageOf(config);
  ctx.log.info(
    { storage: storage.kind, ...(storage.kind === "s3" ? { bucket: config.S3_BUCKET, endpoint: config.S3_ENDPOINT ?? "aws" } : {}) },
    "recordings storage",
  );
  const recordings = new RecordingService({
    db: ctx.db,
    clock: ctx.clock,
    offers: doors.offers,
    ffmpegPath: config.ffmpegPath,
    mediaDir: config.mediaDir,
    storage,
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
  return { recordings, plugin: modulePlugin("recordings", recordingsModule, { recordings, shows: doors.shows, mediaDir: config.mediaDir, storage }) };
}
