import type { FastifyInstance, FastifyRequest } from "fastify";
import { remindBody, unsubscribeBody } from "../../protocol/api.js";
import { requireAccount } from "../accounts/index.js";
import { parseWith } from "../http/validate.js";
import { AppError } from "../platform/errors.js";
import type { ShowService } from "../shows/index.js";
import { showCalendar } from "./calendar.js";
import type { ReminderService } from "./service.js";

export interface NotificationRouteDeps {
  reminders: ReminderService;
  shows: ShowService;
  shopName(merchantId: string): Promise<string>;
  showUrl(slug: string): string;
  now(): Date;
  /** Guests' reminders per client address (a reminder writes to any address typed in). */
  guestLimit(req: FastifyRequest): Promise<void>;
}

/**
 * "Remind me" (a guest with an address, or signed in), the show's calendar file, and the unsubscribe links: the
 * page's POST with the token in the body, and RFC 8058's one-click POST from mail clients (token in the path).
 */
export function registerNotificationRoutes(app: FastifyInstance, deps: NotificationRouteDeps) {
  const { reminders, shows } = deps;
  type P = { Params: { idOrSlug: string } };

  app.post<P>("/api/shows/:idOrSlug/reminders", async (req, reply) => {
    const body = parseWith(remindBody, req.body ?? {});
    const lang = body.lang ?? "en";
    let who: { accountId: string } | { email: string };
    if (req.account) who = { accountId: req.account.id };
    else {
      if (!body.email) throw new AppError("invalid_body", "email: required without a sign-in");
      await deps.guestLimit(req);
      who = { email: body.email };
    }
    const { reminder, created } = await reminders.remind(req.params.idOrSlug, who, lang);
    return reply.status(created ? 201 : 200).send({ reminder });
  });

  app.get<P>("/api/shows/:idOrSlug/reminder", async (req) => ({ reminder: await reminders.reminderOf(req.params.idOrSlug, requireAccount(req).id) }));

  app.delete<P>("/api/shows/:idOrSlug/reminder", async (req) => {
    await reminders.cancel(req.params.idOrSlug, requireAccount(req).id);
    return { reminder: null };
  });

  app.get<P>("/api/shows/:idOrSlug/calendar.ics", async (req, reply) => {
    const show = await shows.show(req.params.idOrSlug);
    if (!show.scheduledAt || show.status !== "scheduled" || show.cancelledAt) throw new AppError("show_not_upcoming");
    const ics = showCalendar(
      { ...show, scheduledAt: show.scheduledAt },
      { url: deps.showUrl(show.slug), shopName: await deps.shopName(show.merchantId), now: deps.now() },
    );
    return reply
      .type("text/calendar; charset=utf-8")
      .header("Content-Disposition", `attachment; filename="${show.slug}.ics"`)
      .header("Cache-Control", "no-cache")
      .send(ics);
  });

  app.post("/api/unsubscribe", async (req) => {
    const { token } = parseWith(unsubscribeBody, req.body);
    return { unsubscribed: await reminders.unsubscribe(token) };
  });

  // RFC 8058: the mail client POSTs "List-Unsubscribe=One-Click" (urlencoded or multipart) to the header's URL. The
  // token is in the path, so this route logs only warnings and errors (no request line with the token in it).
  app.register(async (scope) => {
    for (const type of ["application/x-www-form-urlencoded", "multipart/form-data"])
      scope.addContentTypeParser(type, { parseAs: "string", bodyLimit: 4096 }, (_req, body, done) => done(null, body));
    scope.post<{ Params: { token: string } }>("/api/unsubscribe/:token", { logLevel: "warn" }, async (req, reply) => {
      if (req.params.token.length > 200) throw new AppError("unsubscribe_link_invalid");
      await reminders.unsubscribe(req.params.token);
      return reply.type("text/plain; charset=utf-8").send("Unsubscribed.\n");
    });
  });
}
