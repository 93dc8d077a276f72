import { performance } from "node:perf_hooks";
import type { CreateWebhookBody, WebhookDeliveryView, WebhookEndpointView, WebhookEvent, WebhookEventData, WebhookEventType } from "../../protocol/webhooks.js";
import { deleteInBatches } from "../db/batches.js";
import { type Db, type SharedDb, type SharedTx, scoped } from "../db/index.js";
import type { OutboxTopics } from "../outbox/index.js";
import type { Clock } from "../platform/clock.js";
import { AppError } from "../platform/errors.js";
import { randomId } from "../platform/ids.js";
import type { SecretBox } from "../simulcast/index.js";
import { postJson } from "./delivery-request.js";
import { assertPublicWebhookHost } from "./endpoint-host.js";
import { EVENT_ID_HEADER, EVENT_TYPE_HEADER, SIGNATURE_HEADER, newSigningSecret, secretHint, signatureHeader } from "./signer.js";
import * as store from "./store.js";

export const MAX_ENDPOINTS_PER_MERCHANT = 10;
export const DELIVERY_TIMEOUT_MS = 10_000;

/** The part of the outbox the webhooks need: rows written in the caller's transaction. */
export interface WebhookOutbox {
  enqueue(tx: SharedDb, topic: "webhook.deliver", payload: OutboxTopics["webhook.deliver"]): Promise<string>;
  redeliver(
    topic: "webhook.deliver",
    find: { needle: string; from: Date; to: Date; match: (payload: OutboxTopics["webhook.deliver"]) => boolean },
  ): Promise<boolean>;
}

// A row's attempts (8, with backoff) span about 11 minutes: the event's outbox row was written within this of any attempt.
const ATTEMPTS_SPAN_MS = 60 * 60_000;

export interface WebhookDeps {
  db: Db;
  clock: Clock;
  outbox: WebhookOutbox;
  /** Encrypts signing secrets at rest (the key is SECRETS_KEY, as for simulcast stream keys). */
  box: SecretBox;
  /** WEBHOOKS_ALLOW_PRIVATE: endpoints on loopback/private addresses (tests, an internal receiver). */
  allowInternalHosts: boolean;
  timeoutMs?: number;
}

/** The events a transition can emit: what orders and offers call, inside their own transactions. */
export interface WebhookEvents {
  enqueueForShow<K extends WebhookEventType>(tx: SharedTx, showId: string, type: K, data: WebhookEventData[K]): Promise<string | null>;
}

/**
 * Merchant endpoints and deliveries. An event is enqueued in the transaction of the change that causes it (one
 * outbox row per subscribed endpoint, all with the same event id), then POSTed, signed, by the outbox handler:
 * at least once, retried with the outbox's backoff until a 2xx; every attempt is logged in webhook_deliveries.
 */
export class WebhookService implements WebhookEvents {
  private readonly timeoutMs: number;
  readonly #db: store.WebhooksDb;

  constructor(private readonly deps: WebhookDeps) {
    this.timeoutMs = deps.timeoutMs ?? DELIVERY_TIMEOUT_MS;
    this.#db = scoped(deps.db);
  }

  /** Registers an endpoint; the signing secret is returned here and never again. */
  async create(merchantId: string, body: CreateWebhookBody): Promise<{ endpoint: WebhookEndpointView; secret: string }> {
    await assertPublicWebhookHost(body.url, this.deps.allowInternalHosts);
    const existing = await store.liveEndpointsOfMerchant(this.#db, merchantId);
    if (existing.length >= MAX_ENDPOINTS_PER_MERCHANT) throw new AppError("conflict", `At most ${MAX_ENDPOINTS_PER_MERCHANT} webhook endpoints per merchant.`);
    const id = randomId("whe");
    const secret = newSigningSecret();
    const row = {
      id,
      merchant_id: merchantId,
      url: body.url,
      events: body.events.join(","),
      description: body.description || null,
      // The id as associated data: a sealed secret copied to another endpoint's row does not open.
      secret_enc: this.deps.box.seal(secret, id),
      secret_hint: secretHint(secret),
      created_at: this.deps.clock.now(),
      deleted_at: null,
    };
    await store.insertEndpoint(this.#db, row).catch((err) => {
      // An admin naming a merchant that does not exist (foreign key).
      if ((err as { code?: string }).code === "23503") throw new AppError("not_found", "No such merchant.");
      throw err;
    });
    return { endpoint: endpointView(row), secret };
  }

  async list(merchantId: string): Promise<WebhookEndpointView[]> {
    return (await store.liveEndpointsOfMerchant(this.#db, merchantId)).map(endpointView);
  }

  /** The endpoint's merchant, for the routes' access check; not_found when unknown or deleted. */
  async merchantOf(endpointId: string): Promise<string> {
    const row = await store.endpointById(this.#db, endpointId);
    if (!row || row.deleted_at) throw new AppError("not_found", "No such webhook endpoint.");
    return row.merchant_id;
  }

  /** Deletes the endpoint: nothing more is delivered to it, including retries already queued. */
  async remove(endpointId: string): Promise<void> {
    if (!(await store.markEndpointDeleted(this.#db, endpointId, this.deps.clock.now()))) throw new AppError("not_found", "No such webhook endpoint.");
  }

  /** The whole signing secret of a live endpoint (the merchant's owner or staff asked to see it again). */
  async revealSecret(endpointId: string): Promise<string> {
    const row = await store.endpointById(this.#db, endpointId);
    if (!row || row.deleted_at) throw new AppError("not_found", "No such webhook endpoint.");
    return this.deps.box.open(row.secret_enc, row.id);
  }

  /** A new signing secret; every delivery from now on (queued retries too) is signed with it, the old one stops at once. */
  async rotateSecret(endpointId: string): Promise<{ endpoint: WebhookEndpointView; secret: string }> {
    const secret = newSigningSecret();
    if (!(await store.updateSecret(this.#db, endpointId, this.deps.box.seal(secret, endpointId), secretHint(secret))))
      throw new AppError("not_found", "No such webhook endpoint.");
    const row = await store.endpointById(this.#db, endpointId);
    return { endpoint: endpointView(row!), secret };
  }

  /**
   * Sends the event of one logged delivery again now, with the same event id and body: a row still being retried
   * becomes due at once, a delivered or given-up one is queued again (its attempts count from 1).
   */
  async retryDelivery(endpointId: string, deliveryId: string): Promise<void> {
    const d = await store.deliveryById(this.#db, deliveryId);
    if (!d || d.endpoint_id !== endpointId) throw new AppError("not_found", "No such delivery.");
    const at = new Date(d.attempted_at);
    const found = await this.deps.outbox.redeliver("webhook.deliver", {
      needle: `"id":"${d.event_id}"`,
      from: new Date(at.getTime() - ATTEMPTS_SPAN_MS),
      to: at,
      match: (p) => p.endpointId === endpointId && p.event.id === d.event_id,
    });
    if (!found) throw new AppError("conflict", "This event is no longer kept and cannot be sent again.");
  }

  /**
   * Retention of the delivery log: attempts older than `days` are deleted, 1,000 per statement (0 keeps them). Run
   * with the outbox's retention (OUTBOX_RETENTION_DAYS): an attempt that old can no longer be retried anyway, and the
   * log shows an endpoint's latest 100. Answers the rows deleted.
   */
  async pruneDeliveries(days: number): Promise<number> {
    if (days <= 0) return 0;
    const before = new Date(this.deps.clock.now().getTime() - days * 24 * 3600_000);
    return deleteInBatches((limit) => store.deleteDeliveriesBefore(this.#db, before, limit));
  }

  async deliveries(endpointId: string, limit = 100): Promise<WebhookDeliveryView[]> {
    return (await store.deliveriesOfEndpoint(this.#db, endpointId, limit)).map(deliveryView);
  }

  /** Enqueues `type` for every endpoint of the show's merchant subscribed to it. Returns the event id, or null when none is. */
  async enqueueForShow<K extends WebhookEventType>(tx: SharedTx, showId: string, type: K, data: WebhookEventData[K]): Promise<string | null> {
    const endpoints = (await store.liveEndpointsForShow(scoped<store.WebhooksView>(tx), showId)).filter((e) => e.events.split(",").includes(type));
    if (endpoints.length === 0) return null;
    const event: WebhookEvent<K> = { id: randomId("evt"), type, createdAt: this.deps.clock.now().toISOString(), data };
    for (const e of endpoints) await this.deps.outbox.enqueue(tx, "webhook.deliver", { endpointId: e.id, event: event as WebhookEvent });
    return event.id;
  }

  /**
   * The outbox handler: one signed POST, logged; throws unless the endpoint answered 2xx, so the outbox retries.
   * A deleted endpoint gets nothing (the row is done).
   */
  async deliver(payload: OutboxTopics["webhook.deliver"], attempt: number): Promise<void> {
    const endpoint = await store.endpointById(this.#db, payload.endpointId);
    if (!endpoint || endpoint.deleted_at) return;
    const secret = this.deps.box.open(endpoint.secret_enc, endpoint.id);
    const body = JSON.stringify(payload.event);
    const attemptedAt = this.deps.clock.now();
    const headers = {
      [SIGNATURE_HEADER]: signatureHeader(secret, Math.floor(attemptedAt.getTime() / 1000), body),
      [EVENT_ID_HEADER]: payload.event.id,
      [EVENT_TYPE_HEADER]: payload.event.type,
    };
    const started = performance.now();
    let statusCode: number | null = null;
    let excerpt: string | null = null;
    let error: string | null = null;
    try {
      const res = await postJson(endpoint.url, body, headers, { timeoutMs: this.timeoutMs, allowInternal: this.deps.allowInternalHosts });
      statusCode = res.statusCode;
      excerpt = res.excerpt;
    } catch (err) {
      error = (err instanceof Error ? err.message : String(err)).slice(0, 500) || "request failed";
    }
    await store.insertDelivery(this.#db, {
      id: randomId("whd"),
      endpoint_id: endpoint.id,
      event_id: payload.event.id,
      event_type: payload.event.type,
      attempt,
      status_code: statusCode,
      response_excerpt: excerpt,
      duration_ms: Math.round(performance.now() - started),
      error,
      attempted_at: attemptedAt,
    });
    if (statusCode === null || statusCode < 200 || statusCode > 299) throw new Error(error ?? `webhook endpoint answered ${statusCode}`);
  }
}

function endpointView(
  r: Pick<store.EndpointRow, "id" | "merchant_id" | "url" | "events" | "description" | "secret_hint"> & { created_at: Date | string },
): WebhookEndpointView {
  return {
    id: r.id,
    merchantId: r.merchant_id,
    url: r.url,
    events: r.events.split(",") as WebhookEventType[],
    description: r.description,
    secretHint: r.secret_hint,
    createdAt: new Date(r.created_at).toISOString(),
  };
}

function deliveryView(r: store.DeliveryRow): WebhookDeliveryView {
  return {
    id: r.id,
    endpointId: r.endpoint_id,
    eventId: r.event_id,
    eventType: r.event_type as WebhookEventType,
    attempt: r.attempt,
    ok: r.status_code !== null && r.status_code >= 200 && r.status_code <= 299,
    statusCode: r.status_code,
    responseExcerpt: r.response_excerpt,
    durationMs: r.duration_ms,
    error: r.error,
    attemptedAt: new Date(r.attempted_at).toISOString(),
  };
}
