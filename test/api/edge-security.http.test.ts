import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { backends } from "../support/db.js";
import { orderBody } from "../support/fixtures.js";
import { login, postOrder, request } from "../support/http.js";
import { rawRequest } from "../support/raw-http.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { until } from "../support/until.js";

const EVIL = "https://evil.example";
const EMBED = "https://shop.example";
const METRICS_TOKEN = "metrics-token-0123456789";

/** Opens a WebSocket; resolves "open" or the HTTP status the server refused the upgrade with. */
function connect(url: string, headers: Record<string, string>): Promise<{ ws: WebSocket; frames: { t: string; d: any }[]; refused: number | null }> {
  const ws = new WebSocket(url, { headers });
  const frames: { t: string; d: any }[] = [];
  ws.on("message", (raw) => frames.push(JSON.parse(raw.toString())));
  return new Promise((resolve, reject) => {
    ws.once("open", () => resolve({ ws, frames, refused: null }));
    ws.once("unexpected-response", (_req, res) => {
      resolve({ ws, frames, refused: res.statusCode ?? 0 });
      ws.terminate();
    });
    ws.once("error", (err) => (ws.readyState === ws.CLOSED ? undefined : reject(err)));
  });
}

describe.each(backends)("HTTP edge on %s", (backend) => {
  // A: the defaults (no proxy trusted, no metrics token), an allowed embed origin, chat limited to 2 per address.
  let a: TestServer;
  let host: string;
  let merchant: string;
  let offerId: string;
  beforeAll(async () => {
    a = await startTestServer({ backend, synthetic: false, env: { ALLOWED_ORIGINS: EMBED, METRICS_LISTEN: "127.0.0.1:0", CHAT_IP_LIMIT: "2" } });
    host = await login(a.url, a.demo.hostEmail, a.demo.hostPassword);
    merchant = await login(a.url, a.demo.merchantEmail, a.demo.hostPassword);
    const show = await request(a.url, "GET", "/api/shows/demo");
    offerId = show.body.show.offers.find((o: { pinned: boolean }) => o.pinned).id;
  }, 180_000);
  afterAll(async () => a?.close(), 60_000);

  describe("CSRF and Origin on cookie-authenticated writes", () => {
    it("refuses the stream key to POST /%61pi/…/reveal without the CSRF header; the real request still works", async () => {
      const path = `/studio/shows/${a.demo.showId}/stream-key/reveal`;
      for (const prefix of ["/%61pi", "/%61%70%69", "/a%70i"]) {
        const res = await rawRequest(a.url, "POST", prefix + path, { headers: { cookie: host } });
        expect([res.status, res.json?.error?.code], prefix).toEqual([403, "forbidden"]);
        expect(res.text).not.toContain(a.demo.streamKey);
      }
      const foreign = await rawRequest(a.url, "POST", `/api${path}`, { headers: { cookie: host, "x-showcart-csrf": "1", origin: EVIL } });
      expect([foreign.status, foreign.json?.error?.code]).toEqual([403, "origin_not_allowed"]);
      expect(foreign.text).not.toContain(a.demo.streamKey);
      const ok = await rawRequest(a.url, "POST", `/api${path}`, { headers: { cookie: host, "x-showcart-csrf": "1", origin: a.url } });
      expect([ok.status, ok.json?.streamKey]).toEqual([200, a.demo.streamKey]);
    });

    it("refuses POST /%61pi/admin/orders/:id/refund without the CSRF header and changes nothing; the real refund works", async () => {
      const placed = await postOrder(a.url, orderBody(offerId));
      expect(placed.status).toBe(201);
      const id = placed.body.order.id;
      const before = (await request(a.url, "GET", `/api/admin/orders/${id}`, { cookie: merchant })).body;
      const attacks: { path: string; headers: Record<string, string> }[] = [
        { path: `/%61pi/admin/orders/${id}/refund`, headers: { cookie: merchant } },
        { path: `/api/admin/orders/${id}/refund`, headers: { cookie: merchant } },
        { path: `/api/admin/orders/${id}/refund`, headers: { cookie: merchant, "x-showcart-csrf": "1", origin: EVIL } },
        { path: `/api/admin/orders/${id}/refund`, headers: { cookie: merchant, "x-showcart-csrf": "1", origin: "null" } },
      ];
      for (const attack of attacks) {
        const res = await rawRequest(a.url, "POST", attack.path, { headers: attack.headers, body: JSON.stringify({ quantity: 1, reason: "csrf" }) });
        expect(res.status, attack.path).toBe(403);
        expect(["forbidden", "origin_not_allowed"]).toContain(res.json?.error?.code);
      }
      const after = (await request(a.url, "GET", `/api/admin/orders/${id}`, { cookie: merchant })).body;
      expect(after).toEqual(before);
      expect(after.order.refundedQuantity ?? 0).toBe(0);
      const legit = await rawRequest(a.url, "POST", `/api/admin/orders/${id}/refund`, {
        headers: { cookie: merchant, "x-showcart-csrf": "1", origin: a.url },
        body: JSON.stringify({ quantity: 1, reason: "damaged" }),
      });
      expect(legit.status).toBe(200);
      expect(legit.json.order.refundedQuantity).toBe(1);
    });

    it("takes writes from the configured origins (ALLOWED_ORIGINS, PUBLIC_URL) and from clients that send no Origin", async () => {
      const path = `/api/studio/shows/${a.demo.showId}/stream-key/reveal`;
      const embed = await rawRequest(a.url, "POST", path, { headers: { cookie: host, "x-showcart-csrf": "1", origin: EMBED } });
      expect(embed.status).toBe(200);
      const cli = await rawRequest(a.url, "POST", path, { headers: { cookie: host, "x-showcart-csrf": "1" } });
      expect(cli.status).toBe(200);
      // Without a session cookie a write carries no ambient authority: a foreign page may post an anonymous order.
      const anonymous = await rawRequest(a.url, "POST", "/api/orders", {
        headers: { origin: EVIL, "idempotency-key": crypto.randomUUID() },
        body: JSON.stringify(orderBody(offerId)),
      });
      expect(anonymous.status).toBe(201);
    });
  });

  describe("Origin on cookie-authenticated WebSockets", () => {
    const ws = (path: string) => `${a.url.replace("http", "ws")}${path}`;

    it("refuses /ws/studio and /ws/ingest from a foreign page before the upgrade; our own pages still connect", async () => {
      for (const path of [`/ws/studio/${a.demo.showId}`, `/ws/ingest/${a.demo.showId}`, `/ws/shows/${a.demo.showId}`]) {
        for (const origin of [EVIL, "null", "http://127.0.0.1:1"]) {
          const foreign = await connect(ws(path), { cookie: host, origin });
          expect(foreign.refused, `${path} from ${origin}`).toBe(403);
        }
        const own = await connect(ws(path), { cookie: host, origin: a.url });
        expect(own.refused, path).toBeNull();
        own.ws.close();
        const embed = await connect(ws(path), { cookie: host, origin: EMBED });
        expect(embed.refused, path).toBeNull();
        embed.ws.close();
      }
      const studio = await connect(ws(`/ws/studio/${a.demo.showId}`), { cookie: host, origin: a.url });
      await until("studio hello", () => studio.frames.some((f) => f.t === "hello"));
      studio.ws.close();
    });

    it("lets anyone watch without a session cookie, from any page", async () => {
      const viewer = await connect(ws(`/ws/shows/${a.demo.showId}`), { origin: EVIL });
      expect(viewer.refused).toBeNull();
      await until("viewer snapshot", () => viewer.frames.some((f) => f.t === "snapshot"));
      viewer.ws.close();
    });
  });

  describe("security headers", () => {
    it("sends nosniff, a referrer policy and a permissions policy on pages; camera and microphone only in the studio and on the stage's join page", async () => {
      for (const path of ["/", "/login", "/shows/demo", "/orders/ord_x", "/account"]) {
        const res = await fetch(a.url + path);
        expect(res.headers.get("x-content-type-options"), path).toBe("nosniff");
        expect(res.headers.get("referrer-policy"), path).toBe("strict-origin-when-cross-origin");
        expect(res.headers.get("content-security-policy"), path).toContain("frame-ancestors 'none'");
        expect(res.headers.get("permissions-policy"), path).toMatch(/camera=\(\), microphone=\(\), display-capture=\(\)/);
      }
      const studio = await fetch(`${a.url}/studio/${a.demo.showId}`);
      expect(studio.headers.get("permissions-policy")).toMatch(/camera=\(self\), microphone=\(self\), display-capture=\(self\)/);
      // A guest's join page: camera and microphone, no screen.
      const stage = await fetch(`${a.url}/stage/${a.demo.showId}`);
      expect(stage.headers.get("permissions-policy")).toMatch(/camera=\(self\), microphone=\(self\), display-capture=\(\)/);
    });

    it("sends nosniff on JSON answers, errors and media", async () => {
      for (const path of ["/api/ping", "/api/shows/demo", "/api/nope", "/healthz", "/images/demo/mug.svg"]) {
        expect((await fetch(a.url + path)).headers.get("x-content-type-options"), path).toBe("nosniff");
      }
    });
  });

  describe("/metrics", () => {
    it("is not on the main port without METRICS_TOKEN, and is on the METRICS_LISTEN listener", async () => {
      const main = await fetch(`${a.url}/metrics`);
      expect(main.status).toBe(404);
      expect(await main.text()).not.toContain("showcart_");
      expect(a.metricsPort).toBeGreaterThan(0);
      const own = await fetch(`http://127.0.0.1:${a.metricsPort}/metrics`);
      expect(own.status).toBe(200);
      expect(await own.text()).toMatch(/^showcart_realtime_sockets /m);
      expect((await fetch(`http://127.0.0.1:${a.metricsPort}/api/ping`)).status).toBe(404);
    });
  });

  describe("client addresses without TRUST_PROXY", () => {
    it("ignores a spoofed X-Forwarded-For: the telemetry limit counts the socket's address", async () => {
      // Each report claims another address; all are the one socket address, so the limit is reached all the same.
      const statuses = await telemetryUntilLimited(a, (i) => `198.51.100.${(i % 250) + 1}`);
      expect(statuses.at(-1)).toBe(429);
      expect(statuses.slice(0, -1).every((s) => s === 204)).toBe(true);
      const spoofed = await rawRequest(a.url, "POST", `/api/shows/${a.demo.showId}/telemetry`, {
        headers: { "x-forwarded-for": "203.0.113.250" },
        body: JSON.stringify(REPORT),
      });
      expect([spoofed.status, spoofed.json?.error?.code]).toEqual([429, "rate_limited"]);
    });

    it("ignores a spoofed X-Forwarded-For: chat's per-address limit counts the socket's address", async () => {
      const sent = await chatFrom(a, ["203.0.113.1", "203.0.113.2", "203.0.113.3"]);
      expect(sent).toEqual(["posted", "posted", "rate_limited"]);
    });
  });

  describe("behind a proxy (TRUST_PROXY=1) with an https PUBLIC_URL", () => {
    let b: TestServer;
    beforeAll(async () => {
      b = await startTestServer({ backend, synthetic: false, env: { PUBLIC_URL: EMBED, TRUST_PROXY: "1", METRICS_TOKEN, CHAT_IP_LIMIT: "2" } });
    }, 180_000);
    afterAll(async () => b?.close(), 60_000);

    it("sets the session cookie Secure (and not without an https PUBLIC_URL)", async () => {
      const res = await fetch(`${b.url}/api/auth/login`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ email: b.demo.hostEmail, password: b.demo.hostPassword }),
      });
      expect(res.status).toBe(200);
      const cookie = res.headers.getSetCookie().find((c) => c.startsWith("sc_session="))!;
      expect(cookie).toMatch(/;\s*Secure/i);
      expect(cookie).toMatch(/;\s*HttpOnly/i);
      expect(cookie).toMatch(/;\s*SameSite=Lax/i);
      const plain = await fetch(`${a.url}/api/auth/login`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ email: a.demo.hostEmail, password: a.demo.hostPassword }),
      });
      expect(plain.headers.getSetCookie().find((c) => c.startsWith("sc_session="))).not.toMatch(/Secure/i);
    });

    it("serves /metrics on the main port only with the bearer token", async () => {
      const none = await fetch(`${b.url}/metrics`);
      expect([none.status, ((await none.json()) as any).error.code]).toEqual([401, "unauthenticated"]);
      for (const authorization of [`Bearer ${METRICS_TOKEN}x`, `Bearer ${METRICS_TOKEN.slice(0, -1)}`, "Bearer ", `Basic ${METRICS_TOKEN}`, METRICS_TOKEN]) {
        expect((await fetch(`${b.url}/metrics`, { headers: { authorization } })).status, authorization).toBe(401);
      }
      const ok = await fetch(`${b.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
      expect(ok.status).toBe(200);
      expect(await ok.text()).toMatch(/^showcart_realtime_sockets /m);
      expect(b.metricsPort).toBeNull();
    });

    it("counts the forwarded client address in the telemetry limit", async () => {
      const post = (xff: string) =>
        rawRequest(b.url, "POST", `/api/shows/${b.demo.showId}/telemetry`, { headers: { "x-forwarded-for": xff }, body: JSON.stringify(REPORT) });
      const statuses = await telemetryUntilLimited(b, () => "198.51.100.7");
      expect(statuses.at(-1)).toBe(429);
      expect(statuses.slice(0, -1).every((s) => s === 204)).toBe(true);
      // Another client behind the same proxy is not limited with the first one.
      expect((await post("198.51.100.8")).status).toBe(204);
      // Only the nearest hop is trusted: an address the client put in front of the proxy's is not the one counted.
      expect((await post("10.9.9.9, 198.51.100.7")).status).toBe(429);
    });

    it("counts the forwarded client address in chat's per-address limit", async () => {
      expect(await chatFrom(b, ["203.0.113.1", "203.0.113.1", "203.0.113.1", "203.0.113.2"])).toEqual(["posted", "posted", "rate_limited", "posted"]);
    });

    it("takes the page's origin from the proxy's X-Forwarded-Proto/Host", async () => {
      const cookie = await login(b.url, b.demo.hostEmail, b.demo.hostPassword);
      const path = `/api/studio/shows/${b.demo.showId}/stream-key/reveal`;
      const proxied = { cookie, "x-showcart-csrf": "1", "x-forwarded-proto": "https", "x-forwarded-host": "live.example.org" };
      expect((await rawRequest(b.url, "POST", path, { headers: { ...proxied, origin: "https://live.example.org" } })).status).toBe(200);
      expect((await rawRequest(b.url, "POST", path, { headers: { ...proxied, origin: "http://live.example.org" } })).status).toBe(403);
      expect((await rawRequest(b.url, "POST", path, { headers: { cookie, "x-showcart-csrf": "1", origin: EMBED } })).status).toBe(200);
    });
  });
});

const REPORT = { sessionId: "sess-edge-1", startupMs: 500, liveDelayMs: 3000, intervalMs: 5000, stalledMs: 0, stalls: 0 };

/** Playback reports (each from the address `xff(i)` claims) until the per-address limit answers 429; the statuses. */
async function telemetryUntilLimited(server: TestServer, xff: (i: number) => string): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < 500 && statuses.at(-1) !== 429; i++) {
    statuses.push(
      (
        await rawRequest(server.url, "POST", `/api/shows/${server.demo.showId}/telemetry`, {
          headers: { "x-forwarded-for": xff(i) },
          body: JSON.stringify(REPORT),
        })
      ).status,
    );
  }
  return statuses;
}

/** One guest socket per address (X-Forwarded-For), one chat message each; what each got back. */
async function chatFrom(server: TestServer, addresses: string[]): Promise<string[]> {
  const out: string[] = [];
  let n = 0;
  for (const xff of addresses) {
    n++;
    const text = `hello guest ${n} ${Math.random().toString(36).slice(2, 8)}`;
    const c = await connect(
      `${server.url.replace("http", "ws")}/ws/shows/${server.demo.showId}?name=Guest${n}&device=device-${n}-${Math.random().toString(36).slice(2, 14)}`,
      { "x-forwarded-for": xff },
    );
    await until("snapshot", () => c.frames.some((f) => f.t === "snapshot"));
    c.ws.send(JSON.stringify({ t: "chat.send", d: { text } }));
    await until("chat answered", () => c.frames.some((f) => (f.t === "batch" && JSON.stringify(f.d).includes(text)) || f.t === "error"));
    const err = c.frames.find((f) => f.t === "error");
    out.push(err ? err.d.code : "posted");
    c.ws.close();
  }
  return out;
}
