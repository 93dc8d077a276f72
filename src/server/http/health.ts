import type { FastifyPluginAsync } from "fastify";

export interface HealthOptions {
  db: { kind: string; ping(): Promise<boolean> };
  media: () => { rtmp: boolean };
  bus: string;
}

/** GET /healthz: 200 when the database answers and RTMP listens, else 503 (load balancers take the node out). */
export const healthRoute: FastifyPluginAsync<HealthOptions> = async (app, opts) => {
  app.get("/healthz", async (_req, reply) => {
    const dbOk = await opts.db.ping();
    const m = opts.media();
    const ok = dbOk && m.rtmp;
    return reply.status(ok ? 200 : 503).send({ ok, db: { ok: dbOk, kind: opts.db.kind }, media: m, bus: opts.bus });
  });
};
