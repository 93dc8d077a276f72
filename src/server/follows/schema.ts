import type { Timestamp } from "../db/column-types.js";

// Follows: the table this module writes. db/schema.ts composes every module's tables into `Database`.
export interface FollowsTables {
  /** A signed-in viewer follows a host (target_id: the host's account id) or a shop (target_id: the merchant id). */
  follows: {
    id: string;
    account_id: string;
    target: "host" | "shop";
    target_id: string;
    created_at: Timestamp;
  };
}
