import type { FastifyPluginAsync } from "fastify";
import { registerShowAdminRoutes } from "./admin-routes.js";
import { type ShowRouteDeps, registerShowRoutes } from "./routes.js";

export type ShowsModuleOptions = ShowRouteDeps & Omit<Parameters<typeof registerShowAdminRoutes>[1], "shows">;

/** Shows for viewers and studios, and the merchant's show administration. */
export const showsModule: FastifyPluginAsync<ShowsModuleOptions> = async (app, opts) => {
  registerShowAdminRoutes(app, opts);
  registerShowRoutes(app, opts);
};
