import { z } from "zod";

export type DestinationStatus = "idle" | "connecting" | "live" | "error";

/** A simulcast target as the studio sees it: the stream key only as a hint. */
export interface DestinationView {
  id: string;
  showId: string;
  name: string;
  url: string;
  streamKeyHint: string;
  enabled: boolean;
  status: DestinationStatus;
  lastError: string | null;
  createdAt: string;
}

export const createDestinationBody = z.strictObject({
  name: z.string().trim().min(1).max(80),
  url: z
    .string()
    .trim()
    .max(500)
    .regex(/^rtmps?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?(\/[A-Za-z0-9._~%!$&'()*+,;=:@/-]*)?$/, "rtmp:// or rtmps:// URL without spaces"),
  streamKey: z
    .string()
    .min(1)
    .max(512)
    .regex(/^[\x21-\x7e]+$/, "visible ASCII characters, no spaces"),
  enabled: z.boolean().optional(),
});
export type CreateDestinationBody = z.infer<typeof createDestinationBody>;
