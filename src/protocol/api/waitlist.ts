import { z } from "zod";

export const joinWaitlistBody = z.strictObject({
  email: z.string().trim().max(254).pipe(z.email()).optional(),
  /** The page's language: the waitlist's emails to this entry are written in it (default English). */
  lang: z.enum(["de", "en"]).optional(),
});
/** A place on a sold-out offer's waitlist. `claim`: units came back and are held for this entry until `expiresAt`. */
export interface WaitlistEntryView {
  id: string;
  offerId: string;
  status: "waiting" | "offered" | "claimed" | "lapsed" | "left";
  /** 1 = next in line (while waiting). */
  position: number | null;
  /** `accessToken` (GET /api/waitlist/:entryId only): the claim order's token for `X-Order-Token`. */
  claim: { orderId: string; expiresAt: string; accessToken?: string } | null;
}
/**
 * POST /api/offers/:offerId/waitlist. `entry` and `entryToken` (for `X-Waitlist-Token`) only when this request made
 * the entry or the signed-in account owns it; for an email that already waits both are null and `linkEmailed` says
 * whether its address was sent a link to its entry.
 */
export interface JoinWaitlistAnswer {
  entry: WaitlistEntryView | null;
  entryToken: string | null;
  linkEmailed: boolean;
}
