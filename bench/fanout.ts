import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import fs from "node:fs";
import { createServer } from "node:http";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Agent, request } from "undici";
import WebSocket, { WebSocketServer } from "ws";
import { inflateMessage, RawWs } from "./raw-ws.js";
import { round, startChildServer, type ChildServer } from "./support.js";

// Fan-out: N sockets in one show, a mixed load (chat, reactions, stock changes), the server in its own process and
// the clients in several others. Baseline in the same run: a plain `ws` server that broadcasts every event as its own
// frame to every socket (serialised once per event), offered the same load by the same clients.

export interface FanoutArgs {
  sockets?: number;
  seconds?: number;
  nodes?: number;
  deflate?: boolean;
  chatPerSecond?: number;
  reactionsPerSecond?: number;
  stockPerSecond?: number;
  workers?: number;
  /** Skip the baseline (e.g. for the deflate variant). */
  baseline?: boolean;
  databaseUrl?: string;
  redisUrl?: string;
  /** Processes that each keep one core busy for the whole run (the server's and the baseline's alike). */
  cpuHog?: number;
  /** More settings for the servers (the analytics bench turns recording on and off with ANALYTICS). */
  env?: Record<string, string>;
}

type Mode = "showcart" | "baseline";

interface WorkerStart {
  mode: Mode;
  urls: string[];
  sockets: number;
  offset: number;
  /** Sockets of this worker that send chat and reactions. */
  senders: number;
  chatPerSecond: number;
  reactionsPerSecond: number;
}

interface WorkerResult {
  connected: number;
  closed: number;
  /** Sockets the server closed (slow, restart) that came back with since/epoch. */
  reconnects: number;
  /** Chat messages left out of frames for `chat.trimmed` markers, summed over sockets. */
  skipped: number;
  frames: number;
  /** Of those, frames that arrived compressed. */
  deflated: number;
  events: number;
  /** Per socket and offer: stock versions received, and the first/last of them (to count coalesced changes). */
  stockReceived: number;
  stockSpan: number;
  /** A version lower than one the socket had already received (must never happen). */
  stockBackwards: number;
  /** Per offer, the last stock version each socket ended with (offer → version → sockets). */
  finals: Record<string, Record<string, number>>;
  /** Per offer, the lowest version any socket of the worker received while the load ran. */
  firsts: Record<string, number>;
  /** Latency histogram in 1 ms buckets (last bucket: ≥ 10 s). */
  hist: number[];
  errors: Record<string, number>;
}

const HIST = 10_001;
// Chat lines of 3–10 words, so frames compress like real chat (not like one repeated line).
const WORDS =
  "hallo super toll wie viel kostet das ist es noch da ich will haben wow schön farbe größe love this price link please size medium omg 😍 gift for my sister".split(
    " ",
  );
const chatLine = () => Array.from({ length: 3 + Math.floor(Math.random() * 8) }, () => WORDS[Math.floor(Math.random() * WORDS.length)]).join(" ");
const progress = (msg: string) => process.stderr.write(`[fanout ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
const self = fileURLToPath(import.meta.url);

// ---- client worker (a child process): opens its share of the sockets, sends its share of chat and reactions ----

async function worker() {
  const send = (m: unknown) => process.send!(m);
  const cfg = await new Promise<WorkerStart>((r) => process.once("message", (m) => r(m as WorkerStart)));
  const sockets: RawWs[] = [];
  const stats = { frames: 0, deflated: 0, events: 0, closed: 0, reconnects: 0, skipped: 0 };
  // Per socket: the room position it has seen (a socket closed by the server comes back with since/epoch, as the web
  // client does); the parent stops reconnects when it asks for the report.
  const seqOf: number[] = [];
  const epochOf: string[] = [];
  let stopping = false;
  const hist = new Array<number>(HIST).fill(0);
  const errors: Record<string, number> = {};
  let measuring = false;
  let loading = false;
  // Every socket gets the same bytes for a batch: parse a frame once, keyed by its length and head (`at` is in it).
  const cache = new Map<string, { events: number; at: number; last: number; skipped: number; versions?: [string, number][] }>();
  // Per socket and offer: [first, last, received] stock versions while the load runs.
  const stockOf: Map<string, [number, number, number]>[] = [];
  let stockBackwards = 0;
  // A compressed frame is keyed by its compressed bytes and inflated once (see raw-ws.ts).
  const summarise = (raw: Buffer, compressed: boolean) => {
    const key = `${compressed ? "z" : ""}${raw.length}:${raw.toString("latin1", 0, Math.min(raw.length, 64))}:${raw.toString("latin1", Math.max(0, raw.length - 16))}`;
    let s = cache.get(key);
    if (!s) {
      const f = JSON.parse((compressed ? inflateMessage(raw) : raw).toString()) as { t: string; at?: number; d: unknown };
      if (f.t === "batch") {
        const d = f.d as { t: string; seq: number; d: { offerId?: string; version?: number; remaining?: number; skipped?: number } }[];
        const stock = d.filter((e) => e.t === "offer.updated");
        s = {
          events: d.length,
          at: f.at ?? 0,
          last: d.reduce((m, e) => Math.max(m, e.seq), 0),
          skipped: d.reduce((n, e) => n + (e.t === "chat.trimmed" ? (e.d.skipped ?? 0) : 0), 0),
          versions: stock.map((e) => [e.d.offerId!, e.d.version!] as [string, number]),
        };
      } else if (f.t === "error") {
        const code = (f.d as { code: string }).code;
        errors[code] = (errors[code] ?? 0) + 1;
        return null;
      } else if (cfg.mode === "baseline") {
        const e = f.d as { offerId?: string; version?: number };
        s = { events: 1, at: f.at ?? 0, last: 0, skipped: 0, versions: f.t === "offer.updated" ? [[e.offerId!, e.version!]] : undefined };
      } else return { frame: f };
      if (cache.size > 5000) cache.clear();
      cache.set(key, s);
    }
    return s;
  };
  let first: { epoch: string; seq: number } | null = null;
  const see = (i: number, offer: string, v: number) => {
    const mine = stockOf[i] ?? new Map<string, [number, number, number]>();
    stockOf[i] = mine;
    const had = mine.get(offer);
    if (!had) mine.set(offer, [v, v, 1]);
    else if (v < had[1]) stockBackwards++;
    // The same figure again (a snapshot, then the events flushed while it was read) is not a change.
    else if (v > had[1]) mine.set(offer, [had[0], v, had[2] + 1]);
  };
  const open = (i: number, resume = false) =>
    new Promise<void>((resolve) => {
      const url = cfg.urls[(cfg.offset + i) % cfg.urls.length]!;
      // The first socket takes a snapshot; the rest resume from its position (no database read per join). A socket
      // the server closed resumes from its own position.
      const from = resume ? { epoch: epochOf[i]!, seq: seqOf[i]! } : first;
      const q = cfg.mode === "showcart" && from ? `?epoch=${from.epoch}&since=${from.seq}&device=b${cfg.offset + i}` : `?device=b${cfg.offset + i}`;
      // Offers permessage-deflate, as browsers do (the server decides).
      const ws = new RawWs(url + q, { deflate: true });
      let done = false;
      const finish = () => {
        if (!done) {
          done = true;
          resolve();
        }
      };
      ws.onmessage = (raw, compressed) => {
        const s = summarise(raw, compressed);
        if (s && "frame" in s) {
          const f = s.frame as { t: string; d: { epoch: string; seq: number; resumed?: boolean; offers?: { id: string; stockVersion?: number }[] } };
          if (f.t === "hello") {
            epochOf[i] = f.d.epoch;
            seqOf[i] ??= from?.seq ?? f.d.seq;
          } else if (f.t === "snapshot") {
            if (!first) first = { epoch: f.d.epoch, seq: f.d.seq };
            epochOf[i] = f.d.epoch;
            seqOf[i] = f.d.seq;
            if (loading) for (const o of f.d.offers ?? []) if (typeof o.stockVersion === "number") see(i, o.id, o.stockVersion);
          }
        }
        // The first socket waits for its snapshot (the others resume from it); the rest are in at `hello`.
        if (first || cfg.mode !== "showcart") finish();
        if (!s || !("events" in s)) return;
        if (s.last > (seqOf[i] ?? 0)) seqOf[i] = s.last;
        if (loading && s.versions?.length) for (const [offer, v] of s.versions) see(i, offer, v);
        if (!measuring) return;
        stats.frames++;
        if (compressed) stats.deflated++;
        stats.events += s.events;
        stats.skipped += s.skipped;
        if (s.at) hist[Math.max(0, Math.min(HIST - 1, Date.now() - s.at))]!++;
      };
      ws.onopen = () => {
        sockets[i] = ws;
        if (cfg.mode === "baseline") finish();
      };
      ws.onclose = () => {
        stats.closed++;
        finish();
        // 40xx (slow) and 1012 (restart) ask the client to come back and resume; 44xx not.
        const code = ws.closeCode;
        if (cfg.mode === "showcart" && !stopping && epochOf[i] !== undefined && ((code >= 4000 && code < 4400) || code === 1012)) {
          stats.reconnects++;
          setTimeout(() => void open(i, true), 100 + Math.random() * 400);
        }
      };
      ws.onerror = () => {
        errors.connect = (errors.connect ?? 0) + 1;
        finish();
      };
    });
  // Connect in waves so the server's accept queue is not flooded.
  await open(0);
  for (let i = 1; i < cfg.sockets; i += 100) await Promise.all(Array.from({ length: Math.min(100, cfg.sockets - i) }, (_, k) => open(i + k)));
  send({ t: "connected", n: sockets.filter((ws) => ws?.readyState === RawWs.OPEN).length });

  let timer: NodeJS.Timeout | null = null;
  process.on("message", (m: { t: string }) => {
    if (m.t === "load") {
      loading = true;
      // Every 50 ms: this worker's share of chat and reactions, spread over its sender sockets.
      let chatDue = 0;
      let reactDue = 0;
      let next = 0;
      const emojis = ["❤️", "🔥", "😂", "😮", "👏"];
      timer = setInterval(() => {
        chatDue += cfg.chatPerSecond / 20;
        reactDue += cfg.reactionsPerSecond / 20;
        const pick = () => sockets[next++ % cfg.senders];
        for (; chatDue >= 1; chatDue--) {
          const ws = pick();
          if (ws?.readyState === RawWs.OPEN && ws.bufferedAmount < 65_536) ws.send(JSON.stringify({ t: "chat.send", d: { text: chatLine() } }));
        }
        for (; reactDue >= 1; reactDue--) {
          const ws = pick();
          if (ws?.readyState === RawWs.OPEN && ws.bufferedAmount < 65_536) ws.send(JSON.stringify({ t: "reaction.send", d: { emoji: emojis[next % 5] } }));
        }
      }, 50);
    } else if (m.t === "measure") measuring = true;
    else if (m.t === "unload") {
      if (timer) clearInterval(timer);
      measuring = false;
    } else if (m.t === "report") {
      loading = false;
      stopping = true;
      const finals: WorkerResult["finals"] = {};
      const firsts: WorkerResult["firsts"] = {};
      let stockReceived = 0;
      let stockSpan = 0;
      for (const mine of stockOf) {
        for (const [offer, [from, to, n]] of mine ?? []) {
          const per = finals[offer] ?? {};
          finals[offer] = per;
          per[to] = (per[to] ?? 0) + 1;
          firsts[offer] = Math.min(from, firsts[offer] ?? Infinity);
          stockReceived += n;
          stockSpan += to - from + 1;
        }
      }
      const result: WorkerResult = {
        connected: sockets.filter(Boolean).length,
        closed: stats.closed,
        reconnects: stats.reconnects,
        skipped: stats.skipped,
        frames: stats.frames,
        deflated: stats.deflated,
        events: stats.events,
        stockReceived,
        stockSpan,
        stockBackwards,
        finals,
        firsts,
        hist,
        errors,
      };
      send({ t: "result", result });
      for (const ws of sockets) ws?.terminate();
      setTimeout(() => process.exit(0), 200);
    }
  });
}

// ---- baseline server (a child process): per-event broadcast with plain ws ----

async function baselineServer() {
  const http = createServer();
  const wss = new WebSocketServer({ server: http, perMessageDeflate: false });
  let seq = 0;
  const broadcast = (t: string, d: unknown) => {
    const frame = JSON.stringify({ t, seq: ++seq, at: Date.now(), d });
    for (const c of wss.clients) if (c.readyState === WebSocket.OPEN) c.send(frame);
  };
  wss.on("connection", (ws) => {
    ws.on("message", (raw) => {
      let m: { t: string; d: { text?: string; emoji?: string; offerId?: string; remaining?: number; version?: number } };
      try {
        m = JSON.parse(raw.toString());
      } catch {
        return;
      }
      if (m.t === "chat.send") broadcast("chat.posted", { id: randomUUID(), author: "Guest", role: "viewer", text: m.d.text, at: new Date().toISOString() });
      else if (m.t === "reaction.send") broadcast("reaction.sent", { emoji: m.d.emoji });
      else if (m.t === "stock") broadcast("offer.updated", m.d);
    });
  });
  await new Promise<void>((r) => http.listen(0, "127.0.0.1", r));
  const port = (http.address() as { port: number }).port;
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${port}` })}\n`);
}

// ---- the bench (parent) ----

function spawnScript(role: string, ipc: boolean): ChildProcess {
  return spawn(process.execPath, ["--import", "tsx", self, role], { stdio: ipc ? ["ignore", "inherit", "inherit", "ipc"] : ["ignore", "pipe", "inherit"] });
}

function rssKb(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
}

const quantileOf = (hist: number[], q: number) => {
  const total = hist.reduce((s, n) => s + n, 0);
  let acc = 0;
  for (let i = 0; i < hist.length; i++) {
    acc += hist[i]!;
    if (acc >= total * q) return i;
  }
  return hist.length - 1;
};

async function runClients(
  mode: Mode,
  urls: string[],
  a: Required<Omit<FanoutArgs, "databaseUrl" | "redisUrl" | "cpuHog" | "env">>,
  stock: (stop: AbortSignal) => Promise<number>,
  pids: number[],
  onWindowEnd?: () => void,
  /** The figure every socket must end on, per offer (stock version), read from the server once the orders are done. */
  finalStock?: () => Promise<Record<string, number>>,
  /** A full GC in the servers before each memory reading, so start-up's garbage is neither counted nor subtracted. */
  settle?: () => Promise<void>,
) {
  const per = Math.ceil(a.sockets / a.workers);
  const senders = Math.min(per, Math.ceil(600 / a.workers));
  const procs = Array.from({ length: a.workers }, () => spawnScript("worker", true));
  const wait = (p: ChildProcess, t: string) => new Promise<any>((r) => p.on("message", (m: { t: string }) => m.t === t && r(m)));
  await settle?.();
  const rssBefore = pids.reduce((s, pid) => s + rssKb(pid), 0);
  const connectStart = performance.now();
  const connected = procs.map((p) => wait(p, "connected"));
  for (const [i, p] of procs.entries()) {
    p.send({
      mode,
      urls,
      sockets: Math.min(per, a.sockets - i * per),
      offset: i * per,
      senders,
      chatPerSecond: a.chatPerSecond / a.workers,
      reactionsPerSecond: a.reactionsPerSecond / a.workers,
    } satisfies WorkerStart);
  }
  const sockets = (await Promise.all(connected)).reduce((s, m) => s + m.n, 0);
  progress(`${mode}: ${sockets} sockets connected`);
  const connectSeconds = (performance.now() - connectStart) / 1000;
  await settle?.();
  const rssConnected = pids.reduce((s, pid) => s + rssKb(pid), 0);
  for (const p of procs) p.send({ t: "load" });
  // The stock versions before the orders start: the database's own count of changes is the difference at the end.
  const startStock = finalStock ? await finalStock() : null;
  const stop = new AbortController();
  const stockDone = stock(stop.signal);
  progress(`${mode}: load on`);
  await new Promise((r) => setTimeout(r, 3000)); // warm-up
  for (const p of procs) p.send({ t: "measure" });
  progress(`${mode}: measuring for ${a.seconds} s`);
  const t0 = performance.now();
  let rssPeak = 0;
  const sampler = setInterval(
    () =>
      (rssPeak = Math.max(
        rssPeak,
        pids.reduce((s, pid) => s + rssKb(pid), 0),
      )),
    1000,
  );
  await new Promise((r) => setTimeout(r, a.seconds * 1000));
  for (const p of procs) p.send({ t: "unload" });
  const seconds = (performance.now() - t0) / 1000;
  clearInterval(sampler);
  onWindowEnd?.();
  stop.abort();
  const ordersOk = await stockDone;
  // In-flight frames arrive (an overloaded server may still be flushing its last ticks).
  await new Promise((r) => setTimeout(r, mode === "showcart" ? 10_000 : 3000));
  const expected = finalStock ? await finalStock() : null;
  const results = procs.map((p) => wait(p, "result"));
  for (const p of procs) p.send({ t: "report" });
  const all = (await Promise.all(results)).map((m) => m.result as WorkerResult);
  const hist = new Array<number>(HIST).fill(0);
  for (const r of all) for (const [i, n] of r.hist.entries()) hist[i]! += n;
  const events = all.reduce((s, r) => s + r.events, 0);
  const frames = all.reduce((s, r) => s + r.frames, 0);
  // Stock versions grow by one per change of the offer's stock in the database (one per hold tick since set-wise ticks:
  // several orders of one tick make one change). Per offer, the changes made while the load ran are the versions from the
  // lowest any socket saw to the newest any socket saw. A socket loses a change when it never receives that version
  // nor a newer one (it ends on an older figure, or never hears of the offer). A change superseded by a newer one in
  // the same frame is coalesced, not lost (the issue's rule: counters go out at their latest value per tick) — the
  // first changes of the window too: with the database's figures (start and end), a change no socket saw counts as
  // lost only when it is newer than the newest any socket saw.
  const newest = new Map<string, number>();
  const oldest = new Map<string, number>();
  for (const r of all)
    for (const [offer, per] of Object.entries(r.finals))
      for (const v of Object.keys(per)) newest.set(offer, Math.max(Number(v), newest.get(offer) ?? -Infinity));
  for (const r of all) for (const [offer, v] of Object.entries(r.firsts)) oldest.set(offer, Math.min(v, oldest.get(offer) ?? Infinity));
  let lost = 0;
  let stale = 0;
  for (const [offer, top] of newest) {
    let reached = 0;
    for (const r of all) {
      for (const [v, n] of Object.entries(r.finals[offer] ?? {})) {
        reached += n;
        if (Number(v) < top) {
          stale += n;
          lost += (top - Number(v)) * n;
        }
      }
    }
    const start = startStock?.[offer];
    lost += (sockets - reached) * (top - (expected && start !== undefined ? start : oldest.get(offer)! - 1));
  }
  const changes = [...newest].reduce((s, [offer, top]) => s + top - oldest.get(offer)! + 1, 0);
  // Changes the database made that no socket ever saw (the raw baseline has no database: one change per update).
  const dbChanges = expected && startStock ? Object.entries(expected).reduce((sum, [offer, v]) => sum + v - (startStock[offer] ?? v), 0) : ordersOk;
  if (expected && startStock) {
    for (const [offer, v] of Object.entries(expected)) {
      const seen = newest.get(offer);
      lost += Math.max(0, v - (seen ?? startStock[offer] ?? v)) * sockets;
    }
  } else lost += Math.max(0, dbChanges - changes) * sockets;
  // Every socket must end on the database's final figure (a socket closed for being slow must have come back for it).
  let finalCorrect = 0;
  for (const [offer, version] of Object.entries(expected ?? {})) for (const r of all) finalCorrect += r.finals[offer]?.[version] ?? 0;
  const received = all.reduce((s, r) => s + r.stockReceived, 0);
  const span = all.reduce((s, r) => s + r.stockSpan, 0);
  const errors: Record<string, number> = {};
  for (const r of all) for (const [k, n] of Object.entries(r.errors)) errors[k] = (errors[k] ?? 0) + n;
  return {
    sockets,
    connect_seconds: round(connectSeconds),
    events_delivered_per_s: Math.round(events / seconds),
    frames_per_s: Math.round(frames / seconds),
    frames_deflated_share: round(all.reduce((s, r) => s + r.deflated, 0) / Math.max(1, frames), 3),
    p50_ms: quantileOf(hist, 0.5),
    p99_ms: quantileOf(hist, 0.99),
    stock_updates: ordersOk,
    // The database's stock changes in the run (≤ stock_updates: one tick's orders make one change).
    stock_changes: dbChanges,
    stock_events_lost: lost,
    // Sockets left showing an older stock figure than the newest one at the end.
    stock_stale_at_end: stale,
    // Versions received out of order (a lower one after a higher one).
    stock_backwards: all.reduce((s, r) => s + r.stockBackwards, 0),
    // Share of the changes (per socket) that arrived as their own event rather than superseded within a frame.
    stock_changes_delivered_share: round(received / Math.max(1, span), 3),
    stock_final: expected && {
      version: Object.values(expected)[0],
      sockets_correct: finalCorrect,
      sockets_wrong: sockets * Object.keys(expected).length - finalCorrect,
    },
    sockets_closed: all.reduce((s, r) => s + r.closed, 0),
    // Of those, closed by the server with a reconnect code (slow: 4008) and come back with since/epoch.
    reconnects: all.reduce((s, r) => s + r.reconnects, 0),
    // Viewer chat left out of frames for `chat.trimmed` markers, per second summed over sockets (events_delivered_per_s
    // counts a marker as one event).
    chat_trimmed_per_s: Math.round(all.reduce((s, r) => s + r.skipped, 0) / seconds),
    errors,
    // Growth of the server's RSS from before the first socket (after a full GC, which start-up's garbage left for
    // the first sockets' collections to free: PGlite runs read -23 KB a socket without it) to the higher of connected
    // (after a full GC) and the window's peak (without one: garbage counts there). The absolute figures too.
    rss_per_socket_kb: round((Math.max(rssPeak, rssConnected) - rssBefore) / Math.max(1, sockets)),
    server_rss_mb: { before: Math.round(rssBefore / 1024), connected: Math.round(rssConnected / 1024), peak: Math.round(rssPeak / 1024) },
  };
}

export async function fanout(args: FanoutArgs = {}) {
  const a = {
    sockets: args.sockets ?? 10_000,
    seconds: args.seconds ?? 30,
    nodes: args.nodes ?? 1,
    deflate: args.deflate ?? true,
    chatPerSecond: args.chatPerSecond ?? 200,
    reactionsPerSecond: args.reactionsPerSecond ?? 2000,
    stockPerSecond: args.stockPerSecond ?? 20,
    workers: args.workers ?? 4,
    baseline: args.baseline ?? true,
  };
  const cpuHog = args.cpuHog ?? 0;
  const load = { start: os.loadavg().map((l) => round(l, 1)), end: [] as number[] };
  // Another process spinning on one core from before the server starts until the end (as another tenant would).
  const hogs = Array.from({ length: cpuHog }, () => spawn(process.execPath, ["-e", "for(;;){}"], { stdio: "ignore" }));
  const env: Record<string, string> = {
    REALTIME_DEFLATE: a.deflate ? "1" : "0",
    // All bench clients share one address: the per-address chat limit would refuse them (per-socket limits stay on).
    CHAT_IP_LIMIT: "0",
    SECRETS_KEY: randomBytes(32).toString("hex"),
    ...args.env,
  };
  const nodes: ChildServer[] = [];
  let schema: string | null = null;
  if (a.nodes > 1) {
    const databaseUrl = args.databaseUrl ?? process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL;
    const redisUrl = args.redisUrl ?? process.env.BENCH_REDIS_URL ?? process.env.TEST_REDIS_URL;
    if (!databaseUrl || !redisUrl) throw new Error("--nodes needs PostgreSQL and Redis: --database-url/--redis-url or BENCH_DATABASE_URL/BENCH_REDIS_URL");
    schema = `bench_fanout_${Date.now()}`;
    Object.assign(env, { DATABASE_URL: databaseUrl, DATABASE_SCHEMA: schema, REDIS_URL: redisUrl, BUS: "redis" });
  } else if (args.databaseUrl) {
    // One node on PostgreSQL (the database work leaves the node's event loop), in-process bus.
    schema = `bench_fanout_${Date.now()}`;
    Object.assign(env, { DATABASE_URL: args.databaseUrl, DATABASE_SCHEMA: schema });
  }
  try {
    nodes.push(await startChildServer(env, { gc: true }));
    progress("server started");
    for (let i = 1; i < a.nodes; i++) {
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "showcart-bench-"));
      fs.copyFileSync(path.join(nodes[0]!.dataDir, "demo-login.json"), path.join(dataDir, "demo-login.json"));
      nodes.push(await startChildServer(env, { dataDir, gc: true }));
    }
    const server = nodes[0]!;
    const showId = server.demo.showId;
    const dispatcher = new Agent({ connections: 8 });
    const login = await request(`${server.url}/api/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: server.demo.hostEmail, password: server.demo.hostPassword }),
      dispatcher,
    });
    await login.body.text();
    const auth = { cookie: String(login.headers["set-cookie"]).split(";")[0]!, "x-showcart-csrf": "1", "content-type": "application/json" };
    const studio = (await (await request(`${server.url}/api/studio/shows/${showId}`, { headers: auth, dispatcher })).body.json()) as {
      products: { id: string }[];
    };
    // The pinned offer (only a pinned offer sells during a live show) changes with every order.
    const offers: string[] = [];
    for (let i = 0; i < 1; i++) {
      const res = await request(`${server.url}/api/studio/shows/${showId}/offers`, {
        method: "POST",
        headers: auth,
        dispatcher,
        body: JSON.stringify({
          productId: studio.products[i % studio.products.length]!.id,
          showPrice: 999,
          quantity: 100_000,
          durationSeconds: 7200,
          perBuyerLimit: 1000,
          pin: true,
        }),
      });
      const body = (await res.body.json()) as { offer?: { id: string } };
      if (!body.offer) throw new Error(`offer not created: ${res.statusCode} ${JSON.stringify(body)}`);
      offers.push(body.offer.id);
    }
    const wsUrls = nodes.map((n) => `${n.url.replace("http", "ws")}/ws/shows/${showId}`);
    const orderRefusals: Record<string, number> = {};
    // Answer times of the orders (the room's writes must not hold them up: flush slices).
    const orderMs: number[] = [];
    const showcartStock = async (signal: AbortSignal) => {
      let ok = 0;
      let i = 0;
      const inflight: Promise<void>[] = [];
      while (!signal.aborted) {
        const n = i++;
        const node = nodes[n % nodes.length]!;
        const sent = performance.now();
        inflight.push(
          request(`${node.url}/api/orders`, {
            method: "POST",
            dispatcher,
            headers: { "content-type": "application/json", "idempotency-key": randomUUID() },
            body: JSON.stringify({
              offerId: offers[n % offers.length],
              quantity: 1,
              buyer: { name: `Fan ${n}`, email: `fan${n}@example.com` },
              shipping: { name: `Fan ${n}`, line1: "Hauptstr. 1", postalCode: "10115", city: "Berlin", country: "DE" },
              payment: { method: "test_card", number: "4242424242424242" },
            }),
          }).then(
            async (res) => {
              const text = await res.body.text();
              orderMs.push(performance.now() - sent);
              if (res.statusCode === 201) ok++;
              else {
                const code = `${res.statusCode} ${(JSON.parse(text) as { error?: { code?: string } }).error?.code ?? ""}`.trim();
                orderRefusals[code] = (orderRefusals[code] ?? 0) + 1;
              }
            },
            () => {
              orderRefusals.network = (orderRefusals.network ?? 0) + 1;
            },
          ),
        );
        await new Promise((r) => setTimeout(r, 1000 / a.stockPerSecond));
      }
      await Promise.all(inflight);
      return ok;
    };
    const pids = nodes.map((n) => n.proc.pid!);
    const finalStock = async () => {
      const res = await request(`${server.url}/api/shows/${showId}`, { dispatcher });
      const body = (await res.body.json()) as { show: { offers: { id: string; stockVersion?: number }[] } };
      return Object.fromEntries(offers.map((id) => [id, body.show.offers.find((o) => o.id === id)?.stockVersion ?? -1]));
    };
    const settle = async () => void (await Promise.all(nodes.map((n) => n.gc())));
    const showcart = await runClients("showcart", wsUrls, a, showcartStock, pids, undefined, finalStock, settle);
    orderMs.sort((x, y) => x - y);
    const orderQ = (q: number) => Math.round(orderMs[Math.min(orderMs.length - 1, Math.floor(orderMs.length * q))] ?? 0);
    for (const n of nodes) await n.stop();
    nodes.length = 0;

    let baseline: Awaited<ReturnType<typeof runClients>> | null = null;
    if (a.baseline) {
      const proc = spawnScript("baseline-server", false);
      try {
        const url = await new Promise<string>((resolve, reject) => {
          proc.stdout!.on("data", (c: Buffer) => resolve((JSON.parse(c.toString()) as { url: string }).url));
          proc.on("exit", (code) => reject(new Error(`baseline server exited with ${code}`)));
        });
        const wsUrl = `${url.replace("http", "ws")}/`;
        const baselineStock = async (signal: AbortSignal) => {
          const ctl = new WebSocket(wsUrl);
          ctl.on("error", () => {});
          // A saturated baseline server (--cpu-hog) may not accept this socket before the window ends: then it sends
          // nothing (a run used to hang here waiting for "open").
          await new Promise((r) => {
            ctl.once("open", r);
            ctl.once("close", r);
            signal.addEventListener("abort", r, { once: true });
          });
          let n = 0;
          while (!signal.aborted) {
            if (ctl.readyState !== WebSocket.OPEN) break;
            ctl.send(JSON.stringify({ t: "stock", d: { offerId: offers[n % offers.length], remaining: 100_000 - n, version: n } }));
            n++;
            await new Promise((r) => setTimeout(r, 1000 / a.stockPerSecond));
          }
          ctl.terminate();
          return n;
        };
        // The baseline's backlog after the window would take minutes to drain: it stops when the window ends (what it
        // had not delivered by then counts as not delivered).
        baseline = await runClients("baseline", [wsUrl], a, baselineStock, [proc.pid!], () => proc.kill("SIGKILL"));
      } finally {
        proc.kill("SIGKILL");
      }
    }
    await dispatcher.close();
    return {
      bench: "fanout",
      nodes: a.nodes,
      database: env.DATABASE_URL ? "postgres" : "pglite",
      deflate: a.deflate,
      cpu_hog: cpuHog,
      chat_per_frame: Number(process.env.REALTIME_CHAT_PER_FRAME ?? 50),
      flush_slice: Number(process.env.REALTIME_FLUSH_SLICE ?? 1000),
      flush_slice_ms: Number(process.env.REALTIME_FLUSH_SLICE_MS ?? (env.DATABASE_URL || process.env.PGLITE_THREAD === "1" ? 8 : 0)),
      seconds: a.seconds,
      offered_per_s: { chat: a.chatPerSecond, reactions: a.reactionsPerSecond, stock: a.stockPerSecond },
      ...showcart,
      order_refusals: orderRefusals,
      order_p50_ms: orderQ(0.5),
      order_p99_ms: orderQ(0.99),
      baseline: baseline && {
        events_delivered_per_s: baseline.events_delivered_per_s,
        frames_per_s: baseline.frames_per_s,
        p50_ms: baseline.p50_ms,
        p99_ms: baseline.p99_ms,
        stock_events_lost: baseline.stock_events_lost,
        rss_per_socket_kb: baseline.rss_per_socket_kb,
      },
      ratio: baseline ? round(showcart.events_delivered_per_s / Math.max(1, baseline.events_delivered_per_s), 2) : null,
      cpus: os.cpus().length,
      // uptime's load averages (1, 5, 15 min) when the bench started and ended: the machine is shared.
      load: { ...load, end: os.loadavg().map((l) => round(l, 1)) },
    };
  } finally {
    for (const h of hogs) h.kill("SIGKILL");
    for (const n of nodes) await n.stop().catch(() => {});
    if (schema) {
      const pg = await import("pg");
      const client = new pg.default.Client({ connectionString: env.DATABASE_URL });
      await client.connect();
      await client.query(`drop schema if exists ${schema} cascade`).finally(() => client.end());
    }
  }
}

const role = process.argv[1] === self ? process.argv[2] : undefined;
if (role === "worker") void worker();
else if (role === "baseline-server") void baselineServer();
