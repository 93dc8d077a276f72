import { accountsMigrations } from "../accounts/migrations.js";
import { analyticsMigrations } from "../analytics/migrations.js";
import { auctionsMigrations } from "../auctions/migrations.js";
import { buyersMigrations } from "../buyers/migrations.js";
import { catalogMigrations } from "../catalog/migrations.js";
import { chatMigrations } from "../chat/migrations.js";
import { commissionsMigrations } from "../commissions/migrations.js";
import { couponsMigrations } from "../coupons/migrations.js";
import { embedMigrations } from "../embed/migrations.js";
import { followsMigrations } from "../follows/migrations.js";
import { giveawaysMigrations } from "../giveaways/migrations.js";
import { httpMigrations } from "../http/migrations.js";
import { mysteryMigrations } from "../mystery/migrations.js";
import { notificationsMigrations } from "../notifications/migrations.js";
import { offersMigrations } from "../offers/migrations.js";
import { ordersMigrations } from "../orders/migrations.js";
import { outboxMigrations } from "../outbox/migrations.js";
import { paymentsMigrations } from "../payments/migrations.js";
import { pollsMigrations } from "../polls/migrations.js";
import { pushMigrations } from "../push/migrations.js";
import { recordingsMigrations } from "../recordings/migrations.js";
import { showsMigrations } from "../shows/migrations.js";
import { simulcastMigrations } from "../simulcast/migrations.js";
import { stageMigrations } from "../stage/migrations.js";
import { waitlistMigrations } from "../waitlist/migrations.js";
import { webhooksMigrations } from "../webhooks/migrations.js";
import type { Migration } from "./migration.js";

// Every module's migrations, in the order their parts of one migration id run: a module comes after the modules
// whose tables it references or reads (foreign keys, data copied in the same migration). Money columns are bigint
// minor units; bigint is parsed to a JS number (see db/index.ts).
export const moduleMigrations: { module: string; migrations: Migration[] }[] = [
  { module: "catalog", migrations: catalogMigrations },
  { module: "accounts", migrations: accountsMigrations },
  { module: "shows", migrations: showsMigrations },
  { module: "offers", migrations: offersMigrations },
  { module: "orders", migrations: ordersMigrations },
  { module: "payments", migrations: paymentsMigrations },
  { module: "buyers", migrations: buyersMigrations },
  { module: "waitlist", migrations: waitlistMigrations },
  { module: "commissions", migrations: commissionsMigrations },
  { module: "chat", migrations: chatMigrations },
  { module: "recordings", migrations: recordingsMigrations },
  { module: "simulcast", migrations: simulcastMigrations },
  { module: "webhooks", migrations: webhooksMigrations },
  { module: "auctions", migrations: auctionsMigrations },
  { module: "giveaways", migrations: giveawaysMigrations },
  { module: "polls", migrations: pollsMigrations },
  { module: "coupons", migrations: couponsMigrations },
  { module: "mystery", migrations: mysteryMigrations },
  { module: "follows", migrations: followsMigrations },
  { module: "notifications", migrations: notificationsMigrations },
  { module: "push", migrations: pushMigrations },
  { module: "embed", migrations: embedMigrations },
  { module: "outbox", migrations: outboxMigrations },
  { module: "http", migrations: httpMigrations },
  { module: "analytics", migrations: analyticsMigrations },
  { module: "stage", migrations: stageMigrations },
];

/** One numbered migration as the runner applies it: its modules' parts in module order, in one transaction. */
export interface PlannedMigration {
  id: number;
  name: string;
  parts: { module: string; sql: string }[];
}

/**
 * Groups the modules' parts by id, in id order. An id is what schema_migrations records: an existing database that
 * recorded it has run every part of it, so a part is never added to an id that was released.
 */
export function migrationPlan(modules: { module: string; migrations: Migration[] }[] = moduleMigrations): PlannedMigration[] {
  const byId = new Map<number, PlannedMigration>();
  for (const { module, migrations } of modules) {
    for (const m of migrations) {
      if (!Number.isInteger(m.id) || m.id <= 0) throw new Error(`migration ${module}/${m.id}: the id must be a positive integer`);
      const planned = byId.get(m.id);
      if (!planned) {
        byId.set(m.id, { id: m.id, name: m.name, parts: [{ module, sql: m.sql }] });
        continue;
      }
      if (planned.name !== m.name) throw new Error(`migration ${m.id}: ${module} names it "${m.name}", ${planned.parts[0].module} "${planned.name}"`);
      if (planned.parts.some((p) => p.module === module)) throw new Error(`migration ${m.id}: ${module} has two parts`);
      planned.parts.push({ module, sql: m.sql });
    }
  }
  return [...byId.values()].sort((a, b) => a.id - b.id);
}

/** A part's statements, one at a time: PGlite's extended-protocol query takes a single statement. */
export function statementsOf(sql: string): string[] {
  return sql
    .split(/;\s*\n/)
    .map((x) => x.trim())
    .filter(Boolean);
}
