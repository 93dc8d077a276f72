import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { stageAcceptBody, stageInviteBody, stageLayoutBody, stageMuteBody, stageRequestBody } from "../../protocol/api.js";
import { requireAccount } from "../accounts/index.js";
import { checkWhipOffer, type SignallingRelay } from "../media/index.js";
import { parseWith } from "../http/validate.js";
import { AppError } from "../platform/errors.js";
import type { StageMedia } from "./media.js";
import type { StageService } from "./service.js";

export interface StageRouteDeps {
  stage: StageService;
  media: StageMedia;
  /** True while the show's ingest has a publisher (OBS or the browser) that is not the stage's program. */
  publishedElsewhere(showId: string): boolean;
  /**
   * Several nodes: the stage's media (publishes, feeds, the compositor) lives on the show's media node, so every route
   * whose work or answer depends on it is answered there; a publish with no media node anywhere takes this one.
   */
  signalling?: SignallingRelay | null;
}

type ShowParams = { Params: { showId: string } };
type ParticipantParams = { Params: { showId: string; participantId: string } };

const bearer = (req: FastifyRequest) => /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? "")?.[1];

/** The stage: studio routes (the show's managers, like every studio route) and the participants' bearer routes. */
export function registerStageRoutes(app: FastifyInstance, deps: StageRouteDeps) {
  const { stage, media } = deps;
  /** True when the show's media node answered (the reply is sent). */
  const relayed = async (req: FastifyRequest, reply: FastifyReply, showId: string, claim = false): Promise<boolean> =>
    (await deps.signalling?.forward(req, reply, showId, { claim })) ?? false;

  app.get<ShowParams>("/api/studio/shows/:showId/stage", async (req, reply) => {
    if (await relayed(req, reply, req.params.showId)) return reply;
    return { stage: await stage.studioView(requireAccount(req), req.params.showId) };
  });

  app.post<ShowParams>("/api/studio/shows/:showId/stage/invites", async (req, reply) => {
    const body = parseWith(stageInviteBody, req.body ?? {});
    reply.code(201).header("Cache-Control", "no-store");
    return { invite: await stage.createInvite(requireAccount(req), req.params.showId, body) };
  });

  app.post<ShowParams>("/api/studio/shows/:showId/stage/requests", async (req, reply) => {
    const { messageId } = parseWith(stageRequestBody, req.body);
    reply.code(201);
    return { participant: await stage.requestViewer(requireAccount(req), req.params.showId, messageId) };
  });

  app.post<ParticipantParams>("/api/studio/shows/:showId/stage/participants/:participantId/bring-on", async (req, reply) => {
    if (await relayed(req, reply, req.params.showId)) return reply;
    return { participant: await stage.bringOn(requireAccount(req), req.params.showId, req.params.participantId) };
  });

  app.post<ParticipantParams>("/api/studio/shows/:showId/stage/participants/:participantId/take-off", async (req, reply) => {
    if (await relayed(req, reply, req.params.showId)) return reply;
    return { participant: await stage.takeOff(requireAccount(req), req.params.showId, req.params.participantId) };
  });

  app.post<ParticipantParams>("/api/studio/shows/:showId/stage/participants/:participantId/mute", async (req, reply) => {
    if (await relayed(req, reply, req.params.showId)) return reply;
    const { muted } = parseWith(stageMuteBody, req.body);
    return { participant: await stage.mute(requireAccount(req), req.params.showId, req.params.participantId, muted) };
  });

  app.put<ShowParams>("/api/studio/shows/:showId/stage/layout", async (req, reply) => {
    if (await relayed(req, reply, req.params.showId)) return reply;
    const { layout } = parseWith(stageLayoutBody, req.body);
    return { stage: await stage.setLayout(requireAccount(req), req.params.showId, layout) };
  });

  app.get<ShowParams>("/api/shows/:showId/stage/invitation", async (req) => ({ invitation: await stage.invitation(requireAccount(req), req.params.showId) }));

  // The viewer declines the host's request (the show page's dialog): the studio's stage tab shows them as declined.
  app.delete<ShowParams>("/api/shows/:showId/stage/invitation", async (req, reply) => {
    await stage.decline(requireAccount(req), req.params.showId);
    return reply.code(204).send();
  });

  app.post("/api/stage/accept", async (req, reply) => {
    const body = parseWith(stageAcceptBody, req.body);
    reply.code(201).header("Cache-Control", "no-store");
    return await stage.accept(requireAccount(req), body.token, body.displayName);
  });

  app.get<ShowParams>("/api/shows/:showId/stage/room", async (req, reply) => {
    if (await relayed(req, reply, req.params.showId)) return reply;
    const me = await stage.byToken(req.params.showId, bearer(req));
    const view = await stage.view(req.params.showId);
    return { stage: view, me: view.participants.find((p) => p.id === me.id) ?? null };
  });

  // WHIP and the feeds take SDP bodies (RFC 9725: application/sdp in, application/sdp out with a Location).
  app.register(async (scope) => {
    scope.addContentTypeParser("application/sdp", { parseAs: "string", bodyLimit: 32 * 1024 }, (_req, body, done) => done(null, body));
    const sdpOf = (req: FastifyRequest): string => {
      if (typeof req.body !== "string" || !/^application\/sdp\b/i.test(req.headers["content-type"] ?? ""))
        throw new AppError("unsupported_media_type", "Send the SDP offer as application/sdp.");
      return req.body;
    };
    const answer = (reply: FastifyReply, sdp: string, location?: string) => {
      reply.code(201).type("application/sdp").header("Cache-Control", "no-store");
      if (location) reply.header("Location", location);
      return reply.send(sdp);
    };

    scope.post<ShowParams>("/api/studio/shows/:showId/stage/whip", async (req, reply) => {
      const account = requireAccount(req);
      await stage.requireManager(account, req.params.showId);
      const offer = sdpOf(req);
      checkWhipOffer(offer);
      if (await relayed(req, reply, req.params.showId, true)) return reply;
      if (deps.publishedElsewhere(req.params.showId)) throw new AppError("already_publishing");
      const host = await stage.hostParticipant(account, req.params.showId, true);
      // Checked again with no await before the session is registered: a plain WHIP publish may have come in meanwhile.
      const { answer: sdp } = await media.publish(host, offer, () => {
        if (deps.publishedElsewhere(host.showId)) throw new AppError("already_publishing");
      });
      return answer(reply, sdp, `/api/studio/shows/${req.params.showId}/stage/whip`);
    });

    scope.delete<ShowParams>("/api/studio/shows/:showId/stage/whip", async (req, reply) => {
      if (await relayed(req, reply, req.params.showId)) return reply;
      const host = await stage.hostParticipant(requireAccount(req), req.params.showId, false);
      await media.unpublish(host.id);
      await stage.leave(host.id);
      return reply.code(204).send();
    });

    scope.post<ParticipantParams>("/api/studio/shows/:showId/stage/feeds/:participantId", async (req, reply) => {
      if (await relayed(req, reply, req.params.showId)) return reply;
      const view = await stage.studioView(requireAccount(req), req.params.showId);
      const offer = sdpOf(req);
      const target = await stage.participant(req.params.participantId, view.showId);
      return answer(reply, await media.feed(view.showId, target.id, offer));
    });

    scope.post<ShowParams>("/api/shows/:showId/stage/whip", async (req, reply) => {
      const me = await stage.byToken(req.params.showId, bearer(req));
      const offer = sdpOf(req);
      checkWhipOffer(offer);
      if (await relayed(req, reply, req.params.showId, true)) return reply;
      if (me.state === "invited") throw new AppError("stage_not_ready", "Accept the invite first.");
      const { answer: sdp } = await media.publish(me, offer);
      return answer(reply, sdp, `/api/shows/${req.params.showId}/stage/whip`);
    });

    scope.delete<ShowParams>("/api/shows/:showId/stage/whip", async (req, reply) => {
      if (await relayed(req, reply, req.params.showId)) return reply;
      const me = await stage.byToken(req.params.showId, bearer(req));
      await media.unpublish(me.id);
      await stage.leave(me.id);
      return reply.code(204).send();
    });

    scope.post<ParticipantParams>("/api/shows/:showId/stage/feeds/:participantId", async (req, reply) => {
      if (await relayed(req, reply, req.params.showId)) return reply;
      const me = await stage.byToken(req.params.showId, bearer(req));
      const offer = sdpOf(req);
      const target = await stage.participant(req.params.participantId, me.showId);
      // Waiting guests see the host (a preview of the show they are about to join); on stage, everyone on it.
      if (me.state !== "on_stage" && target.role !== "host") throw new AppError("stage_not_ready", "Only people on stage see the other guests.");
      return answer(reply, await media.feed(me.showId, target.id, offer));
    });
  });
}
