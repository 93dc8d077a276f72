import type { SharedTx } from "../db/index.js";

// The door through which a show's notices leave Showcart: a reminder 15 minutes before a scheduled show starts and
// a notice when it goes live. The reminders service decides *that* a notice goes out, exactly once (a unique key
// per notice in the database, inserted in the same transaction that calls the channels); each channel decides *how*
// (email here; Web Push plugs in beside it). A channel only writes rows in that transaction (outbox rows, typically):
// it never talks to the network from `queue`, so a rolled-back fan-out leaves nothing behind.

export type NoticeKind = "show.starting_soon" | "show.live";

export interface ShowNotice {
  kind: NoticeKind;
  /** Unique per notice ("show.live:shw_…"); `${key}:${recipient.subscription.id}` is unique per recipient. */
  key: string;
  show: {
    id: string;
    slug: string;
    title: string;
    /** ISO time the show is scheduled for (null: not scheduled). */
    scheduledAt: string | null;
    /** Absolute URL of the show's cover (800 px WebP) or null. */
    coverUrl: string | null;
    shopName: string;
    hostName: string;
    /** The shop's time zone (IANA), in which the start time is written. */
    timeZone: string;
  };
  /** Absolute URL of the show's viewer page (the upcoming page before go-live, the live room after). */
  url: string;
}

/** Why a recipient gets the notice: a "Remind me" on this show, or a follow of its host or shop. */
export type NoticeSubscription = { kind: "reminder"; id: string } | { kind: "follow"; id: string; target: "host" | "shop" };

export interface NoticeRecipient {
  subscription: NoticeSubscription;
  /** Signed-in subscriber; null for a guest's reminder (email only). */
  accountId: string | null;
  /** Where the email channel writes; null when there is no address to write to. */
  email: string | null;
  lang: "de" | "en";
  /** One-click unsubscribe from this subscription only (absolute URL carrying its token; no sign-in). */
  unsubscribeUrl: string;
}

export interface NotificationChannel {
  readonly name: string;
  /**
   * Called inside the fan-out transaction, which runs only because this notice's unique key was just inserted, with
   * every recipient once (a viewer who both follows the shop and asked for a reminder is one recipient). Write what
   * must be delivered (outbox rows) through `tx`; a throw rolls the whole fan-out back and the next sweep retries it.
   * Query nothing but `tx` here: on PGlite (one connection) another handle would wait for this transaction forever.
   */
  queue(tx: SharedTx, notice: ShowNotice, recipients: readonly NoticeRecipient[]): Promise<void>;
}

/** The channels, in the order they were added (the composition root adds email, then push). */
export class Notifier {
  readonly #channels: NotificationChannel[] = [];

  addChannel(channel: NotificationChannel): void {
    if (this.#channels.some((c) => c.name === channel.name)) throw new Error(`notification channel ${channel.name} added twice`);
    this.#channels.push(channel);
  }

  get channels(): readonly string[] {
    return this.#channels.map((c) => c.name);
  }

  async queue(tx: SharedTx, notice: ShowNotice, recipients: readonly NoticeRecipient[]): Promise<void> {
    if (recipients.length === 0) return;
    for (const c of this.#channels) await c.queue(tx, notice, recipients);
  }
}
