import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RTCPeerConnection as WeriftPeerConnection, useH264, useOPUS } from "werift";
import { ManualClock } from "../../src/server/platform/clock.js";
import { createBuyer } from "../support/accounts.js";
import { backends } from "../support/db.js";
import { ChatClient } from "../support/chat-client.js";
import { orderBody } from "../support/fixtures.js";
import { login, postOrder, request } from "../support/http.js";
import { startTestServer, type TestServer } from "../support/server.js";

// A Chromium-shaped offer without a video section (audio only), and one that is not SDP at all.
const AUDIO_ONLY_OFFER = [
  "v=0",
  "o=- 1 2 IN IP4 127.0.0.1",
  "s=-",
  "t=0 0",
  "a=group:BUNDLE 0",
  "m=audio 9 UDP/TLS/RTP/SAVPF 111",
  "c=IN IP4 0.0.0.0",
  "a=mid:0",
  "a=sendonly",
  "a=rtpmap:111 opus/48000/2",
  "a=fingerprint:sha-256 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF",
  "a=setup:actpass",
  "a=ice-ufrag:abcd",
  "a=ice-pwd:abcdefghijklmnopqrstuvwx",
  "",
].join("\r\n");

/** A real sendonly offer (werift as the client); it never connects, so its session stays "connecting" until ended. */
async function weriftOffer(): Promise<{ sdp: string; close(): Promise<void> }> {
  const pc = new WeriftPeerConnection({ codecs: { video: [useH264()], audio: [useOPUS()] } });
  pc.addTransceiver("audio", { direction: "sendonly" });
  pc.addTransceiver("video", { direction: "sendonly" });
  await pc.setLocalDescription(await pc.createOffer());
  return { sdp: pc.localDescription!.sdp, close: () => pc.close() };
}

describe.each(backends)("the stage's invites, states and errors (%s)", (backend) => {
  let server: TestServer;
  const clock = new ManualClock("2026-11-02T10:00:00Z");
  let host: string;
  let showId: string;
  const buyers: { cookie: string; id: string }[] = [];

  beforeAll(async () => {
    server = await startTestServer({ backend, clock, synthetic: false, sweepers: false });
    showId = server.demo.showId;
    host = await login(server.url, server.demo.hostEmail, server.demo.hostPassword);
    for (const name of ["Ada", "Bo", "Cy"]) {
      const b = await createBuyer(server, `${name.toLowerCase()}@stage.test`, "stage-password-1", name);
      buyers.push({ cookie: b.cookie, id: b.account.id });
    }
  }, 120_000);
  afterAll(async () => server?.close());

  const invite = async (body: object = {}) => {
    const res = await request(server.url, "POST", `/api/studio/shows/${showId}/stage/invites`, { cookie: host, body });
    expect(res.status).toBe(201);
    return res.body.invite as { token: string; url: string; expiresAt: string };
  };

  it("lets one account claim a co-host link; a second person gets invite_used, the first gets their participant back", async () => {
    const link = await invite({ role: "cohost" });
    expect(link.url).toContain(`/stage/${showId}?invite=`);
    const [a, b] = buyers;
    // Both at once: one conditional update decides.
    const both = await Promise.all(
      [a!, b!].map((who) => request(server.url, "POST", "/api/stage/accept", { cookie: who.cookie, body: { token: link.token } })),
    );
    const won = both.find((r) => r.status === 201)!;
    const lost = both.find((r) => r.status !== 201)!;
    expect(lost.status).toBe(409);
    expect(lost.body.error.code).toBe("invite_used");
    expect(won.body.participant).toMatchObject({ role: "cohost", state: "waiting", publishing: false });
    const winner = won.body.participant.accountId === a!.id ? a! : b!;
    const again = await request(server.url, "POST", "/api/stage/accept", { cookie: winner.cookie, body: { token: link.token } });
    expect(again.status).toBe(201);
    expect(again.body.participant.id).toBe(won.body.participant.id);
    // The new stage token works; the old one was replaced.
    const room = await request(server.url, "GET", `/api/shows/${showId}/stage/room`, { headers: { authorization: `Bearer ${again.body.stageToken}` } });
    expect(room.status).toBe(200);
    expect(room.body.me.id).toBe(won.body.participant.id);
    const old = await request(server.url, "GET", `/api/shows/${showId}/stage/room`, { headers: { authorization: `Bearer ${won.body.stageToken}` } });
    expect(old.body.error.code).toBe("stage_token_invalid");
  });

  it("refuses an expired invite with invite_expired, and a forged one with not_found", async () => {
    const link = await invite({ role: "guest", expiresInMinutes: 5 });
    clock.advance(5 * 60_000);
    const res = await request(server.url, "POST", "/api/stage/accept", { cookie: buyers[2]!.cookie, body: { token: link.token } });
    expect(res.status).toBe(410);
    expect(res.body.error.code).toBe("invite_expired");
    const forged = await request(server.url, "POST", "/api/stage/accept", {
      cookie: buyers[2]!.cookie,
      body: { token: `${link.token.split(".")[0]}.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA` },
    });
    expect(forged.body.error.code).toBe("not_found");
  });

  it("moves a participant waiting → on stage → waiting, records the interval, and only the show's managers may", async () => {
    const link = await invite({ role: "guest" });
    const guest = buyers[2]!;
    const joined = await request(server.url, "POST", "/api/stage/accept", { cookie: guest.cookie, body: { token: link.token, displayName: "Cy on stage" } });
    expect(joined.status).toBe(201);
    const pid = joined.body.participant.id as string;
    const p = (action: string) => `/api/studio/shows/${showId}/stage/participants/${pid}/${action}`;
    // A viewer (even the participant) cannot bring anyone on stage: the studio's 403.
    const self = await request(server.url, "POST", p("bring-on"), { cookie: guest.cookie });
    expect(self.status).toBe(403);
    expect(self.body.error.code).toBe("forbidden");
    const anon = await request(server.url, "POST", p("bring-on"));
    expect(anon.status).toBe(401);

    const on = await request(server.url, "POST", p("bring-on"), { cookie: host });
    expect(on.body.participant).toMatchObject({ state: "on_stage", displayName: "Cy on stage" });
    clock.advance(60_000);
    const muted = await request(server.url, "POST", p("mute"), { cookie: host, body: { muted: true } });
    expect(muted.body.participant.muted).toBe(true);
    const off = await request(server.url, "POST", p("take-off"), { cookie: host });
    expect(off.body.participant.state).toBe("waiting");
    const intervals = await server.db.db.selectFrom("stage_intervals").selectAll().where("participant_id", "=", pid).execute();
    expect(intervals).toHaveLength(1);
    expect(new Date(intervals[0]!.ended_at!).getTime() - new Date(intervals[0]!.started_at).getTime()).toBe(60_000);

    const view = await request(server.url, "GET", `/api/studio/shows/${showId}/stage`, { cookie: host });
    expect(view.body.stage.participants.map((x: { id: string; state: string }) => [x.id, x.state])).toContainEqual([pid, "waiting"]);
    const layout = await request(server.url, "PUT", `/api/studio/shows/${showId}/stage/layout`, { cookie: host, body: { layout: "pip" } });
    expect(layout.body.stage.layout).toBe("pip");
    const badLayout = await request(server.url, "PUT", `/api/studio/shows/${showId}/stage/layout`, { cookie: host, body: { layout: "grid" } });
    expect(badLayout.body.error.code).toBe("invalid_body");

    // Leaving (the guest's DELETE) ends the participation; the token stops working.
    const token = joined.body.stageToken as string;
    const left = await request(server.url, "DELETE", `/api/shows/${showId}/stage/whip`, { headers: { authorization: `Bearer ${token}` } });
    expect(left.status).toBe(204);
    const after = await request(server.url, "POST", p("bring-on"), { cookie: host });
    expect(after.body.error.code).toBe("stage_not_ready");
  });

  it("answers a WHIP offer without video with invalid_sdp (guest and host), and a missing token with stage_token_invalid", async () => {
    const link = await invite({ role: "guest" });
    const joined = await request(server.url, "POST", "/api/stage/accept", { cookie: buyers[0]!.cookie, body: { token: link.token } });
    const auth = { authorization: `Bearer ${joined.body.stageToken}`, "content-type": "application/sdp" };
    const guest = await request(server.url, "POST", `/api/shows/${showId}/stage/whip`, { raw: AUDIO_ONLY_OFFER, headers: auth });
    expect(guest.status).toBe(400);
    expect(guest.body.error.code).toBe("invalid_sdp");
    const notSdp = await request(server.url, "POST", `/api/shows/${showId}/stage/whip`, { raw: "hello", headers: auth });
    expect(notSdp.body.error.code).toBe("invalid_sdp");
    const hostOffer = await request(server.url, "POST", `/api/studio/shows/${showId}/stage/whip`, {
      cookie: host,
      raw: AUDIO_ONLY_OFFER,
      headers: { "content-type": "application/sdp" },
    });
    expect(hostOffer.body.error.code).toBe("invalid_sdp");
    // The refused offer did not put the host on stage.
    const view = await request(server.url, "GET", `/api/studio/shows/${showId}/stage`, { cookie: host });
    expect(view.body.stage.participants.filter((x: { role: string }) => x.role === "host")).toEqual([]);
    const none = await request(server.url, "POST", `/api/shows/${showId}/stage/whip`, {
      raw: AUDIO_ONLY_OFFER,
      headers: { "content-type": "application/sdp" },
    });
    expect(none.status).toBe(401);
    expect(none.body.error.code).toBe("stage_token_invalid");
  });

  it("brings a signed-in chat viewer on stage by request: they see it, accept, and nobody else can take it", async () => {
    // An account with no stage participation yet: the first test's co-host race may have been won by Ada or by Bo.
    const flo = await createBuyer(server, "flo@stage.test", "stage-password-1", "Flo");
    const viewer = { cookie: flo.cookie, id: flo.account.id };
    const account = await server.services.accounts.account(viewer.id);
    const msg = await server.services.chat.post(
      showId,
      { account, name: "Flo", deviceId: null, ip: "127.0.0.1", connectionId: "c1" },
      "Can I show my unboxing?",
    );
    const asked = await request(server.url, "POST", `/api/studio/shows/${showId}/stage/requests`, { cookie: host, body: { messageId: msg.id } });
    expect(asked.status).toBe(201);
    expect(asked.body.participant).toMatchObject({ state: "invited", role: "guest", displayName: "Flo" });
    const other = await request(server.url, "GET", `/api/shows/${showId}/stage/invitation`, { cookie: buyers[0]!.cookie });
    expect(other.body.invitation).toBeNull();
    const mine = await request(server.url, "GET", `/api/shows/${showId}/stage/invitation`, { cookie: viewer.cookie });
    expect(mine.body.invitation.token).toBeTruthy();
    const stolen = await request(server.url, "POST", "/api/stage/accept", { cookie: buyers[0]!.cookie, body: { token: mine.body.invitation.token } });
    expect(stolen.status).toBe(403);
    const accepted = await request(server.url, "POST", "/api/stage/accept", { cookie: viewer.cookie, body: { token: mine.body.invitation.token } });
    expect(accepted.body.participant).toMatchObject({ id: asked.body.participant.id, state: "waiting" });
  });

  it("gives a remote co-host their split only for live orders placed while they are on stage", async () => {
    const { accounts, shows, commissions } = server.services;
    const show = await shows.show(showId);
    const cohost = await accounts.createAccount({
      email: "cohost@stage.test",
      password: "stage-password-1",
      displayName: "Cora",
      role: "host",
      merchantId: show.merchantId,
    });
    await server.db.db
      .insertInto("show_hosts")
      .values([
        { show_id: showId, account_id: show.hostAccountId, share_bp: 7000 },
        { show_id: showId, account_id: cohost.id, share_bp: 3000 },
      ])
      .execute();
    await shows.setStatus(showId, "live");
    const offerId = (await request(server.url, "GET", `/api/shows/${showId}`)).body.show.offers.find((o: { pinned: boolean }) => o.pinned).id as string;
    const hostsOf = async () => {
      const placed = await postOrder(server.url, orderBody(offerId));
      expect(placed.status).toBe(201);
      return (await commissions.attributionOf(placed.body.order.id))!.hosts.map((h) => [h.accountId === cohost.id ? "cohost" : "host", h.shareBp]).sort();
    };
    const link = await invite({ role: "cohost" });
    const joined = await request(server.url, "POST", "/api/stage/accept", {
      cookie: await login(server.url, "cohost@stage.test", "stage-password-1"),
      body: { token: link.token },
    });
    const pid = joined.body.participant.id as string;
    // Waiting in the wings: the whole commission is the host's.
    expect(await hostsOf()).toEqual([["host", 10_000]]);
    await request(server.url, "POST", `/api/studio/shows/${showId}/stage/participants/${pid}/bring-on`, { cookie: host });
    clock.advance(1_000);
    expect(await hostsOf()).toEqual([
      ["cohost", 3000],
      ["host", 7000],
    ]);
    await request(server.url, "POST", `/api/studio/shows/${showId}/stage/participants/${pid}/take-off`, { cookie: host });
    clock.advance(1_000);
    expect(await hostsOf()).toEqual([["host", 10_000]]);
  });

  // The one-publisher rule across the host's plain WHIP and the stage host's publish, in both orders. Nothing here
  // connects (werift offers): a session counts from its answer, which is the window the rule has to cover.
  const sdp = { "content-type": "application/sdp" };
  const plainWhip = (offer: string) => request(server.url, "POST", `/api/shows/${showId}/whip`, { cookie: host, raw: offer, headers: sdp });
  const stageWhip = (offer: string) => request(server.url, "POST", `/api/studio/shows/${showId}/stage/whip`, { cookie: host, raw: offer, headers: sdp });
  const hostOnStage = async () => {
    const view = await request(server.url, "GET", `/api/studio/shows/${showId}/stage`, { cookie: host });
    return view.body.stage.participants.find((x: { role: string }) => x.role === "host") as { state: string; publishing: boolean } | undefined;
  };

  it("refuses the stage host's publish with already_publishing while the host publishes by plain WHIP", async () => {
    const [first, second] = await Promise.all([weriftOffer(), weriftOffer()]);
    try {
      const plain = await plainWhip(first.sdp);
      expect(plain.status).toBe(201);
      const stage = await stageWhip(second.sdp);
      expect(stage.status).toBe(409);
      expect(stage.body.error.code).toBe("already_publishing");
      // The plain publish carries on: still the show's one program session, and nothing publishes to the stage.
      expect(server.services.whipSessions.programOf(showId).map((s) => s.role)).toEqual(["host"]);
      expect((await hostOnStage())?.publishing ?? false).toBe(false);
      const location = new URL(plain.headers.get("location")!).pathname;
      expect((await request(server.url, "DELETE", location, { cookie: host })).status).toBe(200);
    } finally {
      await Promise.all([first.close(), second.close()]);
    }
  });

  it("refuses a plain WHIP publish with already_publishing while the host publishes to the stage", async () => {
    const [first, second] = await Promise.all([weriftOffer(), weriftOffer()]);
    try {
      const stage = await stageWhip(first.sdp);
      expect(stage.status).toBe(201);
      const plain = await plainWhip(second.sdp);
      expect(plain.status).toBe(409);
      expect(plain.body.error.code).toBe("already_publishing");
      // The stage publish carries on: the host is on stage with a camera, the show's one program session.
      expect(await hostOnStage()).toMatchObject({ state: "on_stage", publishing: true });
      expect(server.services.whipSessions.programOf(showId).map((s) => s.role)).toEqual(["stage_host"]);
      expect((await request(server.url, "DELETE", `/api/studio/shows/${showId}/stage/whip`, { cookie: host })).status).toBe(204);
      expect(server.services.whipSessions.programOf(showId)).toEqual([]);
    } finally {
      await Promise.all([first.close(), second.close()]);
    }
  });

  it("delivers the host's request to the asked viewer's own sockets only, again after a reconnect, and takes a decline", async () => {
    const [dee, eve] = await Promise.all(["Dee", "Eve"].map((n) => createBuyer(server, `${n.toLowerCase()}@stage.test`, "stage-password-1", n)));
    const ws = `${server.url.replace(/^http/, "ws")}/ws/shows/${showId}`;
    const open = (cookie?: string) => ChatClient.open(ws, cookie ? { cookie } : {});
    const [deeTab, deeOtherTab, eveTab, anonymous] = await Promise.all([open(dee!.cookie), open(dee!.cookie), open(eve!.cookie), open()]);
    const sockets = [deeTab, deeOtherTab, eveTab, anonymous];
    try {
      const account = await server.services.accounts.account(dee!.account.id);
      const msg = await server.services.chat.post(showId, { account, name: "Flo", deviceId: null, ip: "127.0.0.1", connectionId: "c-dee" }, "Me next!");
      const asked = await request(server.url, "POST", `/api/studio/shows/${showId}/stage/requests`, { cookie: host, body: { messageId: msg.id } });
      expect(asked.status).toBe(201);
      const invited = (f: { t: string }) => f.t === "stage.invited";
      const frame = await deeTab.waitFor(invited);
      const hostName = (await server.services.shows.show(showId)).hostName;
      expect(frame).toMatchObject({ t: "stage.invited", d: { hostName } });
      // Personal, not a room event: no seq, no token (the page fetches it on Accept).
      expect(JSON.stringify(frame)).not.toMatch(/token|"seq"/);
      await deeOtherTab.waitFor(invited);
      // One synchronous send to the account's sockets on this node: nobody else got it, now or in the room's history.
      expect(eveTab.frames.filter(invited)).toEqual([]);
      expect(anonymous.frames.filter(invited)).toEqual([]);
      expect(JSON.stringify([...eveTab.frames, ...anonymous.frames])).not.toContain("stage.invited");

      // A reconnect (a reload, a dropped phone) shows the pending request again.
      const back = await open(dee!.cookie);
      sockets.push(back);
      expect(await back.waitFor(invited)).toMatchObject({ d: { hostName } });

      // Decline: the invite is used up, the studio sees "declined", a second decline finds nothing.
      const { token } = (await request(server.url, "GET", `/api/shows/${showId}/stage/invitation`, { cookie: dee!.cookie })).body.invitation;
      const declined = await request(server.url, "DELETE", `/api/shows/${showId}/stage/invitation`, { cookie: dee!.cookie });
      expect(declined.status).toBe(204);
      const view = await request(server.url, "GET", `/api/studio/shows/${showId}/stage`, { cookie: host });
      expect(view.body.stage.participants.find((x: { id: string }) => x.id === asked.body.participant.id)).toMatchObject({ state: "declined" });
      const again = await request(server.url, "DELETE", `/api/shows/${showId}/stage/invitation`, { cookie: dee!.cookie });
      expect([again.status, again.body.error.code]).toEqual([404, "not_found"]);
      expect((await request(server.url, "GET", `/api/shows/${showId}/stage/invitation`, { cookie: dee!.cookie })).body.invitation).toBeNull();
      const late = await request(server.url, "POST", "/api/stage/accept", { cookie: dee!.cookie, body: { token } });
      expect([late.status, late.body.error.code]).toEqual([409, "stage_not_ready"]);

      // Asked again after declining: a new request reaches the viewer; the declined one is taken off the list.
      const before = deeTab.frames.filter(invited).length;
      const reasked = await request(server.url, "POST", `/api/studio/shows/${showId}/stage/requests`, { cookie: host, body: { messageId: msg.id } });
      expect(reasked.body.participant).toMatchObject({ state: "invited" });
      expect(reasked.body.participant.id).not.toBe(asked.body.participant.id);
      await deeTab.waitFor(() => deeTab.frames.filter(invited).length > before);
      const removed = await request(server.url, "POST", `/api/studio/shows/${showId}/stage/participants/${asked.body.participant.id}/take-off`, {
        cookie: host,
      });
      expect(removed.body.participant.state).toBe("off");

      // The host withdraws the new request before it is answered: nothing pending any more, Accept finds it expired.
      const { token: newToken } = (await request(server.url, "GET", `/api/shows/${showId}/stage/invitation`, { cookie: dee!.cookie })).body.invitation;
      const withdrawn = await request(server.url, "POST", `/api/studio/shows/${showId}/stage/participants/${reasked.body.participant.id}/take-off`, {
        cookie: host,
      });
      expect(withdrawn.body.participant.state).toBe("off");
      // The viewer's open dialog is told (a personal frame to the asked account's sockets, nobody else's).
      const gone = (f: { t: string }) => f.t === "stage.withdrawn";
      expect(await deeTab.waitFor(gone)).toEqual({ t: "stage.withdrawn", d: {} });
      await deeOtherTab.waitFor(gone);
      // One: taking the declined request off the list above told the viewer nothing (they had answered it; frames
      // arrive in the order they were published, so an earlier one would be here by now).
      expect(deeTab.frames.filter(gone)).toHaveLength(1);
      expect([...eveTab.frames, ...anonymous.frames].filter(gone)).toEqual([]);
      expect((await request(server.url, "GET", `/api/shows/${showId}/stage/invitation`, { cookie: dee!.cookie })).body.invitation).toBeNull();
      const tooLate = await request(server.url, "POST", "/api/stage/accept", { cookie: dee!.cookie, body: { token: newToken } });
      expect([tooLate.status, tooLate.body.error.code]).toEqual([410, "invite_expired"]);
    } finally {
      for (const c of sockets) c.close();
    }
  });
});
