import type { Insertable, Kysely, Selectable } from "kysely";
import { perTransaction } from "../db/index.js";
import type { WebhooksReads, WebhooksTables } from "./schema.js";

export type EndpointRow = Selectable<WebhooksTables["webhook_endpoints"]>;
export type DeliveryRow = Selectable<WebhooksTables["webhook_deliveries"]>;
/** Webhooks' view of the database (a transaction is one too): its own tables and a show's merchant. */
export type WebhooksView = WebhooksTables & WebhooksReads;
export type WebhooksDb = Kysely<WebhooksView>;
type Executor = WebhooksDb;

export async function insertEndpoint(db: Executor, row: Insertable<WebhooksTables["webhook_endpoints"]>): Promise<void> {
  await db.insertInto("webhook_endpoints").values(row).execute();
}

export function liveEndpointsOfMerchant(db: Executor, merchantId: string): Promise<EndpointRow[]> {
  return db
    .selectFrom("webhook_endpoints")
    .selectAll()
    .where("merchant_id", "=", merchantId)
    .where("deleted_at", "is", null)
    .orderBy("created_at")
    .orderBy("id")
    .execute();
}

/**
 * The live endpoints of the merchant that owns the show, in the caller's transaction (on PGlite a query outside it
 * would wait for the transaction's own connection). One indexed query; no endpoints is the common case.
 */
export function liveEndpointsForShow(tx: Executor, showId: string): Promise<Pick<EndpointRow, "id" | "events">[]> {
  // Once per transaction: a set-wise tick of a show's paid orders asks for each of them.
  return perTransaction(tx, `webhooks:endpoints:${showId}`, () =>
    tx
      .selectFrom("webhook_endpoints")
      .select(["id", "events"])
      .where("merchant_id", "=", (eb) => eb.selectFrom("shows").select("shows.merchant_id").where("shows.id", "=", showId))
      .where("deleted_at", "is", null)
      .execute(),
  );
}

export function endpointById(db: Executor, id: string): Promise<EndpointRow | undefined> {
  return db.selectFrom("webhook_endpoints").selectAll().where("id", "=", id).executeTakeFirst();
}

export async function markEndpointDeleted(db: Executor, id: string, at: Date): Promise<boolean> {
  const res = await db.updateTable("webhook_endpoints").set({ deleted_at: at }).where("id", "=", id).where("deleted_at", "is", null).executeTakeFirst();
  return Number(res.numUpdatedRows) > 0;
}

export async function insertDelivery(db: Executor, row: Insertable<WebhooksTables["webhook_deliveries"]>): Promise<void> {
  await db.insertInto("webhook_deliveries").values(row).execute();
}

export function deliveriesOfEndpoint(db: Executor, endpointId: string, limit: number): Promise<DeliveryRow[]> {
  return db
    .selectFrom("webhook_deliveries")
    .selectAll()
    .where("endpoint_id", "=", endpointId)
    .orderBy("attempted_at", "desc")
    .orderBy("attempt", "desc")
    .limit(limit)
    .execute();
}

export async function updateSecret(db: Executor, id: string, secretEnc: string, hint: string): Promise<boolean> {
  const res = await db
    .updateTable("webhook_endpoints")
    .set({ secret_enc: secretEnc, secret_hint: hint })
    .where("id", "=", id)
    .where("deleted_at", "is", null)
    .executeTakeFirst();
  return Number(res.numUpdatedRows) > 0;
}

/** Deletes up to `limit` delivery log rows attempted before `before`; answers how many. */
export async function deleteDeliveriesBefore(db: Executor, before: Date, limit: number): Promise<number> {
  const res = await db
    .deleteFrom("webhook_deliveries")
    .where("id", "in", db.selectFrom("webhook_deliveries").select("id").where("attempted_at", "<", before).limit(limit))
    .executeTakeFirst();
  return Number(res.numDeletedRows);
}

export function deliveryById(db: Executor, id: string): Promise<DeliveryRow | undefined> {
  return db.selectFrom("webhook_deliveries").selectAll().where("id", "=", id).executeTakeFirst();
}
