import cookie from "@fastify/cookie";
import websocket from "@fastify/websocket";
import Fastify, { type FastifyInstance, type FastifyServerOptions } from "fastify";
import { errorCodes, type ErrorBody, type ErrorCode } from "../../protocol/errors.js";
import { randomId } from "../platform/ids.js";
import { AppError } from "../platform/errors.js";
import { perMessageDeflateOptions } from "../platform/deflate.js";

declare module "fastify" {
  interface FastifyInstance {
    routeList: { method: string; url: string }[];
  }
}

export interface HttpAppOptions {
  logger: FastifyServerOptions["logger"] | false;
  bodyLimit?: number;
  /** Fastify's trustProxy: hop count or proxy addresses/CIDRs (TRUST_PROXY); false: the socket's address is the client. */
  trustProxy?: boolean | number | string[];
  /** permessage-deflate on WebSockets (off by default: it costs a compression per socket per frame). */
  websocketDeflate?: boolean;
}

// Fastify's own error codes that are the client's fault, mapped to ours.
const fastifyCodes: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: "body_too_large",
  FST_ERR_CTP_INVALID_MEDIA_TYPE: "unsupported_media_type",
  FST_ERR_CTP_EMPTY_JSON_BODY: "invalid_json",
  FST_ERR_CTP_INVALID_JSON_BODY: "invalid_json",
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: "invalid_body",
  FST_ERR_VALIDATION: "invalid_body",
  FST_ERR_BAD_URL: "not_found",
  FST_ERR_ASYNC_CONSTRAINT: "invalid_body",
};

// Request ids: a per-process prefix plus a counter; unique enough for logs and far cheaper than random bytes per request.
const reqPrefix = randomId("req");
let reqCounter = 0;
const nextRequestId = () => `${reqPrefix}-${(++reqCounter).toString(36)}`;

const trustHops = (hops: number) => (_address: string, hop: number) => hop < hops;

export function errorBody(code: ErrorCode, message?: string, details?: unknown): ErrorBody {
  return { error: { code, message: message ?? errorCodes[code].message, ...(details === undefined ? {} : { details }) } };
}

export async function createHttpApp(opts: HttpAppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: opts.logger,
    bodyLimit: opts.bodyLimit ?? 64 * 1024,
    // A hop count trusts that many proxies nearest the server (proxy-addr's rule; Fastify's types take it as a function).
    trustProxy: typeof opts.trustProxy === "number" ? trustHops(opts.trustProxy) : (opts.trustProxy ?? false),
    genReqId: nextRequestId,
    routerOptions: { maxParamLength: 200 },
  });

  // Every route as registered (method, URL pattern): the no-500 sweep in test/api walks them all.
  const routes: { method: string; url: string }[] = [];
  app.decorate("routeList", routes);
  app.addHook("onRoute", (r) => {
    for (const method of [r.method].flat()) routes.push({ method, url: r.url });
  });

  // The default JSON parser maps a syntax error to a generic 400; ours names it.
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser("application/json", { parseAs: "string" }, (_req, body, done) => {
    const text = body as string;
    if (text.length === 0) return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch {
      done(new AppError("invalid_json"), undefined);
    }
  });

  // Awaited so their route hooks see every route registered afterwards ({ websocket: true } needs it).
  await app.register(cookie);
  await app.register(websocket, {
    options: { maxPayload: 16 * 1024, perMessageDeflate: perMessageDeflateOptions(opts.websocketDeflate ?? false) },
    // A client's protocol error (bad UTF-8, oversize frame) is its fault, not ours: logged at info, and the socket is
    // not terminated here — ws has already sent the close frame with the code (1007, 1009) and ends the connection
    // itself (terminating could cut that frame off).
    errorHandler: (error, _socket, request) => request.log.info({ err: error }, "websocket protocol error"),
  });

  // Every answer (JSON, media, errors): a browser must never guess a script or page out of it.
  app.addHook("onSend", async (_req, reply, payload) => {
    if (!reply.hasHeader("x-content-type-options")) reply.header("x-content-type-options", "nosniff");
    return payload;
  });

  app.setErrorHandler((err, req, reply) => {
    if (err instanceof AppError) {
      // 503s are expected states (a payment provider slow to answer, a playlist being rewritten): warn, not error.
      // 501 is oEmbed's answer to a format it does not offer: the client's choice, not our failure.
      if (err.status === 503) req.log.warn({ code: err.code }, "request answered 503");
      else if (err.status === 501) req.log.info({ code: err.code }, "request answered 501");
      else if (err.status >= 500) req.log.error({ err }, "request failed");
      // A limit's refusal says when to come back, in the header clients and proxies know (whole seconds).
      const retryAfterMs = (err.details as { retryAfterMs?: unknown } | undefined)?.retryAfterMs;
      if (err.status === 429 && typeof retryAfterMs === "number") reply.header("retry-after", String(Math.max(1, Math.ceil(retryAfterMs / 1000))));
      return reply.status(err.status).send(errorBody(err.code, err.message, err.details));
    }
    const e = err as { code?: string; statusCode?: number; message?: string };
    const mapped = e.code ? fastifyCodes[e.code] : undefined;
    if (mapped) return reply.status(errorCodes[mapped].status).send(errorBody(mapped));
    if (e.statusCode && e.statusCode >= 400 && e.statusCode < 500) {
      const code: ErrorCode =
        e.statusCode === 404 ? "not_found" : e.statusCode === 413 ? "body_too_large" : e.statusCode === 415 ? "unsupported_media_type" : "invalid_body";
      return reply.status(e.statusCode).send(errorBody(code));
    }
    req.log.error({ err, reqId: req.id }, "unhandled error");
    return reply.status(500).send(errorBody("internal", `${errorCodes.internal.message} (request ${req.id})`));
  });

  app.setNotFoundHandler((req, reply) => {
    reply.status(404).send(errorBody("not_found", `No route for ${req.method} ${req.url.split("?")[0]}`));
  });

  app.get("/api/ping", async () => ({ ok: true }));
  return app;
}
