import type { FastifyPluginAsync } from "fastify";
import { type FollowRouteDeps, registerFollowRoutes } from "./routes.js";

/** Follows of hosts and shops, and their follower counts. */
export const followsModule: FastifyPluginAsync<FollowRouteDeps> = async (app, opts) => registerFollowRoutes(app, opts);
