import type { FastifyInstance } from "fastify";
import { chatBanBody, chatModeratorBody, chatPinBody, chatSettingsBody, chatTimeoutBody, chatWordsBody } from "../../protocol/api.js";
import { requireAccount } from "../accounts/index.js";
import { parseWith } from "../http/validate.js";
import type { ChatModeration } from "./moderation.js";
import type { ChatService } from "./service.js";

type ShowParams = { Params: { showId: string } };
type MessageParams = { Params: { showId: string; messageId: string } };

/**
 * Chat moderation for the studio. "manage" = the show's host, the merchant's owner/staff, admin; "moderate" adds the
 * moderators the host appointed for this show (delete, timeout, reports).
 */
export function registerChatRoutes(app: FastifyInstance, deps: { chat: ChatService; moderation: ChatModeration }) {
  const { chat, moderation } = deps;
  const base = "/api/studio/shows/:showId/chat";

  // Public: what a viewer needs besides the socket (pinned message, slow mode to count down, who may chat).
  app.get<ShowParams>("/api/shows/:showId/chat", async (req) => {
    const rules = await chat.rules.forShow(req.params.showId);
    return { settings: rules.settings, pinned: rules.pinned };
  });

  app.get<ShowParams>(`${base}/moderation`, async (req) => {
    const ctx = await moderation.context(requireAccount(req), req.params.showId, "moderate");
    return moderation.view(ctx);
  });

  app.patch<ShowParams>(`${base}/settings`, async (req) => {
    const ctx = await moderation.context(requireAccount(req), req.params.showId, "manage");
    const body = parseWith(chatSettingsBody, req.body);
    return { settings: await moderation.updateSettings(ctx, body) };
  });

  app.post<ShowParams>(`${base}/words`, async (req) => {
    const ctx = await moderation.context(requireAccount(req), req.params.showId, "manage");
    const body = parseWith(chatWordsBody, req.body);
    return { words: await moderation.setWords(ctx, body.block, body.allow) };
  });

  app.post<ShowParams>(`${base}/pin`, async (req) => {
    const ctx = await moderation.context(requireAccount(req), req.params.showId, "manage");
    const body = parseWith(chatPinBody, req.body);
    return { pinned: await moderation.pin(ctx, body.text) };
  });

  app.delete<ShowParams>(`${base}/pin`, async (req) => {
    const ctx = await moderation.context(requireAccount(req), req.params.showId, "manage");
    await moderation.unpin(ctx);
    return { ok: true };
  });

  app.post<ShowParams>(`${base}/moderators`, async (req, reply) => {
    const ctx = await moderation.context(requireAccount(req), req.params.showId, "manage");
    const body = parseWith(chatModeratorBody, req.body);
    return reply.status(201).send({ moderator: await moderation.addModerator(ctx, body.email) });
  });

  app.delete<{ Params: { showId: string; moderatorId: string } }>(`${base}/moderators/:moderatorId`, async (req) => {
    const ctx = await moderation.context(requireAccount(req), req.params.showId, "manage");
    await moderation.removeModerator(ctx, req.params.moderatorId);
    return { ok: true };
  });

  app.delete<MessageParams>(`${base}/messages/:messageId`, async (req) => {
    const ctx = await moderation.context(requireAccount(req), req.params.showId, "moderate");
    await moderation.deleteMessage(ctx, req.params.messageId);
    return { ok: true };
  });

  app.post<MessageParams>(`${base}/messages/:messageId/timeout`, async (req, reply) => {
    const ctx = await moderation.context(requireAccount(req), req.params.showId, "moderate");
    const body = parseWith(chatTimeoutBody, req.body);
    return reply.status(201).send({ restriction: await moderation.timeout(ctx, req.params.messageId, body.minutes) });
  });

  app.post<MessageParams>(`${base}/messages/:messageId/ban`, async (req, reply) => {
    const ctx = await moderation.context(requireAccount(req), req.params.showId, "manage");
    const body = parseWith(chatBanBody, req.body ?? {});
    return reply.status(201).send(await moderation.ban(ctx, req.params.messageId, body));
  });

  app.delete<{ Params: { showId: string; restrictionId: string } }>(`${base}/restrictions/:restrictionId`, async (req) => {
    const ctx = await moderation.context(requireAccount(req), req.params.showId, "moderate");
    await moderation.lift(ctx, req.params.restrictionId);
    return { ok: true };
  });

  app.post<{ Params: { showId: string; reportId: string } }>(`${base}/reports/:reportId/dismiss`, async (req) => {
    const ctx = await moderation.context(requireAccount(req), req.params.showId, "moderate");
    await moderation.dismissReport(ctx, req.params.reportId);
    return { ok: true };
  });
}
