import type { FastifyPluginAsync } from "fastify";
import { registerMysteryRoutes } from "./routes.js";

/** Mystery pools in the studio and for viewers (an order's draws obey the order access rule). */
export const mysteryModule: FastifyPluginAsync<Parameters<typeof registerMysteryRoutes>[1]> = async (app, opts) => registerMysteryRoutes(app, opts);
