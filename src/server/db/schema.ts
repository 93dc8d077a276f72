import type { AccountsTables } from "../accounts/schema.js";
import type { AnalyticsTables } from "../analytics/schema.js";
import type { AuctionsTables } from "../auctions/schema.js";
import type { BuyersTables } from "../buyers/schema.js";
import type { CatalogTables } from "../catalog/schema.js";
import type { ChatTables } from "../chat/schema.js";
import type { CommissionsTables } from "../commissions/schema.js";
import type { CouponsTables } from "../coupons/schema.js";
import type { EmbedTables } from "../embed/schema.js";
import type { FollowsTables } from "../follows/schema.js";
import type { GiveawaysTables } from "../giveaways/schema.js";
import type { HttpTables } from "../http/schema.js";
import type { MysteryTables } from "../mystery/schema.js";
import type { NotificationsTables } from "../notifications/schema.js";
import type { OffersTables } from "../offers/schema.js";
import type { OrdersTables } from "../orders/schema.js";
import type { OutboxTables } from "../outbox/schema.js";
import type { PaymentsTables } from "../payments/schema.js";
import type { PollsTables } from "../polls/schema.js";
import type { PushTables } from "../push/schema.js";
import type { RecordingsTables } from "../recordings/schema.js";
import type { ShowsTables } from "../shows/schema.js";
import type { SimulcastTables } from "../simulcast/schema.js";
import type { StageTables } from "../stage/schema.js";
import type { WaitlistTables } from "../waitlist/schema.js";
import type { WebhooksTables } from "../webhooks/schema.js";
import type { Timestamp } from "./column-types.js";

/** The migration runner's own table (db/index.ts): one row per applied migration id. */
export interface MigrationTables {
  schema_migrations: { id: number; name: string; applied_at: Timestamp };
}

/**
 * Every table and view, each declared by the module that writes it (its schema.ts) and composed here, so a
 * `Kysely<Database>` sees them all. db/schema-types.test.ts checks each table has one owner and matches the database.
 */
export interface Database
  extends AccountsTables,
    AnalyticsTables,
    AuctionsTables,
    BuyersTables,
    CatalogTables,
    ChatTables,
    CommissionsTables,
    CouponsTables,
    EmbedTables,
    FollowsTables,
    GiveawaysTables,
    HttpTables,
    MysteryTables,
    NotificationsTables,
    OffersTables,
    OrdersTables,
    OutboxTables,
    PaymentsTables,
    PollsTables,
    PushTables,
    RecordingsTables,
    ShowsTables,
    SimulcastTables,
    StageTables,
    WaitlistTables,
    WebhooksTables,
    MigrationTables {}
