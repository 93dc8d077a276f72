import Fastify, { type FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LiveDirectory, LiveEntry } from "./live-directory.js";
import { SignallingRelay } from "./signalling-relay.js";

// Node A still counts the show as its own (on air for a moment after its publish ended) while the directory already
// names node B, where the next publish runs. A request for a session A does not have goes to B; a new offer does not.
describe("SignallingRelay.forward", () => {
  const SHOW = "shw_relaytest";
  let a: FastifyInstance;
  let b: FastifyInstance;
  let bUrl = "";
  const seenAtB: string[] = [];

  beforeAll(async () => {
    b = Fastify();
    b.delete("/api/shows/:showId/whip/:sessionId", async (req, reply) => {
      seenAtB.push(req.url);
      return reply.code(200).send({ ended: true });
    });
    b.post("/api/shows/:showId/whip", async (req, reply) => {
      seenAtB.push(req.url);
      return reply.code(201).send({ at: "b" });
    });
    bUrl = await b.listen({ port: 0, host: "127.0.0.1" });

    a = Fastify();
    const directory = { locate: async (): Promise<LiveEntry> => ({ node: "b", url: bUrl }) } as unknown as LiveDirectory;
    const relay = new SignallingRelay({ directory, self: { node: "a", url: () => "http://127.0.0.1:1" }, token: "node-token", log: a.log });
    relay.holdWhile(() => [SHOW]);
    // As whip-ingest: a session this node lacks is passed on with `elsewhere`; a new offer without it.
    a.delete<{ Params: { showId: string; sessionId: string } }>("/api/shows/:showId/whip/:sessionId", async (req, reply) => {
      if (await relay.forward(req, reply, req.params.showId, { elsewhere: true })) return reply;
      return reply.code(404).send({ at: "a" });
    });
    a.delete<{ Params: { showId: string; sessionId: string } }>("/old/:showId/:sessionId", async (req, reply) => {
      if (await relay.forward(req, reply, req.params.showId)) return reply;
      return reply.code(404).send({ at: "a" });
    });
    a.post<{ Params: { showId: string } }>("/api/shows/:showId/whip", async (req, reply) => {
      if (await relay.forward(req, reply, req.params.showId, { claim: true })) return reply;
      return reply.code(201).send({ at: "a" });
    });
    await a.ready();
  });

  afterAll(async () => {
    await a?.close();
    await b?.close();
  });

  it("passes a DELETE for a session it lacks to the node the directory names, though it still holds the show", async () => {
    const res = await a.inject({ method: "DELETE", url: `/api/shows/${SHOW}/whip/whs_next` });
    expect([res.statusCode, res.json()]).toEqual([200, { ended: true }]);
    expect(seenAtB).toContain(`/api/shows/${SHOW}/whip/whs_next`);
  });

  it("without `elsewhere` answers here while it holds the show (what made the DELETE a 404)", async () => {
    const res = await a.inject({ method: "DELETE", url: `/old/${SHOW}/whs_next` });
    expect([res.statusCode, res.json()]).toEqual([404, { at: "a" }]);
  });

  it("answers a new offer here while it holds the show", async () => {
    const before = seenAtB.length;
    const res = await a.inject({ method: "POST", url: `/api/shows/${SHOW}/whip`, payload: { sdp: "v=0" } });
    expect([res.statusCode, res.json()]).toEqual([201, { at: "a" }]);
    expect(seenAtB.length).toBe(before);
  });
});
