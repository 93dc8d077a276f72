import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RTCPeerConnection as WeriftPeerConnection, useH264, useOPUS } from "werift";
import WebSocket from "ws";
import { FAKE_MEDIA_ARGS, launchChromium } from "../e2e/browser.js";
import { backends } from "../support/db.js";
import { login } from "../support/http.js";
import { whipPublishFrom } from "../support/whip-browser.js";
import { startTestServer, type TestServer } from "../support/server.js";

// POST /api/shows/:showId/whip and its session resource (RFC 9725) on a whole server: who may publish, what is refused
// and with which code, and — with Chromium's fake camera — that a WHIP publish takes the show live through the RTMP
// ingest and that DELETE ends it. Waits are generous (2 shared cores); nothing asserts on elapsed time.
const LONG = 60_000;

/** A real offer (werift as the client): sendonly H.264 video and Opus audio, DTLS fingerprint, host candidates. */
async function makeOffer(media: { video: boolean; audio: boolean } = { video: true, audio: true }): Promise<{ sdp: string; close(): Promise<void> }> {
  const pc = new WeriftPeerConnection({ codecs: { video: [useH264()], audio: [useOPUS()] } });
  if (media.audio) pc.addTransceiver("audio", { direction: "sendonly" });
  if (media.video) pc.addTransceiver("video", { direction: "sendonly" });
  await pc.setLocalDescription(await pc.createOffer());
  return { sdp: pc.localDescription!.sdp, close: () => pc.close() };
}

function whip(base: string, path: string, opts: { sdp?: string; cookie?: string; bearer?: string; method?: string; contentType?: string } = {}) {
  const headers: Record<string, string> = {};
  if (opts.sdp !== undefined) headers["content-type"] = opts.contentType ?? "application/sdp";
  if (opts.cookie) Object.assign(headers, { cookie: opts.cookie, "x-showcart-csrf": "1" });
  if (opts.bearer !== undefined) headers.authorization = `Bearer ${opts.bearer}`;
  return fetch(base + path, { method: opts.method ?? "POST", headers, body: opts.sdp });
}

async function errorCode(res: Response): Promise<string> {
  return ((await res.json()) as { error: { code: string } }).error.code;
}

describe.each(backends)("WHIP ingest on %s", (backend) => {
  let server: TestServer;
  let hostCookie: string;
  let otherCookie: string;
  let show: { id: string; slug: string; streamKey: string };
  let other: { id: string; streamKey: string };
  const closers: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    // The demo show is live from the synthetic source (RTMP): the "already publishing" case.
    server = await startTestServer({ backend, env: { RECONNECT_GRACE_SECONDS: "0" } });
    const { catalog, accounts, shows } = server.services;
    const merchant = await catalog.createMerchant("WHIP Shop");
    const pw = "whip-password-1";
    const host = await accounts.createAccount({ email: "whip-host@example.com", password: pw, displayName: "Wanda", role: "host", merchantId: merchant.id });
    const stranger = await accounts.createAccount({
      email: "whip-other@example.com",
      password: pw,
      displayName: "Otto",
      role: "host",
      merchantId: merchant.id,
    });
    show = await shows.createShow({ merchantId: merchant.id, hostAccountId: host.id, slug: `whip-${backend}`, title: "WHIP", commissionRateBp: 1000 });
    other = await shows.createShow({
      merchantId: merchant.id,
      hostAccountId: stranger.id,
      slug: `whip-other-${backend}`,
      title: "Other",
      commissionRateBp: 1000,
    });
    hostCookie = await login(server.url, "whip-host@example.com", pw);
    otherCookie = await login(server.url, "whip-other@example.com", pw);
  }, 180_000);

  afterAll(async () => {
    await Promise.all(closers.map((c) => c()));
    await server?.close();
  }, 60_000);

  const endpoint = () => `/api/shows/${show.id}/whip`;

  it("refuses callers who are not the show's team or its stream key: 401 anonymous or wrong key, 403 another host", async () => {
    const offer = await makeOffer();
    closers.push(offer.close);
    expect((await whip(server.url, endpoint(), { sdp: offer.sdp })).status).toBe(401);
    const wrong = await whip(server.url, endpoint(), { sdp: offer.sdp, bearer: "sk_notthekey0000000000" });
    expect(wrong.status).toBe(401);
    expect(await errorCode(wrong)).toBe("unauthenticated");
    // Another show's key is no key for this one.
    expect((await whip(server.url, endpoint(), { sdp: offer.sdp, bearer: other.streamKey })).status).toBe(401);
    const stranger = await whip(server.url, endpoint(), { sdp: offer.sdp, cookie: otherCookie });
    expect(stranger.status).toBe(403);
    expect(await errorCode(stranger)).toBe("forbidden");
    // A cookie without the CSRF header is a cross-site write.
    const csrf = await fetch(server.url + endpoint(), { method: "POST", headers: { "content-type": "application/sdp", cookie: hostCookie }, body: offer.sdp });
    expect(csrf.status).toBe(403);
    expect(server.services.whipSessions.size).toBe(0);
  });

  it("answers bad offers with invalid_sdp (no video, not SDP) and other bodies with 415", async () => {
    const audioOnly = await makeOffer({ video: false, audio: true });
    closers.push(audioOnly.close);
    for (const sdp of [audioOnly.sdp, "hello", "v=0\r\n"]) {
      const res = await whip(server.url, endpoint(), { sdp, bearer: show.streamKey });
      expect(res.status, sdp.slice(0, 20)).toBe(400);
      expect(await errorCode(res)).toBe("invalid_sdp");
    }
    const json = await whip(server.url, endpoint(), { sdp: JSON.stringify({ sdp: "v=0" }), contentType: "application/json", cookie: hostCookie });
    expect(json.status).toBe(415);
    expect(await errorCode(json)).toBe("unsupported_media_type");
    const huge = await whip(server.url, endpoint(), { sdp: `v=0\r\n${"a=x\r\n".repeat(20_000)}`, bearer: show.streamKey });
    expect(huge.status).toBe(413);
    expect(server.services.whipSessions.size).toBe(0);
  });

  it(
    "refuses a show that already has a publisher (the demo's RTMP source) with already_publishing",
    async () => {
      await expect.poll(() => server.services.media.status().live.includes(server.demo.showId), { timeout: LONG, interval: 250 }).toBe(true);
      const offer = await makeOffer();
      closers.push(offer.close);
      const key = await server.services.shows.streamKey(server.demo.showId);
      const res = await whip(server.url, `/api/shows/${server.demo.showId}/whip`, { sdp: offer.sdp, bearer: key });
      expect(res.status).toBe(409);
      expect(await errorCode(res)).toBe("already_publishing");
    },
    LONG,
  );

  it("creates a session (201, SDP answer, Location, ETag), refuses a second publisher, answers PATCH 501, and DELETE ends it", async () => {
    const offer = await makeOffer();
    closers.push(offer.close);
    const res = await whip(server.url, endpoint(), { sdp: offer.sdp, cookie: hostCookie });
    expect(res.status).toBe(201);
    expect(res.headers.get("content-type")).toMatch(/^application\/sdp/);
    const answer = await res.text();
    expect(answer).toMatch(/^v=0\r\n/);
    expect(answer).toMatch(/a=recvonly/);
    expect(answer).toMatch(/a=candidate:/);
    const location = res.headers.get("location")!;
    expect(location).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:\\d+/api/shows/${show.id}/whip/whs_[\\w-]{20,}$`));
    expect(location).not.toContain(show.streamKey);
    expect(res.headers.get("etag")).toMatch(/^"[0-9a-f]+"$/);
    expect(server.services.whipSessions.of(show.id)).toHaveLength(1);

    // One publisher per show: a second WHIP offer, and the MediaRecorder socket, are refused while the session exists.
    const second = await makeOffer();
    closers.push(second.close);
    const again = await whip(server.url, endpoint(), { sdp: second.sdp, bearer: show.streamKey });
    expect(again.status).toBe(409);
    expect(await errorCode(again)).toBe("already_publishing");
    const ws = new WebSocket(`${server.url.replace("http", "ws")}/ws/ingest/${show.id}`, { headers: { cookie: hostCookie, origin: server.url } });
    const frame = await new Promise<{ t: string; d: { code?: string } }>((resolve, reject) => {
      ws.on("open", () => ws.send(JSON.stringify({ t: "ingest.start", d: { mimeType: "video/webm;codecs=h264,opus" } })));
      ws.on("message", (raw) => resolve(JSON.parse(String(raw))));
      ws.on("error", reject);
    });
    ws.close();
    expect(frame).toMatchObject({ t: "error", d: { code: "already_publishing" } });

    const sessionPath = new URL(location).pathname;
    const patch = await whip(server.url, sessionPath, { method: "PATCH", sdp: "a=candidate:1 1 udp 1 127.0.0.1 9 typ host", bearer: show.streamKey });
    expect(patch.status).toBe(501);
    expect(await errorCode(patch)).toBe("trickle_ice_unsupported");
    // Another host may not end it; the show's key may.
    expect((await whip(server.url, sessionPath, { method: "DELETE", cookie: otherCookie })).status).toBe(403);
    expect((await whip(server.url, sessionPath, { method: "DELETE", bearer: show.streamKey })).status).toBe(200);
    expect(server.services.whipSessions.of(show.id)).toHaveLength(0);
    const gone = await whip(server.url, sessionPath, { method: "DELETE", bearer: show.streamKey });
    expect(gone.status).toBe(404);
  });

  it("answers the CORS preflight with Accept-Post: application/sdp, and refuses an ended show", async () => {
    const pre = await fetch(server.url + endpoint(), {
      method: "OPTIONS",
      headers: { origin: "https://encoder.example", "access-control-request-method": "POST" },
    });
    expect(pre.status).toBe(204);
    expect(pre.headers.get("accept-post")).toBe("application/sdp");
    expect(pre.headers.get("access-control-allow-origin")).toBe("*");
    expect(pre.headers.get("access-control-allow-credentials")).toBeNull();
    expect(pre.headers.get("access-control-expose-headers")).toMatch(/location/);

    const ended = await server.services.shows.createShow({
      merchantId: (await server.services.shows.show(other.id)).merchantId,
      hostAccountId: (await server.services.shows.show(other.id)).hostAccountId,
      slug: `whip-ended-${backend}`,
      title: "Over",
      commissionRateBp: 1000,
    });
    await server.services.shows.setStatus(ended.id, "ended");
    const offer = await makeOffer();
    closers.push(offer.close);
    const res = await whip(server.url, `/api/shows/${ended.id}/whip`, { sdp: offer.sdp, cookie: otherCookie });
    expect(res.status).toBe(409);
    expect(await errorCode(res)).toBe("conflict");
  });

  // One real publish (Chromium's fake camera, as OBS would: the stream key as Bearer) per run: the heavy part.
  it.runIf(backend === backends[0])(
    "a WHIP publish takes the show live through the RTMP ingest; DELETE takes it offline at once",
    async () => {
      let browser: Browser | undefined;
      try {
        browser = await launchChromium({ args: FAKE_MEDIA_ARGS });
        const page = await browser.newPage();
        await page.goto(`${server.url}/api/ping`);
        const result = await whipPublishFrom(page, endpoint(), { headers: { authorization: `Bearer ${show.streamKey}` } });
        expect(result.status).toBe(201);
        await expect.poll(async () => (await server.services.shows.show(show.id)).status, { timeout: LONG, interval: 250 }).toBe("live");
        expect(server.services.media.status().live).toContain(show.id);
        // The ladder is fed: the master playlist answers.
        await expect.poll(async () => (await fetch(`${server.url}/live/${show.id}/index.m3u8`)).status, { timeout: LONG, interval: 500 }).toBe(200);
        const session = server.services.whipSessions.of(show.id)[0]!;
        expect(session.peer.stats().videoPackets).toBeGreaterThan(0);

        const del = await whip(server.url, new URL(result.location!).pathname, { method: "DELETE", bearer: show.streamKey });
        expect(del.status).toBe(200);
        await expect.poll(async () => (await server.services.shows.show(show.id)).status, { timeout: LONG, interval: 250 }).toBe("offline");
        expect(server.services.media.status().live).not.toContain(show.id);
        expect(server.services.whipSessions.size).toBe(0);
      } finally {
        await browser?.close();
      }
    },
    180_000,
  );
});
