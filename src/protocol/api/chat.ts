import { z } from "zod";

export const chatSendSchema = z.strictObject({ text: z.string().trim().min(1).max(280) });
export const CHAT_MAX_LENGTH = 280;

// Chat moderation (studio and viewer reports). Words: 2–40 characters; a trailing `*` blocks every word starting so.
export const CHAT_MODES = ["everyone", "signed_in", "buyers"] as const;
export type ChatMode = (typeof CHAT_MODES)[number];
export const chatSettingsBody = z.strictObject({
  slowModeSeconds: z.number().int().min(0).max(3600).optional(),
  mode: z.enum(CHAT_MODES).optional(),
  linksAllowed: z.boolean().optional(),
});
const chatWord = z
  .string()
  .trim()
  .min(2)
  .max(40)
  .regex(/^[^\s*]+\*?$/, "one word, optionally ending in *");
export const chatWordsBody = z.strictObject({ block: z.array(chatWord).max(500), allow: z.array(chatWord).max(500) });
export const chatPinBody = z.strictObject({ text: z.string().trim().min(1).max(280) });
export const chatModeratorBody = z.strictObject({ email: z.string().trim().email().max(200) });
export const chatTimeoutBody = z.strictObject({
  minutes: z
    .number()
    .int()
    .min(1)
    .max(7 * 24 * 60),
});
export const chatBanBody = z.strictObject({
  /** account: the signed-in author (and their device); device: the browser's device id; ip: the client address. */
  by: z
    .array(z.enum(["account", "device", "ip"]))
    .min(1)
    .max(3)
    .optional(),
  /** Also delete the author's messages of the last `deleteRecentMinutes` in this show (default 10; 0: none). */
  deleteRecentMinutes: z
    .number()
    .int()
    .min(0)
    .max(24 * 60)
    .optional(),
  reason: z.string().trim().max(200).optional(),
});
export const chatReportReasons = ["spam", "abuse", "scam", "other"] as const;
export const chatReportSchema = z.strictObject({ messageId: z.string().min(1).max(64), reason: z.enum(chatReportReasons) });

export interface ChatSettingsView {
  slowModeSeconds: number;
  mode: ChatMode;
  linksAllowed: boolean;
}
export interface ChatRestrictionView {
  id: string;
  kind: "ban" | "timeout";
  by: "account" | "device" | "ip";
  /** The author's display name when it was made. */
  label: string;
  reason: string;
  showId: string | null;
  expiresAt: string | null;
  createdAt: string;
}
export interface ChatReportView {
  id: string;
  reason: (typeof chatReportReasons)[number];
  createdAt: string;
  /** Open reports on one message are listed once, with their count. */
  count: number;
  message: { id: string; author: string; text: string; at: string; deleted: boolean };
}
export interface ChatModerationView {
  settings: ChatSettingsView;
  pinned: { id: string; text: string; author: string; at: string } | null;
  /** Appointments by email: no account details (the studio sees only what the host typed). */
  moderators: { id: string; email: string }[];
  words: { defaults: { en: string[]; de: string[] }; block: string[]; allow: string[] };
  reports: ChatReportView[];
  restrictions: ChatRestrictionView[];
  /** What the caller may do: `manage` (host/merchant) or `moderate` (appointed moderator). */
  you: "manage" | "moderate";
}
