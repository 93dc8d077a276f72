import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { Envelope } from "../../src/protocol/realtime.js";
import { login, request } from "../support/http.js";
import { createBuyer } from "../support/accounts.js";
import { ChatClient } from "../support/chat-client.js";
import { startTestServer, type TestServer } from "../support/server.js";

vi.setConfig({ testTimeout: 120_000, hookTimeout: 180_000 });

const posted = (text: string) => (e: Envelope) => e.t === "chat.posted" && (e.d as { text: string }).text === text;

describe("chat moderation over WebSocket and REST", () => {
  let server: TestServer;
  let ws: string;
  let hostCookie: string;
  let showId: string;
  const clients: ChatClient[] = [];
  const open = async (query: string, headers?: Record<string, string>) => {
    const c = await ChatClient.open(`${ws}/ws/shows/${showId}?${query}`, headers);
    clients.push(c);
    return c;
  };
  const studio = (method: string, path: string, opts: { cookie?: string; body?: unknown } = {}) =>
    request(server.url, method, `/api/studio/shows/${showId}/chat${path}`, { cookie: opts.cookie ?? hostCookie, body: opts.body });

  beforeAll(async () => {
    server = await startTestServer({ synthetic: false });
    ws = server.url.replace("http", "ws");
    showId = server.demo.showId;
    hostCookie = await login(server.url, server.demo.hostEmail, server.demo.hostPassword);
  });
  afterAll(async () => {
    for (const c of clients) c.close();
    await server?.close();
  });

  it("a deleted message and a ban reach every socket; the banned device is refused at once", async () => {
    const troll = await open("name=Troll&device=troll-device-0000000001");
    const viewer = await open("name=Vera&device=vera-device-00000000001");
    const host = await open("", { cookie: hostCookie });
    troll.send({ t: "chat.send", d: { text: "first troll line" } });
    troll.send({ t: "chat.send", d: { text: "second troll line" } });
    const first = await viewer.waitEvent(posted("first troll line"));
    const second = await viewer.waitEvent(posted("second troll line"));
    const firstId = (first.d as { id: string }).id;
    const secondId = (second.d as { id: string }).id;

    expect((await studio("DELETE", `/messages/${firstId}`)).status).toBe(200);
    for (const c of [troll, viewer, host]) await c.waitEvent((e) => e.t === "chat.deleted" && (e.d as { ids: string[] }).ids.includes(firstId));

    const ban = await studio("POST", `/messages/${secondId}/ban`, { body: { by: ["device"], deleteRecentMinutes: 10 } });
    expect(ban.status).toBe(201);
    expect(ban.body.deleted).toEqual([secondId]);
    for (const c of [troll, viewer, host]) await c.waitEvent((e) => e.t === "chat.deleted" && (e.d as { ids: string[] }).ids.includes(secondId));
    troll.send({ t: "chat.send", d: { text: "am I still here?" } });
    const refused = await troll.waitError("chat_banned");
    expect(refused.d.message).toMatch(/not chat/);
    // A new socket from the same device is refused too; other viewers chat on.
    const again = await open("name=Troll2&device=troll-device-0000000001");
    again.send({ t: "chat.send", d: { text: "new socket" } });
    await again.waitError("chat_banned");
    viewer.send({ t: "chat.send", d: { text: "peace at last" } });
    await host.waitEvent(posted("peace at last"));
    // Deleted messages are not in later snapshots.
    const late = await open("name=Late");
    const snap = late.frames.find((f) => f.t === "snapshot");
    if (snap?.t !== "snapshot") throw new Error("no snapshot");
    expect(snap.d.chat.map((m) => m.id)).not.toContain(firstId);
    expect(snap.d.chat.map((m) => m.text)).toContain("peace at last");
  });

  it("answers slow mode with the wait, and pins a host message into events and snapshots", async () => {
    expect((await studio("PATCH", "/settings", { body: { slowModeSeconds: 60 } })).body.settings).toMatchObject({ slowModeSeconds: 60 });
    const c = await open("name=Slow&device=slow-device-000000000001");
    c.send({ t: "chat.send", d: { text: "one" } });
    await c.waitEvent(posted("one"));
    c.send({ t: "chat.send", d: { text: "two" } });
    const err = await c.waitError("chat_slow_mode");
    expect(err.d.retryAfterMs).toBeGreaterThan(50_000);
    expect(err.d.retryAfterMs).toBeLessThanOrEqual(60_000);
    expect((await request(server.url, "GET", `/api/shows/${showId}/chat`)).body.settings.slowModeSeconds).toBe(60);
    await studio("PATCH", "/settings", { body: { slowModeSeconds: 0 } });

    const pin = await studio("POST", "/pin", { body: { text: "20 % off everything tonight" } });
    expect(pin.status).toBe(200);
    await c.waitEvent((e) => e.t === "chat.pinned" && (e.d as { text: string }).text === "20 % off everything tonight");
    const fresh = await open("name=Fresh");
    const snap = fresh.frames.find((f) => f.t === "snapshot");
    expect(snap?.t === "snapshot" && snap.d.pinnedChat?.text).toBe("20 % off everything tonight");
    expect((await studio("DELETE", "/pin")).status).toBe(200);
    await c.waitEvent((e) => e.t === "chat.unpinned");
  });

  it("takes viewer reports over the socket into the studio queue; the studio acts on them", async () => {
    const author = await open("name=Shady&device=shady-device-0000000001");
    const reporter = await open("name=Rita&device=rita-device-00000000001");
    const studioStream = await ChatClient.open(`${ws}/ws/studio/${showId}`, { cookie: hostCookie });
    clients.push(studioStream);
    author.send({ t: "chat.send", d: { text: "DM me for cheaper prices" } });
    const ev = await reporter.waitEvent(posted("DM me for cheaper prices"));
    const messageId = (ev.d as { id: string }).id;
    reporter.send({ t: "chat.report", d: { messageId, reason: "scam" } });
    // The studio hears of it at once (its moderation queue reloads).
    await studioStream.waitEvent((e) => e.t === "chat.reported");
    reporter.send({ t: "chat.report", d: { messageId: "msg_unknown", reason: "scam" } });
    await reporter.waitError("not_found");
    reporter.send({ t: "chat.report", d: { messageId, reason: "nonsense" } });
    await reporter.waitError("invalid_body");
    let view = await studio("GET", "/moderation");
    expect(view.status).toBe(200);
    const report = view.body.reports.find((r: { message: { id: string } }) => r.message.id === messageId);
    expect(report).toMatchObject({ reason: "scam", count: 1, message: { text: "DM me for cheaper prices", author: "Shady" } });
    const timeout = await studio("POST", `/messages/${messageId}/timeout`, { body: { minutes: 5 } });
    expect(timeout.status).toBe(201);
    author.send({ t: "chat.send", d: { text: "hello?" } });
    const muted = await author.waitError("chat_muted");
    expect(muted.d.retryAfterMs).toBeGreaterThan(4 * 60_000);
    view = await studio("GET", "/moderation");
    expect(view.body.reports.some((r: { message: { id: string } }) => r.message.id === messageId)).toBe(false);
    expect(view.body.restrictions.some((r: { kind: string; label: string }) => r.kind === "timeout" && r.label === "Shady")).toBe(true);
  });

  it("lets only the host/merchant manage, appointed moderators moderate, and refuses everyone else", async () => {
    const pw = "moderator-password-1";
    await createBuyer(server, "mod@ws.test", pw, "Moe");
    await createBuyer(server, "buyer@ws.test", pw, "Bea");
    const modCookie = await login(server.url, "mod@ws.test", pw);
    const buyerCookie = await login(server.url, "buyer@ws.test", pw);
    expect((await studio("GET", "/moderation", { cookie: "" })).status).toBe(401);
    expect((await studio("GET", "/moderation", { cookie: modCookie })).status).toBe(403);
    expect((await studio("POST", "/moderators", { cookie: modCookie, body: { email: "mod@ws.test" } })).status).toBe(403);
    expect((await studio("POST", "/moderators", { body: { email: "mod@ws.test" } })).status).toBe(201);
    const view = await studio("GET", "/moderation", { cookie: modCookie });
    expect(view.status).toBe(200);
    expect(view.body.you).toBe("moderate");

    const guest = await open("name=Gus&device=gus-device-000000000001");
    guest.send({ t: "chat.send", d: { text: "gus was here" } });
    const ev = await guest.waitEvent(posted("gus was here"));
    const id = (ev.d as { id: string }).id;
    // Moderators: delete and time out; not ban, not settings, not pin, not words, not appoint.
    expect((await studio("POST", `/messages/${id}/ban`, { cookie: modCookie, body: {} })).status).toBe(403);
    expect((await studio("PATCH", "/settings", { cookie: modCookie, body: { linksAllowed: true } })).status).toBe(403);
    expect((await studio("POST", "/pin", { cookie: modCookie, body: { text: "mine" } })).status).toBe(403);
    expect((await studio("POST", "/words", { cookie: modCookie, body: { block: ["x1"], allow: [] } })).status).toBe(403);
    expect((await studio("DELETE", `/messages/${id}`, { cookie: modCookie })).status).toBe(200);
    await guest.waitEvent((e) => e.t === "chat.deleted" && (e.d as { ids: string[] }).ids.includes(id));
    // A signed-in moderator's messages carry the moderator role and may hold links.
    const modSocket = await open("name=Moe", { cookie: modCookie });
    modSocket.send({ t: "chat.send", d: { text: "rules: https://example.com/rules" } });
    const modMsg = await guest.waitEvent(posted("rules: https://example.com/rules"));
    expect(modMsg.d).toMatchObject({ role: "moderator" });
    guest.send({ t: "chat.send", d: { text: "mine: https://example.com/x" } });
    await guest.waitError("chat_link_blocked");
    // Buyers and other signed-in accounts: 403 everywhere.
    for (const [method, path] of [
      ["GET", "/moderation"],
      ["DELETE", `/messages/${id}`],
      ["POST", `/messages/${id}/timeout`],
    ] as const) {
      expect((await studio(method, path, { cookie: buyerCookie, body: method === "POST" ? { minutes: 1 } : undefined })).status).toBe(403);
    }
    const words = await studio("POST", "/words", { body: { block: ["knallkopp"], allow: [] } });
    expect(words.body.words.block).toEqual(["knallkopp"]);
    guest.send({ t: "chat.send", d: { text: "K.N.A.L.L.K.O.P.P" } });
    await guest.waitError("chat_blocked_word");
    expect((await studio("DELETE", `/moderators/${view.body.moderators[0].id}`)).status).toBe(200);
    expect((await studio("GET", "/moderation", { cookie: modCookie })).status).toBe(403);
  });
});
