import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import WebSocket from "ws";
import type { ServerFrame } from "../../src/protocol/realtime.js";
import { login, request } from "../support/http.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { ChatClient } from "../support/chat-client.js";

vi.setConfig({ testTimeout: 300_000, hookTimeout: 180_000 });

// Close codes the server may answer garbage with: 1009 frame over 16 KiB, 1007 text frame that is not UTF-8.
const ALLOWED_CLOSE = new Set([1007, 1009]);
const FRAME_TYPES = new Set(["hello", "snapshot", "batch", "error", "pong", "reconnect"]);
// What must never come back inside a chat message: control, zero-width and bidi override/isolate characters.
const FORBIDDEN_IN_TEXT = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069]/;

type Frame = { kind: "text"; data: string } | { kind: "binary"; data: Uint8Array } | { kind: "raw-text"; data: Uint8Array };

const tricky = fc.constantFrom(
  "\u202Eevil\u202C",
  "\u2066isolate\u2069",
  "\u0000\u0001\u0007\u001b[31m",
  "\u200b\u200d\ufeff",
  "\ud800",
  "\udfff\ud800",
  "👩‍👩‍👧‍👦".repeat(40),
  "Z̸̢̧͇͈̈́̓a̵̛̖̓l̶̡̛g̷̢̛o̵",
  "<script>alert(1)</script>",
  '"},"t":"chat.posted"',
  "ｆｕｃｋ",
  "e\u0301".repeat(200),
  " ".repeat(1000),
  "\r\n\t",
);
const text = fc.oneof(
  fc.string({ unit: "binary", maxLength: 400 }),
  fc.string({ unit: "grapheme", maxLength: 300 }),
  tricky,
  fc.tuple(tricky, fc.string()).map(([a, b]) => a + b),
);
const json = fc.oneof(
  text.map((t) => ({ t: "chat.send", d: { text: t } })),
  fc.record({ t: fc.constantFrom("chat.send", "chat.report", "reaction.send", "ping"), d: fc.anything() }),
  fc.record({ t: fc.string(), d: fc.anything() }),
  fc.record({ t: fc.constant("chat.report"), d: fc.record({ messageId: fc.string({ maxLength: 80 }), reason: fc.constantFrom("spam", "abuse", "x") }) }),
  fc.anything(),
  fc.jsonValue({ maxDepth: 8 }),
  fc.constant({ t: "chat.send", d: { text: "ok", extra: { __proto__: { polluted: true } } } }),
  fc.constant(JSON.parse('{"__proto__": {"t": "chat.send"}, "t": "ping"}')),
);
const frame: fc.Arbitrary<Frame> = fc.oneof(
  { weight: 5, arbitrary: json.map((j) => ({ kind: "text" as const, data: JSON.stringify(j) ?? "null" })) },
  { weight: 2, arbitrary: fc.string({ unit: "binary", maxLength: 300 }).map((s) => ({ kind: "text" as const, data: s })) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 300 }).map((b) => ({ kind: "binary" as const, data: b })) },
  { weight: 1, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 64 }).map((b) => ({ kind: "raw-text" as const, data: b })) },
  {
    weight: 1,
    arbitrary: fc
      .integer({ min: 4000, max: 20_000 })
      .map((n) => ({ kind: "text" as const, data: JSON.stringify({ t: "chat.send", d: { text: "y".repeat(n) } }) })),
  },
  { weight: 1, arbitrary: fc.nat({ max: 2000 }).map((n) => ({ kind: "text" as const, data: "[".repeat(n + 1) })) },
);

const closedPromise = (c: ChatClient) =>
  new Promise<void>((resolve) => (c.closed || c.ws.readyState === WebSocket.CLOSED ? resolve() : c.ws.once("close", () => resolve())));

function sendFrame(ws: WebSocket, f: Frame) {
  if (ws.readyState !== WebSocket.OPEN) return;
  // raw-text: arbitrary bytes in a *text* frame (often not UTF-8: the server must close with 1007, not crash).
  if (f.kind === "text") ws.send(f.data);
  else ws.send(f.data, { binary: f.kind === "binary" });
}

describe("chat fuzzing over a real WebSocket", () => {
  let server: TestServer;
  let wsBase: string;
  let showId: string;
  let host: ChatClient;
  let observer: ChatClient;
  let probes = 0;
  const clients: ChatClient[] = [];

  beforeAll(async () => {
    server = await startTestServer({ synthetic: false });
    wsBase = server.url.replace("http", "ws");
    showId = server.demo.showId;
    const cookie = await login(server.url, server.demo.hostEmail, server.demo.hostPassword);
    host = await ChatClient.open(`${wsBase}/ws/shows/${showId}`, { cookie });
    observer = await ChatClient.open(`${wsBase}/ws/shows/${showId}?name=Observer`);
    clients.push(host, observer);
  });
  afterAll(async () => {
    for (const c of clients) c.close();
    await server?.close();
  });

  /** The host posts; the observer must receive it: the server is alive and fans out to others. */
  async function probe() {
    const t = `probe ${++probes}`;
    host.send({ t: "chat.send", d: { text: t } });
    await observer.waitEvent((e) => e.t === "chat.posted" && (e.d as { text: string }).text === t, 20_000);
    expect((await request(server.url, "GET", `/api/shows/${showId}`)).status).toBe(200);
  }

  /** Every frame a fuzzed socket got back is a known, well-formed frame; chat text in it is clean. */
  function checkFrames(c: ChatClient) {
    for (const f of c.frames as ServerFrame[]) {
      expect(FRAME_TYPES.has(f.t)).toBe(true);
      if (f.t === "error") expect(typeof f.d.code).toBe("string");
      if (f.t === "batch") {
        for (const e of f.d) if (e.t === "chat.posted") expect(FORBIDDEN_IN_TEXT.test((e.d as { text: string }).text)).toBe(false);
      }
    }
    if (c.closed) expect(ALLOWED_CLOSE.has(c.closed.code)).toBe(true);
  }

  it("answers each kind of bad input with its error code and keeps the socket", async () => {
    const c = await ChatClient.open(`${wsBase}/ws/shows/${showId}?name=Edge&device=edge-device-000000000001`);
    clients.push(c);
    c.send("{not json");
    await c.waitError("invalid_json");
    c.ws.send(Buffer.from([0, 1, 2, 3]), { binary: true });
    await c.waitFor((f) => f.t === "error" && f.d.code === "invalid_body" && /JSON text frames/.test(f.d.message));
    c.send({ t: "chat.nuke", d: {} });
    await c.waitFor((f) => f.t === "error" && f.d.code === "invalid_body" && /^t:/.test(f.d.message));
    c.send({ t: "chat.send", d: { text: "\u202E\u0000 \u200b" } });
    await c.waitFor((f) => f.t === "error" && f.d.code === "invalid_body" && /empty/.test(f.d.message));
    c.send({ t: "chat.send", d: { text: "abc\u202Edef\u0007ghi" } });
    const ev = await observer.waitEvent((e) => e.t === "chat.posted" && (e.d as { text: string }).text === "abc def ghi");
    expect((ev.d as { author: string }).author).toBe("Edge");
    c.send({ t: "ping" });
    await c.waitFor((f) => f.t === "pong");
    expect(c.closed).toBeNull();
  });
  it("survives random frames: the server never crashes, other clients keep receiving, errors are frames or close codes", async () => {
    let sockets = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(frame, { minLength: 1, maxLength: 25 }), fc.boolean(), async (frames, signedDevice) => {
        const c = await ChatClient.open(
          `${wsBase}/ws/shows/${showId}?name=${encodeURIComponent("Fuzz\u202E")}${signedDevice ? `&device=fuzz-device-${++sockets}-0000000000` : ""}`,
        );
        clients.push(c);
        for (const f of frames) sendFrame(c.ws, f);
        c.send({ t: "ping" });
        // Either the socket answers the ping (still open) or it was closed with an allowed code.
        await Promise.race([c.waitFor((f) => f.t === "pong", 20_000), closedPromise(c)]);
        await new Promise((r) => setTimeout(r, 50));
        checkFrames(c);
        c.close();
        await probe();
      }),
      { numRuns: 40 },
    );
    expect(host.closed).toBeNull();
    expect(observer.closed).toBeNull();
  });

  it("closes a 1 MB text frame and a 1 MB binary frame with 1009, and the room carries on", async () => {
    for (const binary of [false, true]) {
      const c = await ChatClient.open(`${wsBase}/ws/shows/${showId}?name=Big`);
      clients.push(c);
      const big = Buffer.alloc(1024 * 1024, binary ? 0xff : 0x61);
      c.ws.send(binary ? big : JSON.stringify({ t: "chat.send", d: { text: big.toString("latin1") } }), { binary });
      await closedPromise(c);
      expect(c.closed?.code).toBe(1009);
      await probe();
    }
  });
});
