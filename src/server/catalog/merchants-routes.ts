import type { FastifyInstance } from "fastify";
import { requireAccount } from "../accounts/index.js";
import type { Db } from "../db/index.js";
import { AppError } from "../platform/errors.js";

/** `GET /api/admin/merchants`: every merchant, for the platform admin's merchant picker on /admin (admins only). */
export function registerMerchantListRoute(app: FastifyInstance, deps: { db: Db }): void {
  app.get("/api/admin/merchants", async (req) => {
    const account = requireAccount(req);
    if (account.role !== "admin") throw new AppError("forbidden", "Only platform admins can list merchants.");
    const rows = await deps.db.selectFrom("merchants").select(["id", "name"]).orderBy("name").orderBy("id").execute();
    return { merchants: rows.map((r) => ({ id: r.id, name: r.name })) };
  });
}
