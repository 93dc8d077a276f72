import { z } from "zod";

// The stage (co-hosts and guests, issue #19): who is on the show's stage, how the program composes them.

export const STAGE_ROLES = ["host", "cohost", "guest"] as const;
export type StageRole = (typeof STAGE_ROLES)[number];
/**
 * invited (asked, not yet answered) → waiting (accepted, may publish a camera) → on_stage ⇄ waiting → off (left or
 * removed); invited → declined (a viewer said no to the host's request: shown to the studio until taken off).
 */
export const STAGE_STATES = ["invited", "waiting", "on_stage", "off", "declined"] as const;
export type StageState = (typeof STAGE_STATES)[number];
/** The program's layouts: the host alone, host and the first guest side by side, the guest in a corner of the host. */
export const STAGE_LAYOUTS = ["host", "side_by_side", "pip"] as const;
export type StageLayout = (typeof STAGE_LAYOUTS)[number];

export const stageInviteBody = z.strictObject({
  role: z.enum(["cohost", "guest"]).default("cohost"),
  expiresInMinutes: z
    .number()
    .int()
    .min(1)
    .max(24 * 60)
    .default(60),
});
export const stageRequestBody = z.strictObject({ messageId: z.string().min(1).max(64) });
export const stageAcceptBody = z.strictObject({ token: z.string().min(10).max(300), displayName: z.string().trim().min(1).max(60).optional() });
export const stageMuteBody = z.strictObject({ muted: z.boolean() });
export const stageLayoutBody = z.strictObject({ layout: z.enum(STAGE_LAYOUTS) });

export interface StageParticipantView {
  id: string;
  role: StageRole;
  state: StageState;
  displayName: string;
  accountId: string | null;
  muted: boolean;
  /** A camera is connected (WHIP) right now: the host can preview them and the program can show them. */
  publishing: boolean;
}

export interface StageView {
  showId: string;
  layout: StageLayout;
  participants: StageParticipantView[];
  /** The compositor publishes the program (the stage feeds the show's ingest) on this node. */
  composing: boolean;
}

export interface StageInviteView {
  inviteId: string;
  /** The link to share: the guest's join page with the signed token. */
  url: string;
  token: string;
  role: "cohost" | "guest";
  expiresAt: string;
}

/** The answer to accepting an invite: the participant and the bearer token of their stage routes. */
export interface StageJoinView {
  participant: StageParticipantView;
  stageToken: string;
  showId: string;
}
