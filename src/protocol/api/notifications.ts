import { z } from "zod";
import { idSchema } from "./common.js";

// Follows (a signed-in viewer follows a host or a shop), a show's "Remind me" and the emailed unsubscribe links.

export const FOLLOW_TARGETS = ["host", "shop"] as const;
export type FollowTarget = (typeof FOLLOW_TARGETS)[number];
export const followParams = z.strictObject({ target: z.enum(FOLLOW_TARGETS), targetId: idSchema });

/** The viewer's follow of one host (an account id) or shop (a merchant id). */
export interface FollowView {
  target: FollowTarget;
  targetId: string;
  following: boolean;
}

/** How many accounts follow a show's host and its shop (the studio's and the admin's figures). */
export interface FollowerCounts {
  host: number;
  shop: number;
}

/** "Remind me": a guest gives an email address; a signed-in viewer may leave it out (the account's address is used). */
export const remindBody = z.strictObject({
  email: z.email().max(254).optional(),
  lang: z.enum(["de", "en"]).optional(),
});
export type RemindBody = z.infer<typeof remindBody>;

export interface ReminderView {
  id: string;
  showId: string;
  /**
   * The reminder's unsubscribe token, given once to the browser that created it (a guest cancels with it). Absent
   * when the reminder existed already: whoever types an address must not be able to cancel its owner's reminder.
   */
  token?: string;
}

/** The token of an emailed unsubscribe link (it names one subscription and carries its signature). */
export const unsubscribeBody = z.strictObject({ token: z.string().min(8).max(200) });

/** What an unsubscribe link stands for, shown on its page: a show's reminder, or the follow of a host or a shop. */
export interface UnsubscribeView {
  kind: "reminder" | "follow";
  /** The show's title, or the host's or shop's name. */
  name: string;
  /** False once it is unsubscribed (or was already). */
  subscribed: boolean;
}

/** A scheduled show's line-up as viewers see it before the show: what will be sold, at what show price. */
export interface LineupPreviewItem {
  title: string;
  imageUrl: string;
  price: number;
  showPrice: number;
  currency: string;
}
