import { afterEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { startTestServer, type TestServer } from "../support/server.js";
import { until } from "../support/until.js";

function open(url: string, opts: WebSocket.ClientOptions = {}) {
  const ws = new WebSocket(url, opts);
  const frames: { t: string; d: unknown }[] = [];
  ws.on("message", (raw) => frames.push(JSON.parse(raw.toString())));
  const closed = new Promise<{ code: number }>((resolve) => ws.on("close", (code) => resolve({ code })));
  const opened = new Promise((resolve, reject) => {
    ws.once("open", resolve);
    ws.once("error", reject);
  });
  return { ws, frames, closed, opened };
}

describe("realtime operations", () => {
  let server: TestServer | null = null;
  afterEach(async () => {
    await server?.close();
    server = null;
  }, 180_000);

  it("reaps a socket that stops answering pings, and keeps one that answers", async () => {
    server = await startTestServer({ synthetic: false, env: { REALTIME_HEARTBEAT_MS: "150", METRICS_LISTEN: "127.0.0.1:0" } });
    const base = server.url.replace("http", "ws");
    const dead = open(`${base}/ws/shows/${server.demo.showId}`, { autoPong: false });
    const live = open(`${base}/ws/shows/${server.demo.showId}`);
    await Promise.all([dead.opened, live.opened]);
    const { code } = await dead.closed;
    expect(code).toBe(1006); // terminated without a close handshake
    await new Promise((r) => setTimeout(r, 500));
    expect(live.ws.readyState).toBe(WebSocket.OPEN);
    // Without METRICS_TOKEN /metrics is only on the METRICS_LISTEN listener.
    const metrics = await (await fetch(`http://127.0.0.1:${server.metricsPort}/metrics`)).text();
    expect(metrics).toMatch(/^showcart_realtime_sockets_reaped_total 1$/m);
    expect(metrics).toMatch(/^showcart_realtime_sockets 1$/m);
    expect(metrics).toMatch(/^showcart_nodejs_eventloop_lag_seconds /m);
    live.ws.close();
  }, 180_000);

  it("counts commands, delivered events and batch sizes in /metrics", async () => {
    server = await startTestServer({ synthetic: false, env: { METRICS_TOKEN: "metrics-token-for-tests" } });
    const base = server.url.replace("http", "ws");
    const a = open(`${base}/ws/shows/${server.demo.showId}?name=A`);
    const b = open(`${base}/ws/shows/${server.demo.showId}?name=B`);
    await Promise.all([a.opened, b.opened]);
    await until("snapshots", () => a.frames.some((f) => f.t === "snapshot") && b.frames.some((f) => f.t === "snapshot"));
    a.ws.send(JSON.stringify({ t: "chat.send", d: { text: "hello metrics" } }));
    a.ws.send("not json");
    await until("chat delivered", () => b.frames.some((f) => f.t === "batch" && JSON.stringify(f.d).includes("hello metrics")));
    const metrics = await (await fetch(`${server.url}/metrics`, { headers: { authorization: "Bearer metrics-token-for-tests" } })).text();
    expect(metrics).toMatch(/^showcart_realtime_commands_in_total\{type="chat.send"\} 1$/m);
    expect(metrics).toMatch(/^showcart_realtime_events_delivered_total [1-9]\d*$/m);
    expect(metrics).toMatch(/^showcart_realtime_room_sockets\{room="shw_[^"]+"\} 2$/m);
    expect(metrics).toMatch(/^showcart_realtime_batch_events_count [1-9]\d*$/m);
    a.ws.close();
    b.ws.close();
  }, 180_000);

  it("counts reactions server-side and sends the totals per tick, not one event per tap", async () => {
    server = await startTestServer({ synthetic: false });
    const base = server.url.replace("http", "ws");
    const sender = open(`${base}/ws/shows/${server.demo.showId}`);
    const watcher = open(`${base}/ws/shows/${server.demo.showId}`);
    await Promise.all([sender.opened, watcher.opened]);
    await until("snapshots", () => sender.frames.some((f) => f.t === "snapshot") && watcher.frames.some((f) => f.t === "snapshot"));
    for (let i = 0; i < 5; i++) sender.ws.send(JSON.stringify({ t: "reaction.send", d: { emoji: "❤️" } }));
    for (let i = 0; i < 2; i++) sender.ws.send(JSON.stringify({ t: "reaction.send", d: { emoji: "🔥" } }));
    sender.ws.send(JSON.stringify({ t: "reaction.send", d: { emoji: "<script>" } }));
    const totals = () => {
      const sum: Record<string, number> = {};
      let events = 0;
      for (const f of watcher.frames) {
        if (f.t !== "batch") continue;
        for (const e of f.d as { t: string; d: { counts: Record<string, number> } }[]) {
          if (e.t !== "reactions.counted") continue;
          events++;
          for (const [k, n] of Object.entries(e.d.counts)) sum[k] = (sum[k] ?? 0) + n;
        }
      }
      return { sum, events };
    };
    await until("reaction totals", () => totals().sum["❤️"] === 5 && totals().sum["🔥"] === 2);
    expect(totals().events).toBeLessThan(7);
    await until("invalid emoji refused", () => sender.frames.some((f) => f.t === "error" && (f.d as { code: string }).code === "invalid_body"));
    // A storm is capped per connection (20 at once, then 10 per second).
    for (let i = 0; i < 200; i++) sender.ws.send(JSON.stringify({ t: "reaction.send", d: { emoji: "👏" } }));
    await new Promise((r) => setTimeout(r, 400));
    expect(totals().sum["👏"] ?? 0).toBeLessThanOrEqual(30);
    expect(totals().sum["👏"] ?? 0).toBeGreaterThanOrEqual(10);
    sender.ws.close();
    watcher.ws.close();
  }, 180_000);

  it("tells every client to reconnect, with a spread delay, when the server shuts down", async () => {
    server = await startTestServer({ synthetic: false });
    const c = open(`${server.url.replace("http", "ws")}/ws/shows/${server.demo.showId}`);
    await c.opened;
    await until("snapshot", () => c.frames.some((f) => f.t === "snapshot"));
    const closing = server.close();
    server = null;
    const { code } = await c.closed;
    await closing;
    expect(code).toBe(1012);
    const notice = c.frames.find((f) => f.t === "reconnect") as { d: { afterMs: number } } | undefined;
    expect(notice?.d.afterMs).toBeGreaterThanOrEqual(0);
    expect(notice?.d.afterMs).toBeLessThan(2000);
  }, 180_000);
});
