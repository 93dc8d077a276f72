import type { SharedTx } from "../db/index.js";
import type { Outbox } from "../outbox/index.js";
import { noticeEmail } from "./emails.js";
import type { NoticeRecipient, NotificationChannel, ShowNotice } from "./notifier.js";

/**
 * Notices by email: one outbox row per recipient with an address, written in the fan-out's transaction. Each email
 * carries its subscription's unsubscribe link in the body and, for mail clients, RFC 8058's one-click headers.
 */
export class EmailChannel implements NotificationChannel {
  readonly name = "email";

  constructor(
    private readonly outbox: Outbox,
    /** The URL a mail client POSTs `List-Unsubscribe=One-Click` to for this subscription (token in the path). */
    private readonly oneClickUrl: (subscriptionId: string) => string,
  ) {}

  async queue(tx: SharedTx, notice: ShowNotice, recipients: readonly NoticeRecipient[]): Promise<void> {
    for (const r of recipients) {
      if (!r.email) continue;
      const mail = noticeEmail(notice, { ...r, email: r.email }, notice.show.timeZone);
      await this.outbox.enqueue(tx, "email.send", {
        ...mail,
        headers: { "List-Unsubscribe": `<${this.oneClickUrl(r.subscription.id)}>`, "List-Unsubscribe-Post": "List-Unsubscribe=One-Click" },
      });
    }
  }
}
