import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Account } from "../accounts/index.js";
import { ownOrigin } from "../http/origin.js";
import { AppError } from "../platform/errors.js";
import { redact } from "../platform/ids.js";
import { feedWhipToFfmpeg } from "./whip-ffmpeg.js";
import type { SignallingRelay } from "./signalling-relay.js";
import { checkWhipOffer, MAX_OFFER_BYTES } from "./whip-peer.js";
import type { WhipEndReason, WhipSession, WhipSessions } from "./whip-sessions.js";

// WHIP (RFC 9725) for the show's host: POST an SDP offer to /api/shows/:showId/whip, get the answer and a session URL
// (Location); DELETE that URL to stop. The publish is fed through ffmpeg into our own RTMP ingest with the show's stream
// key, exactly as the MediaRecorder ingest does, so the show goes live and the ladder, LL-HLS, recording, replay and
// simulcast see an ordinary publisher. The studio signs in with its session cookie; OBS (30+, "WHIP" service) sends the
// stream key as its Bearer token.

/** An RTCIceServer as werift and browsers take it. */
export interface IceServer {
  urls: string | string[];
  username?: string;
  credential?: string;
}

export interface WhipIngestDeps {
  ffmpegPath: string;
  sessions: WhipSessions;
  /** The show by id or slug (404 when there is none). */
  show(idOrSlug: string): Promise<{ id: string; status: string }>;
  /** Only the show's host, its merchant or an admin may publish (403 otherwise). */
  requireManager(account: Account, showId: string): Promise<{ id: string; status: string }>;
  showIdForStreamKey(key: string): Promise<string | null>;
  streamKey(showId: string): Promise<string>;
  /** Our own RTMP ingest on loopback, e.g. rtmp://127.0.0.1:1935/live (the key is appended). */
  rtmpBaseUrl(): string;
  /** True while the show has another publisher: OBS over RTMP, or the MediaRecorder ingest. */
  otherPublisher(showId: string): boolean;
  /** The host ended the show on purpose (DELETE): no reconnect grace period. */
  endShowNow(showId: string): void;
  /** STUN/TURN for the Link headers of the answer (RFC 9725 §4.6). */
  iceServers: IceServer[];
  /**
   * Several nodes: a publish for a show whose media is on another node (live there, or a publish connecting there) is
   * answered by that node; with none, this node takes the show (as the RTMP ingest does).
   */
  signalling?: SignallingRelay | null;
  /** PUBLIC_URL's origin when set: the Location is absolute on it (else on the request's own origin). */
  publicOrigin: string | null;
  log: FastifyBaseLogger;
}

export interface WhipIngest {
  register(app: FastifyInstance): void;
  /** True while a program WHIP session exists for the show (the host's, or the stage host's; connecting or publishing). */
  publishing(showId: string): boolean;
  /** Ends every host WHIP publish (shutdown). */
  stop(): Promise<void>;
}

const HOST_ROLE = "host";
const SDP = /^application\/sdp\s*(;|$)/i;
// Cross-origin WHIP clients (a web encoder on another site) authenticate with the Bearer token, never the cookie: no
// Access-Control-Allow-Credentials, so a browser never sends the session cookie along on a cross-origin call.
const CORS = {
  "access-control-allow-origin": "*",
  "access-control-allow-headers": "authorization, content-type, if-match",
  "access-control-expose-headers": "location, etag, link, accept-patch",
  "access-control-max-age": "600",
};

/** RFC 9725 §4.6: one `Link: <url>; rel="ice-server"` per STUN/TURN URL, with its credentials. */
export function iceServerLinks(servers: IceServer[]): string[] {
  const quote = (v: string) => `"${v.replace(/["\\]/g, "\\$&")}"`;
  return servers.flatMap((s) =>
    [s.urls].flat().map((url) => {
      const creds = s.username !== undefined && s.credential !== undefined;
      return `<${url}>; rel="ice-server"${creds ? `; username=${quote(s.username!)}; credential=${quote(s.credential!)}; credential-type="password"` : ""}`;
    }),
  );
}

export function createWhipIngest(deps: WhipIngestDeps): WhipIngest {
  const { sessions, log } = deps;
  let stopped = false;

  /**
   * The show's host session (cookie), or the show's stream key as `Authorization: Bearer` (OBS). A Bearer header wins
   * over a cookie; a wrong key is 401 whatever the cookie says.
   */
  async function authorize(req: FastifyRequest, showParam: string): Promise<{ id: string; status: string }> {
    const auth = req.headers.authorization;
    if (auth !== undefined) {
      const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
      if (!m) throw new AppError("unauthenticated", "Send the stream key as Authorization: Bearer <key>.");
      const show = await deps.show(showParam);
      const keyShow = await deps.showIdForStreamKey(m[1]!);
      if (keyShow !== show.id) throw new AppError("unauthenticated", "The Bearer token is not this show's stream key.");
      return show;
    }
    if (!req.account) throw new AppError("unauthenticated");
    return deps.requireManager(req.account, showParam);
  }

  function sessionOf(showId: string, sessionId: string): WhipSession {
    const session = sessions.get(sessionId);
    if (!session || session.showId !== showId || session.role !== HOST_ROLE) throw new AppError("not_found", "No such WHIP session (it ended).");
    return session;
  }

  async function publish(showId: string, offer: string, requestLog: FastifyBaseLogger): Promise<{ session: WhipSession; answer: string }> {
    // Checked and registered with no await in between (sessions.open registers synchronously): two offers at once
    // cannot both pass. The stage host's publish is a program session too (it starts the compositor).
    if (sessions.programOf(showId).length > 0 || deps.otherPublisher(showId)) throw new AppError("already_publishing");
    let key = "";
    const scrub = (line: string) => (key ? line.split(key).join(redact(key)) : line);
    return sessions.open({
      showId,
      role: HOST_ROLE,
      program: true,
      offer,
      attach: async (peer, session) => {
        key = await deps.streamKey(showId);
        const feed = await feedWhipToFfmpeg(peer, { ffmpegPath: deps.ffmpegPath, publishUrl: `${deps.rtmpBaseUrl()}/${key}` });
        requestLog.info({ showId, sessionId: session.id, pid: feed.run.pid, video: peer.video.mimeType, key: redact(key) }, "WHIP publish started");
        void feed.run.exited.then((exit) => {
          if (session.ended) return;
          log.warn({ showId, sessionId: session.id, ...exit, stderr: feed.run.stderrTail().map(scrub) }, "WHIP publish ffmpeg exited");
        });
        return { stop: () => feed.stop(), exited: feed.run.exited };
      },
      onEnded: (reason: WhipEndReason) => {
        // A deliberate stop ends the show at once; a dropped connection leaves the reconnect grace period to the ingest.
        if (reason === "deleted") deps.endShowNow(showId);
      },
    });
  }

  return {
    register(app) {
      app.register(async (scope) => {
        for (const type of ["application/sdp", "application/trickle-ice-sdpfrag"])
          scope.addContentTypeParser(type, { parseAs: "string", bodyLimit: MAX_OFFER_BYTES }, (_req, body, done) => done(null, body));
        const cors = (reply: FastifyReply) => reply.headers(CORS);

        scope.options("/api/shows/:showId/whip", async (_req, reply) =>
          cors(reply).header("access-control-allow-methods", "POST, OPTIONS").header("accept-post", "application/sdp").code(204).send(),
        );
        scope.options("/api/shows/:showId/whip/:sessionId", async (_req, reply) =>
          cors(reply).header("access-control-allow-methods", "DELETE, PATCH, OPTIONS").code(204).send(),
        );

        scope.post<{ Params: { showId: string } }>("/api/shows/:showId/whip", async (req, reply) => {
          cors(reply);
          const show = await authorize(req, req.params.showId);
          if (!SDP.test(req.headers["content-type"] ?? ""))
            throw new AppError("unsupported_media_type", "Send the SDP offer with Content-Type: application/sdp.");
          const offer = typeof req.body === "string" ? req.body : "";
          checkWhipOffer(offer);
          if (show.status === "ended") throw new AppError("conflict", "This show has ended; it cannot go live again.");
          if (stopped) throw new AppError("unavailable", "The server is shutting down.");
          // Checked here first, so only an authorised, well-formed publish claims the show for this node.
          if (await deps.signalling?.forward(req, reply, show.id, { claim: true })) return reply;
          const { session, answer } = await publish(show.id, offer, req.log);
          const origin = deps.publicOrigin ?? (deps.signalling ? deps.signalling.origin(req) : ownOrigin(req)) ?? "";
          reply
            .code(201)
            .header("content-type", "application/sdp")
            .header("location", `${origin}/api/shows/${encodeURIComponent(show.id)}/whip/${session.id}`)
            .header("etag", session.etag);
          const links = iceServerLinks(deps.iceServers);
          if (links.length > 0) reply.header("link", links);
          return reply.send(answer);
        });

        scope.delete<{ Params: { showId: string; sessionId: string } }>("/api/shows/:showId/whip/:sessionId", async (req, reply) => {
          cors(reply);
          const show = await authorize(req, req.params.showId);
          if (!sessions.get(req.params.sessionId) && (await deps.signalling?.forward(req, reply, show.id, { elsewhere: true }))) return reply;
          const session = sessionOf(show.id, req.params.sessionId);
          // Before and after: the ingest may see the unpublish before or after this mark (as the MediaRecorder Stop).
          deps.endShowNow(show.id);
          await session.end("deleted");
          return reply.code(200).send();
        });

        // RFC 9725 §4.3.1: a session that takes neither trickle ICE nor ICE restarts answers PATCH with 501. The
        // server's candidates are all in the answer, and the studio and OBS send theirs in the offer.
        scope.patch<{ Params: { showId: string; sessionId: string } }>("/api/shows/:showId/whip/:sessionId", async (req, reply) => {
          cors(reply);
          const show = await authorize(req, req.params.showId);
          if (!sessions.get(req.params.sessionId) && (await deps.signalling?.forward(req, reply, show.id, { elsewhere: true }))) return reply;
          sessionOf(show.id, req.params.sessionId);
          throw new AppError("trickle_ice_unsupported");
        });
      });
    },
    publishing: (showId) => sessions.programOf(showId).length > 0,
    async stop() {
      stopped = true;
      await Promise.all(sessions.all(HOST_ROLE).map((s) => s.end("shutdown")));
    },
  };
}
