import type { FastifyPluginAsync } from "fastify";
import { AppError } from "../platform/errors.js";
import type { SignallingRelay } from "./signalling-relay.js";
import type { Whep } from "./whep.js";
import { MAX_OFFER_BYTES } from "./whip-peer.js";

export interface WhepRouteDeps {
  whep: Whep;
  /** The show by id (not_found otherwise) and its status. */
  show(showId: string): Promise<{ id: string; status: string }>;
  /** Whether the show's media (its live ingest) is on this node: its viewers are answered here. */
  holds?(showId: string): boolean;
  /** Several nodes: offers and session requests for a show live on another node are answered by that node. */
  signalling?: SignallingRelay | null;
}

const SHOW_ID = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * WHEP (draft-ietf-wish-whep): POST an SDP offer, get 201 + the answer + a session URL in Location; DELETE that URL
 * to leave. Public like the show's LL-HLS playlists; the session URL's random id is what lets its holder end it.
 * No trickle ICE (PATCH): both sides' candidates travel in the offer and the answer. With several nodes, any node takes
 * the offer and the DELETE; the show's media node answers them (and counts the viewer against its own limit).
 */
export function whepRoutes(deps: WhepRouteDeps): FastifyPluginAsync {
  return async (app) => {
    app.addContentTypeParser("application/sdp", { parseAs: "string", bodyLimit: MAX_OFFER_BYTES }, (_req, body, done) => done(null, body));
    app.addContentTypeParser("*", (_req, _payload, done) => done(new AppError("unsupported_media_type", "Send the SDP offer as application/sdp."), undefined));

    app.post<{ Params: { showId: string } }>("/api/shows/:showId/whep", async (req, reply) => {
      deps.signalling?.fromNode(req);
      if (!SHOW_ID.test(req.params.showId)) throw new AppError("not_found", "No such show.");
      if (typeof req.body !== "string") throw new AppError("unsupported_media_type", "Send the SDP offer as application/sdp.");
      if (!deps.holds?.(req.params.showId) && (await deps.signalling?.forward(req, reply, req.params.showId))) return reply;
      const show = await deps.show(req.params.showId);
      if (show.status !== "live") throw new AppError("show_not_live");
      const session = await deps.whep.createSession(show.id, req.body);
      return reply
        .status(201)
        .header("location", `/api/shows/${show.id}/whep/${session.id}`)
        .header("cache-control", "no-store")
        .type("application/sdp")
        .send(session.answer);
    });

    app.delete<{ Params: { showId: string; sessionId: string } }>("/api/shows/:showId/whep/:sessionId", async (req, reply) => {
      deps.signalling?.fromNode(req);
      if (!(await deps.whep.deleteSession(req.params.showId, req.params.sessionId))) {
        // The session is on the show's media node (the offer was passed there).
        if (SHOW_ID.test(req.params.showId) && (await deps.signalling?.forward(req, reply, req.params.showId, { elsewhere: true }))) return reply;
        throw new AppError("not_found", "No such WHEP session.");
      }
      return reply.status(200).send({ ended: true });
    });
  };
}
