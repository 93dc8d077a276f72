import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RTCPeerConnection } from "werift";
import { backends } from "../support/db.js";
import { request } from "../support/http.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { viewerOffer } from "../support/whep-viewer.js";
import { until } from "../support/until.js";

// WHEP's HTTP answers with the demo show live: the refusals (unknown, not live, full, not SDP, bad offers) and a real
// session's life (201 + Location, the DELETE, the node's count). The offers come from werift acting as the viewer,
// so no browser is needed here; test/e2e/whep.e2e.test.ts plays one in Chromium.

/** The show view's `webrtc.available`: whether the player should try WHEP at all. */
const offered = async (server: TestServer, showId: string): Promise<boolean> =>
  (await request(server.url, "GET", `/api/shows/${showId}`)).body.show.webrtc.available;

const sdpPost = (server: TestServer, showId: string, sdp: string, type = "application/sdp") =>
  request(server.url, "POST", `/api/shows/${showId}/whep`, { raw: sdp, headers: { "content-type": type } });

describe.each(backends)("WHEP playback over HTTP (%s)", (backend) => {
  let server: TestServer;
  let idle: string;
  const peers: RTCPeerConnection[] = [];

  beforeAll(async () => {
    server = await startTestServer({ backend, env: { WHEP_MAX_VIEWERS_PER_NODE: "1" } });
    const demo = await server.services.shows.show(server.demo.showId);
    idle = (
      await server.services.shows.createShow({
        merchantId: demo.merchantId,
        hostAccountId: demo.hostAccountId,
        slug: `idle-${backend}`,
        title: "Not live",
        commissionRateBp: 1000,
      })
    ).id;
    await until("the demo show live", () => server.services.media.playUrl(server.demo.showId) !== null, 60_000);
  }, 120_000);

  afterAll(async () => {
    await Promise.all(peers.map((p) => p.close()));
    await server?.close();
  });

  it("refuses an unknown show (404 not_found) and a show that is not live (409 show_not_live)", async () => {
    const { pc, sdp } = await viewerOffer();
    peers.push(pc);
    const unknown = await sdpPost(server, "shw_nosuchshow", sdp);
    expect([unknown.status, unknown.body.error.code]).toEqual([404, "not_found"]);
    const notLive = await sdpPost(server, idle, sdp);
    expect([notLive.status, notLive.body.error.code]).toEqual([409, "show_not_live"]);
  });

  it("offers sub-second playback in the show view only where a WHEP POST would be answered", async () => {
    // Live here with a place left: yes. Not live yet: it would be, once live (the page's player mounts then).
    expect(await offered(server, server.demo.showId)).toBe(true);
    expect(await offered(server, idle)).toBe(true);
    // Marked live with no publisher on this node (another node's show, or one between publishers): no.
    const elsewhere = await server.services.shows.createShow({
      merchantId: (await server.services.shows.show(idle)).merchantId,
      hostAccountId: (await server.services.shows.show(idle)).hostAccountId,
      slug: `elsewhere-${backend}`,
      title: "Live elsewhere",
      commissionRateBp: 1000,
    });
    await server.services.shows.setStatus(elsewhere.id, "live");
    expect(await offered(server, elsewhere.id)).toBe(false);
  });

  it("takes SDP only (415) and refuses offers it cannot answer (400 invalid_sdp)", async () => {
    const json = await request(server.url, "POST", `/api/shows/${server.demo.showId}/whep`, { body: { sdp: "v=0" } });

    expect([json.status, json.body.error.code]).toEqual([415, "unsupported_media_type"]);
    const garbage = await sdpPost(server, server.demo.showId, "hello");
    expect([garbage.status, garbage.body.error.code]).toEqual([400, "invalid_sdp"]);
    const { pc, sdp } = await viewerOffer({ video: false });
    peers.push(pc);
    const audioOnly = await sdpPost(server, server.demo.showId, sdp);

    expect([audioOnly.status, audioOnly.body.error.code]).toEqual([400, "invalid_sdp"]);
    const vp8Only = await sdpPost(server, server.demo.showId, (await viewerOffer()).sdp.replace(/H264\/90000/gi, "VP8/90000"));
    expect([vp8Only.status, vp8Only.body.error.code]).toEqual([400, "invalid_sdp"]);
    expect(server.services.whep.viewers().total).toBe(0);
  });

  it("answers a viewer (201, Location, SDP), answers the next one whep_full at the node's limit, and ends on DELETE", async () => {
    const first = await viewerOffer();
    peers.push(first.pc);
    const res = await sdpPost(server, server.demo.showId, first.sdp);
    expect(res.status).toBe(201);
    expect(res.headers.get("content-type")).toMatch(/^application\/sdp/);
    const location = res.headers.get("location")!;
    expect(location).toMatch(new RegExp(`^/api/shows/${server.demo.showId}/whep/[A-Za-z0-9_-]{20,}$`));
    expect(res.body).toMatch(/^v=0\r\n/);
    expect(res.body).toMatch(/a=sendonly/);
    expect(res.body).toMatch(/a=rtpmap:\d+ H264\/90000/i);
    expect(res.body).toMatch(/a=candidate:/);
    expect(server.services.whep.viewers()).toEqual({ total: 1, shows: { [server.demo.showId]: 1 } });
    // The node's one place is taken: the show view tells players not to try (a show not live yet, too).
    expect(await offered(server, server.demo.showId)).toBe(false);
    expect(await offered(server, idle)).toBe(false);

    // The viewer's connection comes up and the show's encode sends it RTP.
    await first.pc.setRemoteDescription({ type: "answer", sdp: res.body });
    let videoPackets = 0;
    first.pc
      .getTransceivers()
      .find((t) => t.kind === "video")!
      .receiver.track.onReceiveRtp.subscribe(() => videoPackets++);
    await until("video RTP at the viewer", () => videoPackets > 10, 60_000);
    expect(server.services.whep.encoderPid(server.demo.showId)).toBeGreaterThan(0);

    const second = await viewerOffer();
    peers.push(second.pc);
    const full = await sdpPost(server, server.demo.showId, second.sdp);
    expect([full.status, full.body.error.code]).toEqual([503, "whep_full"]);

    const wrongShow = await request(server.url, "DELETE", location.replace(server.demo.showId, idle));
    expect([wrongShow.status, wrongShow.body.error.code]).toEqual([404, "not_found"]);
    const gone = await request(server.url, "DELETE", location);
    expect(gone.status).toBe(200);
    expect(server.services.whep.viewers().total).toBe(0);
    expect(await offered(server, server.demo.showId)).toBe(true);
    const again = await request(server.url, "DELETE", location);
    expect([again.status, again.body.error.code]).toEqual([404, "not_found"]);
    // The place is free again.
    const third = await viewerOffer();
    peers.push(third.pc);
    const next = await sdpPost(server, server.demo.showId, third.sdp);
    expect(next.status).toBe(201);
    await request(server.url, "DELETE", next.headers.get("location")!);
  }, 120_000);

  it("ends the show's sessions and its encode when the show goes off air", async () => {
    const viewer = await viewerOffer();
    peers.push(viewer.pc);
    const res = await sdpPost(server, server.demo.showId, viewer.sdp);
    expect(res.status).toBe(201);
    await until("the WHEP encoder", () => server.services.whep.encoderPid(server.demo.showId) !== undefined, 30_000);
    server.services.media.endShowNow(server.demo.showId);
    server.services.media.disconnectShow(server.demo.showId);
    await until("the sessions ended", () => server.services.whep.viewers().total === 0, 30_000);
    expect(server.services.whep.encoderPid(server.demo.showId)).toBeUndefined();
  }, 90_000);
});

describe("WHEP turned off (WHEP_MAX_VIEWERS_PER_NODE=0)", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ synthetic: false });
  }, 60_000);
  afterAll(async () => server?.close());

  it("says webrtc.available false in the show view, and answers 503 whep_full at once, so players go to LL-HLS", async () => {
    await server.services.shows.setStatus(server.demo.showId, "live");
    expect(await offered(server, server.demo.showId)).toBe(false);
    const { pc, sdp } = await viewerOffer();
    const res = await sdpPost(server, server.demo.showId, sdp);
    await pc.close();
    expect([res.status, res.body.error.code]).toEqual([503, "whep_full"]);
  });
});
