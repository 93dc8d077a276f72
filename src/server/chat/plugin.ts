import type { FastifyPluginAsync } from "fastify";
import { registerChatRoutes } from "./routes.js";

/** Chat history, moderation settings, moderators, restrictions and reports (messages themselves go over the room socket). */
export const chatModule: FastifyPluginAsync<Parameters<typeof registerChatRoutes>[1]> = async (app, opts) => registerChatRoutes(app, opts);
