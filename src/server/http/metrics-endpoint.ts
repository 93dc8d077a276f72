import { createHash, timingSafeEqual } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { FastifyInstance, FastifyPluginAsync } from "fastify";
import { AppError } from "../platform/errors.js";

export interface MetricsSource {
  contentType: string;
  /** The Prometheus text exposition, gauges refreshed. */
  render(): Promise<string>;
}

// Hashing first gives both sides one length, so the comparison takes the same time whatever the guess.
const digest = (s: string) => createHash("sha256").update(s).digest();
function bearerMatches(header: string | undefined, token: string): boolean {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? "");
  return m !== null && timingSafeEqual(digest(m[1]!), digest(token));
}

/**
 * /metrics on the main port, only with METRICS_TOKEN (`Authorization: Bearer <token>`, else 401). Without a token it
 * is not served there at all: a reverse proxy on the same machine connects from loopback, so "loopback only" would
 * hand it to the internet.
 */
export function registerMetricsRoute(app: FastifyInstance, opts: { token: string | undefined; source: MetricsSource }): void {
  if (!opts.token) return;
  const token = opts.token;
  app.get("/metrics", async (req, reply) => {
    if (!bearerMatches(req.headers.authorization, token)) {
      reply.header("www-authenticate", 'Bearer realm="metrics"');
      throw new AppError("unauthenticated", "/metrics needs Authorization: Bearer <METRICS_TOKEN>.");
    }
    return reply
      .type(opts.source.contentType)
      .header("cache-control", "no-store")
      .send(await opts.source.render());
  });
}

/** The main port's /metrics, and a line in the log when neither way of reading it is configured. */
export const metricsRoute: FastifyPluginAsync<{ token: string | undefined; listen: string | undefined; source: MetricsSource }> = async (app, opts) => {
  registerMetricsRoute(app, opts);
  if (!opts.token && !opts.listen) app.log.info("/metrics off: set METRICS_TOKEN (main port, bearer) or METRICS_LISTEN (own listener)");
};

export interface MetricsListener {
  port: number;
  close(): Promise<void>;
}

/** METRICS_LISTEN ("127.0.0.1:9464", "[::1]:0"): a listener of its own that serves GET /metrics and nothing else. */
export async function startMetricsListener(listen: string, source: MetricsSource, onError: (err: unknown) => void): Promise<MetricsListener> {
  const at = listen.lastIndexOf(":");
  const host = listen.slice(0, at).replace(/^\[(.*)\]$/, "$1");
  const port = Number(listen.slice(at + 1));
  const server = http.createServer((req, res) => {
    const path = (req.url ?? "").split("?")[0];
    if (path !== "/metrics" || (req.method !== "GET" && req.method !== "HEAD")) {
      res
        .writeHead(404, { "content-type": "application/json", "x-content-type-options": "nosniff" })
        .end(JSON.stringify({ error: { code: "not_found", message: "Only GET /metrics here." } }));
      return;
    }
    source.render().then(
      (body) =>
        res
          .writeHead(200, { "content-type": source.contentType, "cache-control": "no-store", "x-content-type-options": "nosniff" })
          .end(req.method === "HEAD" ? undefined : body),
      (err: unknown) => {
        onError(err);
        res.writeHead(500, { "content-type": "application/json" }).end(JSON.stringify({ error: { code: "internal", message: "Metrics failed." } }));
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
