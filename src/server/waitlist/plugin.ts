import type { FastifyPluginAsync } from "fastify";
import { registerWaitlistRoutes } from "./routes.js";

/** Joining a sold-out offer's waitlist, an entry's page, leaving it. */
export const waitlistModule: FastifyPluginAsync<Parameters<typeof registerWaitlistRoutes>[1]> = async (app, opts) => registerWaitlistRoutes(app, opts);
