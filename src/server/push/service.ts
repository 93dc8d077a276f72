import { createECDH } from "node:crypto";
import https from "node:https";
import { isIP } from "node:net";
import type { FastifyBaseLogger } from "fastify";
import type { Kysely } from "kysely";
import webpush from "web-push";
import type { PushNoticePayload, PushSubscribeBody, PushSubscriptionView } from "../../protocol/api.js";
import { type Db, type SharedTx, scoped } from "../db/index.js";
import type { NotificationChannel } from "../notifications/index.js";
import type { Outbox, OutboxTopics } from "../outbox/index.js";
import type { Clock } from "../platform/clock.js";
import { AppError } from "../platform/errors.js";
import { randomId } from "../platform/ids.js";
import { InternalAddressError, isInternalAddress, isInternalHost, publicOnlyLookup } from "../platform/public-address.js";
import type { PushSubscriptionAccess } from "./access.js";
import type { PushTables } from "./schema.js";
import { noticeText } from "./texts.js";
import type { VapidKeys } from "./vapid.js";

/** What the push channel reads of a show's notice (a part of notifications' ShowNotice). */
export interface PushableNotice {
  kind: PushNoticePayload["kind"];
  key: string;
  show: { id: string; title: string; coverUrl: string | null; shopName: string; hostName: string };
  url: string;
}

/** What the push channel reads of a recipient (a part of notifications' NoticeRecipient). */
export interface PushableRecipient {
  subscription: { kind: string; id: string };
  accountId: string | null;
  lang: "de" | "en";
}

export interface PushDeps {
  db: Db;
  clock: Clock;
  outbox: Outbox;
  log: FastifyBaseLogger;
  keys: VapidKeys;
  /** RFC 8292 `sub`: a mailto: or https: URL the push service may contact about this sender. */
  subject: string;
  access: PushSubscriptionAccess;
  /** PUSH_ALLOW_PRIVATE: endpoints on loopback/private addresses (tests, a push service inside the network). */
  allowPrivate: boolean;
  /** Extra trusted CA for push services (tests: the local push endpoint's self-signed certificate). */
  ca?: string | Buffer;
  /** A guest's reminder: is `token` the one its "Remind me" answer gave? (the reminders module) */
  guestReminder?: (reminderId: string, token: string) => Promise<boolean>;
}

/** Subscriptions kept per owner (the newest): a browser re-subscribing gets a new endpoint and the old one dies. */
export const MAX_SUBSCRIPTIONS_PER_OWNER = 10;
// How long a push service keeps an undelivered notice (RFC 8030 §5.2 TTL): a reminder is pointless after its show
// started, a live notice an hour on.
const TTL_SECONDS: Record<PushNoticePayload["kind"], number> = { "show.starting_soon": 15 * 60, "show.live": 60 * 60 };
const SEND_TIMEOUT_MS = 10_000;

/**
 * Web Push (RFC 8030/8291/8292) for a show's reminders and go-live notices. Browsers subscribe through
 * POST /api/push/subscriptions; the notifier's "push" channel writes one outbox row per subscription inside the
 * fan-out's transaction, and the outbox sends each with web-push (VAPID-signed, aes128gcm-encrypted). A push service
 * that answers 404 or 410 has dropped the subscription: it is deleted, every owner's row with that endpoint.
 */
export class PushService {
  private readonly db: Kysely<PushTables>;
  readonly #agent: https.Agent;

  constructor(private readonly deps: PushDeps) {
    this.db = scoped(deps.db);
    // Endpoints are URLs a browser gave us: connect only where publicOnlyLookup checked (SSRF), unless allowed.
    this.#agent = new https.Agent({
      keepAlive: true,
      ...(deps.allowPrivate ? {} : { lookup: publicOnlyLookup }),
      ...(deps.ca ? { ca: deps.ca } : {}),
    });
  }

  get publicKey(): string {
    return this.deps.keys.publicKey;
  }

  /** The notifier's channel: one "push.send" outbox row per subscription of every recipient, one per browser. */
  readonly channel: NotificationChannel = {
    name: "push",
    queue: (tx, notice, recipients) => this.queue(tx, notice, recipients),
  };

  async queue(tx: SharedTx, notice: PushableNotice, recipients: readonly PushableRecipient[]): Promise<void> {
    const accountIds = [...new Set(recipients.flatMap((r) => (r.accountId ? [r.accountId] : [])))];
    const reminderIds = [...new Set(recipients.flatMap((r) => (r.subscription.kind === "reminder" ? [r.subscription.id] : [])))];
    if (accountIds.length === 0 && reminderIds.length === 0) return;
    const t = scoped<PushTables>(tx);
    const rows = await t
      .selectFrom("push_subscriptions")
      .select(["id", "endpoint", "account_id", "reminder_id", "lang"])
      .where((eb) =>
        eb.or([...(accountIds.length ? [eb("account_id", "in", accountIds)] : []), ...(reminderIds.length ? [eb("reminder_id", "in", reminderIds)] : [])]),
      )
      .orderBy("created_at", "desc")
      .execute();
    const langOf = new Map<string, "de" | "en">();
    for (const r of recipients) {
      if (r.accountId) langOf.set(`a:${r.accountId}`, r.lang);
      if (r.subscription.kind === "reminder") langOf.set(`r:${r.subscription.id}`, r.lang);
    }
    // One browser (endpoint) gets a notice once, even when it is subscribed for an account and a guest reminder.
    const sent = new Set<string>();
    for (const row of rows) {
      if (sent.has(row.endpoint)) continue;
      sent.add(row.endpoint);
      const lang = row.lang ?? langOf.get(row.account_id ? `a:${row.account_id}` : `r:${row.reminder_id}`) ?? "en";
      await this.deps.outbox.enqueue(tx, "push.send", {
        subscriptionId: row.id,
        payload: this.payload(notice, lang),
        ttlSeconds: TTL_SECONDS[notice.kind],
        topic: topicFor(notice.show.id),
      });
    }
  }

  payload(notice: PushableNotice, lang: "de" | "en"): PushNoticePayload {
    const { title, body } = noticeText(lang, {
      kind: notice.kind,
      showTitle: notice.show.title,
      shopName: notice.show.shopName,
      hostName: notice.show.hostName,
    });
    return { v: 1, kind: notice.kind, title, body, url: notice.url, tag: `show:${notice.show.id}`, image: notice.show.coverUrl, lang };
  }

  /**
   * Stores a browser's subscription for the signed-in account, or for a guest's reminder whose token it holds. The
   * same browser subscribing again updates its keys (one row per owner and endpoint).
   */
  async subscribe(body: PushSubscribeBody, who: { accountId: string | null }): Promise<{ subscription: PushSubscriptionView; token: string }> {
    let owner: { account_id: string; reminder_id: null } | { account_id: null; reminder_id: string };
    if (who.accountId) owner = { account_id: who.accountId, reminder_id: null };
    else if (body.reminder) {
      const ok = this.deps.guestReminder ? await this.deps.guestReminder(body.reminder.id, body.reminder.token) : false;
      if (!ok) throw new AppError("push_access_denied", "This reminder's token is not valid.");
      owner = { account_id: null, reminder_id: body.reminder.id };
    } else throw new AppError("unauthenticated", "Sign in, or subscribe for a reminder you made (reminder id and token).");

    const { endpoint, keys } = body.subscription;
    try {
      // The payload is encrypted to this key: refuse a point that is not on P-256 now rather than at every send.
      const probe = createECDH("prime256v1");
      probe.generateKeys();
      probe.computeSecret(Buffer.from(keys.p256dh, "base64url"));
    } catch {
      throw new AppError("invalid_body", "subscription.keys.p256dh: not a P-256 public key", [
        { path: "subscription.keys.p256dh", message: "not a P-256 public key" },
      ]);
    }
    if (!this.deps.allowPrivate && (await isInternalHost(endpoint)))
      throw new AppError("invalid_body", "subscription.endpoint: must be a public push service (PUSH_ALLOW_PRIVATE=1 allows internal hosts)", [
        { path: "subscription.endpoint", message: "internal host" },
      ]);

    const now = this.deps.clock.now();
    const row = await this.db.transaction().execute(async (tx) => {
      const inserted = await tx
        .insertInto("push_subscriptions")
        .values({ id: randomId("psub"), endpoint, p256dh: keys.p256dh, auth: keys.auth, ...owner, lang: body.lang ?? null, created_at: now })
        .onConflict((oc) =>
          (owner.account_id
            ? oc.columns(["account_id", "endpoint"]).where("account_id", "is not", null)
            : oc.columns(["reminder_id", "endpoint"]).where("reminder_id", "is not", null)
          ).doUpdateSet({ p256dh: keys.p256dh, auth: keys.auth, lang: body.lang ?? null }),
        )
        .returning(["id", "created_at", "account_id"])
        .executeTakeFirstOrThrow();
      // Only the newest few per owner: browsers re-subscribe with new endpoints and rarely say goodbye.
      const keep = tx
        .selectFrom("push_subscriptions")
        .select("id")
        .where(owner.account_id ? "account_id" : "reminder_id", "=", owner.account_id ?? owner.reminder_id)
        .orderBy("created_at", "desc")
        .orderBy("id", "desc")
        .limit(MAX_SUBSCRIPTIONS_PER_OWNER);
      await tx
        .deleteFrom("push_subscriptions")
        .where(owner.account_id ? "account_id" : "reminder_id", "=", owner.account_id ?? owner.reminder_id)
        .where("id", "not in", keep)
        .execute();
      return inserted;
    });
    return { subscription: view(row), token: this.deps.access.token(row.id) };
  }

  /** Removes a subscription: its account's session, or the token its browser got when subscribing. */
  async unsubscribe(id: string, who: { accountId: string | null; token: string | undefined }): Promise<void> {
    const row = await this.db.selectFrom("push_subscriptions").select(["id", "account_id"]).where("id", "=", id).executeTakeFirst();
    if (who.token !== undefined) {
      if (!this.deps.access.verify(id, who.token)) throw new AppError("push_access_denied", "This push subscription's token is not valid.");
    } else {
      if (!who.accountId) throw new AppError("unauthenticated");
      if (row && row.account_id !== who.accountId) throw new AppError("push_access_denied");
    }
    if (!row) throw new AppError("not_found", "No such push subscription.");
    await this.db.deleteFrom("push_subscriptions").where("id", "=", id).execute();
  }

  /** A guest's reminder was removed (its unsubscribe link): its browsers' subscriptions go with it. */
  async forgetReminder(tx: SharedTx, reminderId: string): Promise<void> {
    await scoped<PushTables>(tx).deleteFrom("push_subscriptions").where("reminder_id", "=", reminderId).execute();
  }

  /**
   * The outbox's "push.send" handler. Resolves when the push service took the message, or when retrying cannot help
   * (the subscription is gone: 404/410, deleted here; or a 4xx that would answer the same again); throws to be
   * retried with backoff on 429, 5xx and network errors.
   */
  async deliver(job: OutboxTopics["push.send"]): Promise<"sent" | "gone" | "refused" | "unknown"> {
    const sub = await this.db.selectFrom("push_subscriptions").select(["endpoint", "p256dh", "auth"]).where("id", "=", job.subscriptionId).executeTakeFirst();
    if (!sub) return "unknown";
    const host = new URL(sub.endpoint).hostname.replace(/^\[|\]$/g, "");
    if (!this.deps.allowPrivate && isIP(host) && isInternalAddress(host)) {
      this.deps.log.warn({ subscriptionId: job.subscriptionId }, "push endpoint is an internal address; not sent");
      return "refused";
    }
    try {
      await webpush.sendNotification({ endpoint: sub.endpoint, keys: { p256dh: sub.p256dh, auth: sub.auth } }, JSON.stringify(job.payload), {
        vapidDetails: { subject: this.deps.subject, publicKey: this.deps.keys.publicKey, privateKey: this.deps.keys.privateKey },
        TTL: job.ttlSeconds,
        urgency: "high",
        topic: job.topic,
        contentEncoding: "aes128gcm",
        timeout: SEND_TIMEOUT_MS,
        agent: this.#agent,
      });
      return "sent";
    } catch (err) {
      if (err instanceof webpush.WebPushError) {
        if (err.statusCode === 404 || err.statusCode === 410) {
          // RFC 8030 §7.3: the subscription expired or was unsubscribed; every owner's row for this browser goes.
          await this.db.deleteFrom("push_subscriptions").where("endpoint", "=", sub.endpoint).execute();
          return "gone";
        }
        if (err.statusCode === 429 || err.statusCode >= 500) throw new Error(`push service answered ${err.statusCode}`);
        this.deps.log.warn({ subscriptionId: job.subscriptionId, status: err.statusCode }, "push service refused the message; not retried");
        return "refused";
      }
      if (err instanceof InternalAddressError || (err as { cause?: unknown }).cause instanceof InternalAddressError) {
        this.deps.log.warn({ subscriptionId: job.subscriptionId }, "push endpoint resolves to an internal address; not sent");
        return "refused";
      }
      throw err;
    }
  }

  close(): void {
    this.#agent.destroy();
  }
}

/** RFC 8030 §5.4 Topic: up to 32 characters of the URL-safe base64 alphabet; one per show, so a newer notice replaces an undelivered older one. */
export function topicFor(showId: string): string {
  return showId.replace(/[^A-Za-z0-9_-]/g, "").slice(0, 32) || "show";
}

function view(row: { id: string; created_at: Date; account_id: string | null }): PushSubscriptionView {
  return { id: row.id, owner: row.account_id ? "account" : "reminder", createdAt: new Date(row.created_at).toISOString() };
}
