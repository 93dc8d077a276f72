import { z } from "zod";
import type { OfferView, OrderView } from "./api.js";

// Outgoing webhooks: what a merchant can subscribe to, and what the endpoint receives.
export const webhookEventTypes = ["order.paid", "order.refunded", "order.fulfilled", "offer.sold_out"] as const;
export type WebhookEventType = (typeof webhookEventTypes)[number];

/** `data` of each event type. */
export interface WebhookEventData {
  "order.paid": { order: OrderView };
  "order.fulfilled": { order: OrderView };
  /** One event per refund (partial refunds too); `order` is the state after it. */
  "order.refunded": { order: OrderView; refund: { quantity: number; amount: number } };
  "offer.sold_out": { offer: OfferView };
}

/** The JSON body of a delivery. `id` is the same on every retry (and for every endpoint) of one event. */
export interface WebhookEvent<K extends WebhookEventType = WebhookEventType> {
  id: string;
  type: K;
  createdAt: string;
  data: WebhookEventData[K];
}

// http(s) only, a host name, no credentials (they would be shown back in the endpoint list) and no fragment.
const webhookUrl = z
  .string()
  .trim()
  .min(1)
  .max(2000)
  .refine((v) => {
    try {
      const u = new URL(v);
      return (
        (u.protocol === "https:" || u.protocol === "http:") && u.hostname !== "" && u.username === "" && u.password === "" && u.hash === "" && !/\s/.test(v)
      );
    } catch {
      return false;
    }
  }, "an https:// or http:// URL with a host name, without credentials or #fragment");

export const createWebhookBody = z.strictObject({
  url: webhookUrl,
  events: z
    .array(z.enum(webhookEventTypes))
    .min(1)
    .max(webhookEventTypes.length)
    .refine((e) => new Set(e).size === e.length, "each event type once"),
  description: z.string().trim().max(200).optional(),
  /** Only for platform admins (no merchant of their own): whose endpoint this is. */
  merchantId: z.string().min(1).max(64).optional(),
});
export type CreateWebhookBody = z.infer<typeof createWebhookBody>;

export const listWebhooksQuery = z.strictObject({ merchantId: z.string().min(1).max(64).optional() });
export const webhookDeliveriesQuery = z.strictObject({ limit: z.coerce.number().int().min(1).max(500).optional() });

export interface WebhookEndpointView {
  id: string;
  merchantId: string;
  url: string;
  events: WebhookEventType[];
  description: string | null;
  /** The first characters of the signing secret; the whole secret is only in the creation answer. */
  secretHint: string;
  createdAt: string;
}

/** One delivery attempt. `ok` = the endpoint answered 2xx. */
export interface WebhookDeliveryView {
  id: string;
  endpointId: string;
  eventId: string;
  eventType: WebhookEventType;
  attempt: number;
  ok: boolean;
  statusCode: number | null;
  /** The first ≤ 1 KiB of the response body. */
  responseExcerpt: string | null;
  durationMs: number;
  /** Network error or timeout (no status code then). */
  error: string | null;
  attemptedAt: string;
}
