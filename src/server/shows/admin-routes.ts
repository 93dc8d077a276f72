import type { FastifyInstance } from "fastify";
import { createShowBody } from "../../protocol/api.js";
import { requireAccount } from "../accounts/index.js";
import type { Db } from "../db/index.js";
import { parseWith } from "../http/validate.js";
import { AppError } from "../platform/errors.js";
import { requireMerchantStaff, type ShowService } from "./service.js";

/** The merchant schedules shows and picks their host (one of its own hosts); owner, staff and admins. */
export function registerShowAdminRoutes(app: FastifyInstance, deps: { shows: ShowService; db: Db; defaultCommissionBp: number }) {
  const { shows, db } = deps;
  const merchantOf = (req: Parameters<typeof requireAccount>[0]) => {
    const account = requireAccount(req);
    if (!account.merchantId) throw new AppError("forbidden", "Only a merchant's owner or staff can do that.");
    requireMerchantStaff(account, account.merchantId);
    return account.merchantId;
  };

  app.get("/api/admin/hosts", async (req) => {
    const merchantId = merchantOf(req);
    const rows = await db
      .selectFrom("accounts")
      .select(["id", "display_name", "email"])
      .where("merchant_id", "=", merchantId)
      .where("role", "=", "host")
      .orderBy("display_name")
      .execute();
    return { hosts: rows.map((r) => ({ id: r.id, displayName: r.display_name, email: r.email })) };
  });

  // GET /api/admin/shows (the list with sales figures) lives with the merchant admin in catalog/routes.ts.
  app.post("/api/admin/shows", async (req, reply) => {
    const merchantId = merchantOf(req);
    const body = parseWith(createShowBody, req.body);
    const host = await db
      .selectFrom("accounts")
      .select(["id"])
      .where("id", "=", body.hostAccountId)
      .where("merchant_id", "=", merchantId)
      .where("role", "=", "host")
      .executeTakeFirst();
    if (!host) throw new AppError("invalid_body", "hostAccountId: not a host of this merchant");
    try {
      const show = await shows.createShow({
        merchantId,
        hostAccountId: host.id,
        slug: body.slug,
        title: body.title,
        commissionRateBp: body.commissionRateBp ?? deps.defaultCommissionBp,
        scheduledAt: body.scheduledAt ? new Date(body.scheduledAt) : null,
      });
      // The stream key is for the host's studio (reveal there); it is not part of this answer.
      return reply.status(201).send({
        show: {
          id: show.id,
          slug: show.slug,
          title: show.title,
          status: show.status,
          hostName: show.hostName,
          scheduledAt: show.scheduledAt?.toISOString() ?? null,
          commissionRateBp: show.commissionRateBp,
        },
      });
    } catch (err) {
      if ((err as { code?: string }).code === "23505") throw new AppError("conflict", "slug: already taken");
      throw err;
    }
  });
}
