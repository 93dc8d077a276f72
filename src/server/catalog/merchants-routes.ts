import type { FastifyInstance } from "fastify";
import { requireAccount } from "../accounts/index.js";
import { AppError } from "../platform/errors.js";
import type { MerchantService } from "./merchants.js";

/** `GET /api/admin/merchants`: every merchant, for the platform admin's merchant picker on /admin (admins only). */
export function registerMerchantListRoute(app: FastifyInstance, deps: { merchants: Pick<MerchantService, "list"> }): void {
  app.get("/api/admin/merchants", async (req) => {
    const account = requireAccount(req);
    if (account.role !== "admin") throw new AppError("forbidden", "Only platform admins can list merchants.");
    const shops = await deps.merchants.list();
    return { merchants: shops.map((s) => ({ id: s.id, name: s.name })) };
  });
}
