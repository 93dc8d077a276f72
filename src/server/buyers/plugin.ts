import type { FastifyPluginAsync } from "fastify";
import { registerBuyerRoutes } from "./routes.js";

/** A signed-in buyer's saved address and cards. */
export const buyersModule: FastifyPluginAsync<Parameters<typeof registerBuyerRoutes>[1]> = async (app, opts) => registerBuyerRoutes(app, opts);
