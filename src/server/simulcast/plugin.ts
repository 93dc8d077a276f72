import type { FastifyPluginAsync } from "fastify";
import { registerSimulcastRoutes } from "./routes.js";

/** A show's simulcast destinations (the relays start and stop with the show's live state). */
export const simulcastModule: FastifyPluginAsync<Parameters<typeof registerSimulcastRoutes>[1]> = async (app, opts) => registerSimulcastRoutes(app, opts);
