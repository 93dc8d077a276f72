import { z } from "zod";
import type { ErrorCode } from "../errors.js";

// Playback telemetry: one report per player every ~5 s (and on unload). Interval fields cover the time since the
// previous report of the same session; bounds keep one report from skewing the show's aggregate.
export const playbackReportBody = z
  .strictObject({
    sessionId: z.string().regex(/^[A-Za-z0-9_-]{8,64}$/),
    startupMs: z.number().int().min(0).max(600_000).nullable(),
    liveDelayMs: z.number().int().min(-60_000).max(3_600_000).nullable(),
    intervalMs: z.number().int().min(0).max(120_000),
    stalledMs: z.number().int().min(0).max(120_000),
    stalls: z.number().int().min(0).max(1000),
  })
  .refine((r) => r.stalledMs <= r.intervalMs, { message: "stalledMs cannot exceed intervalMs", path: ["stalledMs"] });
export type PlaybackReport = z.infer<typeof playbackReportBody>;

// Browser go-live (`/ws/ingest/:showId`): JSON text commands, binary frames carry the MediaRecorder output.
export const ingestCommand = z.discriminatedUnion("t", [
  z.strictObject({
    t: z.literal("ingest.start"),
    d: z.strictObject({
      mimeType: z
        .string()
        .min(1)
        .max(100)
        .regex(/^[\w/.;=, +-]+$/),
    }),
  }),
  z.strictObject({ t: z.literal("ingest.stop"), d: z.unknown().optional() }),
]);
export type IngestCommand = z.infer<typeof ingestCommand>;

export type IngestServerFrame =
  | { t: "ingest.accepted"; d: { transcode: boolean } }
  | { t: "ingest.live"; d: Record<string, never> }
  | { t: "ingest.stats"; d: { receivedBytesPerSecond: number } }
  | { t: "ingest.ended"; d: { reason: "stopped" | "encoder_exited" } }
  | { t: "error"; d: { code: ErrorCode; message: string } };
