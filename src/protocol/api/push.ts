import { z } from "zod";
import { idSchema } from "./common.js";

// Web Push: the browser's PushSubscription (as its toJSON() gives it) and what the server sends inside the encrypted
// payload to the service worker (src/web/push/service-worker.ts).

/** base64url of `bytes` bytes, unpadded as browsers give it (a trailing `=` pad is tolerated). */
const base64urlOf = (bytes: number) => {
  const chars = Math.ceil((bytes * 4) / 3);
  return z.string().regex(new RegExp(`^[A-Za-z0-9_-]{${chars}}=*$`), `base64url of ${bytes} bytes`);
};

/** POST /api/push/subscriptions */
export const pushSubscribeBody = z.strictObject({
  subscription: z.object({
    // RFC 8030: the push service's resource for this subscription; https only (RFC 8030 §8).
    endpoint: z.url({ protocol: /^https$/ }).max(2048),
    expirationTime: z.number().nullable().optional(),
    keys: z.object({
      /** The browser's P-256 public key, uncompressed (65 bytes, first byte 0x04: base64url starts with "B"). */
      p256dh: base64urlOf(65).refine((s) => s.startsWith("B"), "an uncompressed P-256 point"),
      /** RFC 8291's authentication secret (16 bytes). */
      auth: base64urlOf(16),
    }),
  }),
  /** A guest's "Remind me": the reminder this browser made, with the token its answer gave. Signed in: not needed. */
  reminder: z.strictObject({ id: idSchema, token: z.string().min(1).max(200) }).optional(),
  /** The page's language: the notices to this subscription are written in it (default: the notice's recipient's). */
  lang: z.enum(["de", "en"]).optional(),
});
export type PushSubscribeBody = z.infer<typeof pushSubscribeBody>;

/** A stored subscription as its owner sees it (the endpoint and keys stay on the server). */
export interface PushSubscriptionView {
  id: string;
  /** Who it belongs to: a signed-in account, or a guest's reminder of one show. */
  owner: "account" | "reminder";
  createdAt: string;
}

/** 201 from POST /api/push/subscriptions. `token` (header X-Push-Token) lets this browser remove it without a sign-in. */
export interface PushSubscribeAnswer {
  subscription: PushSubscriptionView;
  token: string;
}

/** What the service worker gets in a push message's (decrypted) data, as JSON. */
export interface PushNoticePayload {
  v: 1;
  kind: "show.starting_soon" | "show.live";
  title: string;
  body: string;
  /** The show's page on this site (absolute); the notification opens it when clicked. */
  url: string;
  /** Notifications of one show replace each other (the live notice replaces the "starting soon" one). */
  tag: string;
  /** The show's cover, absolute, or null. */
  image: string | null;
  lang: "de" | "en";
}
