import type { Kysely } from "kysely";
import { type Db, scoped } from "../db/index.js";
import type { Clock } from "../platform/clock.js";
import type { AnalyticsTables } from "./schema.js";

export interface ReportMailDeps {
  db: Db;
  clock: Clock;
  publicUrl: string;
  show(showId: string): Promise<{ id: string; title: string; merchantId: string }>;
  /** The shop's owners: where the report goes. */
  owners(merchantId: string): Promise<{ email: string; lang: "de" | "en" }[]>;
  enqueueEmail(msg: { to: string; subject: string; text: string }): Promise<unknown>;
}

const TEXT = {
  en: {
    subject: (title: string) => `How "${title}" did: your show report`,
    body: (title: string, link: string) =>
      `"${title}" has ended. Its report (viewers over time, sales per minute, the funnel of each offer, where buyers came from) is ready:\n\n${link}\n\nThe figures keep filling in for a few minutes (late payments and refunds).`,
  },
  de: {
    subject: (title: string) => `So lief „${title}“: dein Show-Bericht`,
    body: (title: string, link: string) =>
      `„${title}“ ist zu Ende. Der Bericht (Zuschauer im Verlauf, Verkäufe pro Minute, der Trichter jedes Angebots, woher die Käufer kamen) ist fertig:\n\n${link}\n\nDie Zahlen vervollständigen sich noch einige Minuten (späte Zahlungen und Erstattungen).`,
  },
};

/** Once a show ends, its shop's owners get the report's link (once per show: a report_mailed event marks it sent). */
export class ReportMailer {
  readonly #db: Kysely<AnalyticsTables>;
  constructor(private readonly deps: ReportMailDeps) {
    this.#db = scoped<AnalyticsTables>(deps.db);
  }

  async showEnded(showId: string): Promise<number> {
    const show = await this.deps.show(showId);
    const sent = await this.#db
      .selectFrom("analytics_events")
      .select("id")
      .where("show_id", "=", show.id)
      .where("kind", "=", "report_mailed")
      .executeTakeFirst();
    if (sent) return 0;
    await this.#db
      .insertInto("analytics_events")
      .values({
        show_id: show.id,
        merchant_id: show.merchantId,
        at: this.deps.clock.now(),
        kind: "report_mailed",
        offer_id: null,
        order_id: null,
        quantity: 0,
        amount: 0,
        buyer_key: null,
        source: null,
      })
      .execute();
    const link = `${this.deps.publicUrl}/admin/analytics/${encodeURIComponent(show.id)}`;
    const owners = await this.deps.owners(show.merchantId);
    for (const o of owners) {
      const t = TEXT[o.lang];
      await this.deps.enqueueEmail({ to: o.email, subject: t.subject(show.title), text: t.body(show.title, link) });
    }
    return owners.length;
  }
}
