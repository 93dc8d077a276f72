import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Agent, request } from "undici";

export interface ChildServer {
  url: string;
  /** The node's RTMP ingest port. */
  rtmpPort: number;
  demo: { showId: string; slug: string; hostEmail: string; hostPassword: string; merchantEmail: string; streamKey: string };
  proc: ChildProcess;
  dataDir: string;
  /** A full garbage collection in the server (started with `{ gc: true }`), resolved once it is done. */
  gc(): Promise<void>;
  /** SIGKILL, no shutdown: the data dir stays for a restart. */
  kill(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The real server in its own process (so the load generator does not share its event loop), embedded defaults.
 * `BENCH_SERVER_NODE_ARGS` adds node flags to the server only, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`.
 */
export async function startChildServer(env: Record<string, string> = {}, opts: { dataDir?: string; gc?: boolean } = {}): Promise<ChildServer> {
  const dataDir = opts.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), "showcart-bench-"));
  const nodeArgs = [...(opts.gc ? ["--expose-gc"] : []), ...(process.env.BENCH_SERVER_NODE_ARGS?.split(" ").filter(Boolean) ?? [])];
  const proc = spawn(process.execPath, [...nodeArgs, "--import", "tsx", path.resolve("test/support/server-child.ts")], {
    env: {
      ...process.env,
      PORT: "0",
      RTMP_PORT: "0",
      HOST: "127.0.0.1",
      DATA_DIR: dataDir,
      LOG_LEVEL: "warn",
      DEMO: "1",
      HOLDS_PER_ADDRESS_PER_MINUTE: "0",
      HOLDS_PER_DEVICE_PER_MINUTE: "0",
      ...env,
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const info = await new Promise<{ url: string; rtmpPort: number; demo: ChildServer["demo"] }>((resolve, reject) => {
    let buf = "";
    // BENCH_SERVER_LOG=<file>: the server's log lines, to see what it did during a run.
    const log = process.env.BENCH_SERVER_LOG ? fs.createWriteStream(process.env.BENCH_SERVER_LOG, { flags: "a" }) : null;
    if (log) proc.stdout!.pipe(log);
    proc.stdout!.on("data", (c: Buffer) => {
      buf += c.toString();
      // The server's own JSON log lines (pino, warn and up) go to stdout too: the report is the line that starts with url.
      const line = buf.split("\n").find((l) => l.startsWith('{"url"'));
      if (line) resolve(JSON.parse(line));
    });
    proc.on("exit", (code) => reject(new Error(`bench server exited with ${code}`)));
  });
  return {
    ...info,
    proc,
    dataDir,
    gc() {
      if (!opts.gc) return Promise.reject(new Error("the server was started without { gc: true }"));
      return new Promise<void>((resolve) => {
        let buf = "";
        const onData = (c: Buffer) => {
          buf += c.toString();
          if (!buf.split("\n").some((l) => l.startsWith('{"gc"'))) return;
          proc.stdout!.off("data", onData);
          resolve();
        };
        proc.stdout!.on("data", onData);
        proc.kill("SIGHUP");
      });
    },
    kill() {
      proc.kill("SIGKILL");
      return new Promise((r) => proc.once("exit", () => r()));
    },
    async stop() {
      if (proc.exitCode === null) {
        const exited = new Promise((r) => proc.once("exit", r));
        proc.kill("SIGTERM");
        await exited;
      }
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface LoadResult {
  count: number;
  seconds: number;
  perSecond: number;
  p50: number;
  p99: number;
  statuses: Record<string, number>;
}

/** Keep-alive connections for runLoad, to be warmed up by one run and reused by the next (close them when done). */
export function loadClients(concurrency: number): Agent {
  return new Agent({ connections: concurrency, pipelining: 1, keepAliveTimeout: 30_000 });
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/**
 * `total` requests from `concurrency` keep-alive clients; `make(i)` builds request i; `classify` names the outcome.
 * `clients`: connections opened by an earlier run (`loadClients`), so the measured run does not open them; without it
 * the run opens its own and closes them at the end.
 */
export async function runLoad(
  url: string,
  total: number,
  concurrency: number,
  make: (i: number) => { method: "GET" | "POST"; path: string; headers?: Record<string, string>; body?: string },
  classify: (status: number, body: string) => string = (s) => String(s),
  onResponse?: (i: number, status: number, body: string, atMs: number) => void,
  clients?: Agent,
): Promise<LoadResult> {
  const dispatcher = clients ?? loadClients(concurrency);
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  let next = 0;
  const started = performance.now();
  async function worker() {
    while (next < total) {
      const i = next++;
      const r = make(i);
      const t0 = performance.now();
      let status: number;
      let text: string;
      try {
        const res = await request(url + r.path, { method: r.method, headers: r.headers, body: r.body, dispatcher });
        status = res.statusCode;
        text = await res.body.text();
      } catch {
        status = 0; // connection refused or reset (the crash variant kills the server mid-run)
        text = "";
      }
      latencies.push(performance.now() - t0);
      onResponse?.(i, status, text, performance.now() - started);
      const k = classify(status, text);
      statuses[k] = (statuses[k] ?? 0) + 1;
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  if (!clients) await dispatcher.close();
  latencies.sort((a, b) => a - b);
  return { count: total, seconds, perSecond: total / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99), statuses };
}

export const round = (n: number, d = 1) => Math.round(n * 10 ** d) / 10 ** d;

export type StatementCounts = { total: number; by: Record<string, number> };

/** The server's statement counts so far (bench/statement-count.mjs, loaded with BENCH_COUNT_STATEMENTS=1). */
export async function statementCounts(server: ChildServer, file: string): Promise<StatementCounts> {
  const lines = () => (fs.existsSync(file) ? fs.readFileSync(file, "utf8").trim().split("\n").filter(Boolean) : []);
  const n = lines().length;
  server.proc.kill("SIGUSR2");
  for (let i = 0; i < 100 && lines().length === n; i++) await new Promise((r) => setTimeout(r, 50));
  return JSON.parse(lines().at(-1)!) as StatementCounts;
}

/** Statements run per unit of work (a confirmed order, an accepted bid), and the twelve most frequent (per unit). */
export function statementFigures(before: StatementCounts, after: StatementCounts, units: number, unit = "confirmed") {
  const per = (n: number) => round(n / Math.max(1, units), 2);
  const top = Object.entries(after.by)
    .map(([k, n]) => [k, n - (before.by[k] ?? 0)] as const)
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 12);
  return { [`statements_per_${unit}`]: per(after.total - before.total), statements_top: Object.fromEntries(top.map(([k, n]) => [k, per(n)])) };
}

/**
 * CPU milliseconds (user + system) the process has used so far, from /proc (Linux; null elsewhere). Read around a
 * phase of a bench, it gives the server's CPU per request: unlike req/s it hardly moves when other work shares the
 * machine, so two runs under different load can still be compared.
 */
export function cpuMs(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(f[11]) + Number(f[12])) * 1000) / 100; // utime, stime in clock ticks (USER_HZ = 100 on Linux)
  } catch {
    return null;
  }
}
