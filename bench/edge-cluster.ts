import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { startChildServer, type ChildServer } from "./support.js";

// Several Showcart nodes on PostgreSQL + Redis, and a real nginx in front of them built from deploy/nginx.conf: shared
// by the edge test (test/e2e/edge.e2e.test.ts, test/api/edge.multinode.test.ts) and the edge bench.

export const NGINX_PATH = process.env.NGINX_PATH ?? "/usr/sbin/nginx";
export const nginxInstalled = (): boolean => fs.existsSync(NGINX_PATH);
export const METRICS_TOKEN = "edge-metrics-token-0123456789";

export interface Cluster {
  nodes: ChildServer[];
  showId: string;
  streamKey: string;
  /** The cluster's REDIS_PREFIX: its own unless `env` names one, so clusters sharing a Redis never see each other. */
  redisPrefix: string;
  stop(): Promise<void>;
}

/** `count` nodes sharing one database schema and Redis; the first migrates and seeds the demo show. */
export async function startCluster(count: number, env: Record<string, string>): Promise<Cluster> {
  const common = {
    BUS: "redis",
    SECRETS_KEY: randomBytes(32).toString("hex"),
    METRICS_TOKEN,
    // nginx on loopback is the one proxy in front.
    TRUST_PROXY: "127.0.0.1",
    REDIS_PREFIX: `cluster-${randomBytes(6).toString("hex")}:`,
    ...env,
  };
  const nodes: ChildServer[] = [await startChildServer(common)];
  const dirs = Array.from({ length: count - 1 }, () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "showcart-node-"));
    fs.copyFileSync(path.join(nodes[0]!.dataDir, "demo-login.json"), path.join(dir, "demo-login.json"));
    return dir;
  });
  nodes.push(...(await Promise.all(dirs.map((dataDir) => startChildServer(common, { dataDir })))));
  return {
    nodes,
    showId: nodes[0]!.demo.showId,
    streamKey: nodes[0]!.demo.streamKey,
    redisPrefix: common.REDIS_PREFIX,
    async stop() {
      // A killed node has no exit code (it has a signal): only its data dir goes.
      await Promise.all(nodes.map((n) => (n.proc.signalCode === null ? n.stop() : fs.rmSync(n.dataDir, { recursive: true, force: true }))));
    },
  };
}

export interface Nginx {
  url: string;
  config: string;
  proc: ChildProcess;
  /** The last lines of nginx's access log (request, status, upstream, cache status, time) and error log. */
  logTail(lines?: number): string;
  stop(): Promise<void>;
}

/** A free loopback port (closed again at once; nginx cannot take port 0 and report it). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * deploy/nginx.conf with its upstream servers replaced by `upstreams` (host:port) and its port, pid, log and cache
 * paths moved under `dir`; everything else exactly as shipped.
 */
export function nginxConfigFor(shipped: string, upstreams: string[], port: number, dir: string): string {
  const servers = [...shipped.matchAll(/^(\s*)server node\d+:3000( [^;]*)?;\n/gm)];
  if (servers.length === 0) throw new Error("deploy/nginx.conf: no `server nodeN:3000 …;` lines in its upstream block");
  const [first] = servers;
  const indent = first![1]!;
  const params = first![2] ?? "";
  const generated = upstreams.map((u) => `${indent}server ${u}${params};\n`).join("");
  let conf = shipped;
  for (const [i, m] of servers.entries()) conf = conf.replace(m[0], i === 0 ? generated : "");
  const swap = (from: RegExp, to: string) => {
    if (!from.test(conf)) throw new Error(`deploy/nginx.conf: expected ${from}`);
    conf = conf.replace(from, to);
  };
  swap(/^pid [^;]+;/m, `pid ${dir}/nginx.pid;`);
  swap(/^error_log [^;]+;/m, `error_log ${dir}/error.log warn;`);
  swap(/^(\s*)listen 8080;\n/m, `$1listen 127.0.0.1:${port};\n`);
  swap(/^\s*listen \[::\]:8080;\n/m, "");
  swap(/\/var\/cache\/nginx\/showcart-hls/, `${dir}/cache`);
  swap(
    /^http \{\n/m,
    `http {\n  client_body_temp_path ${dir}/body;\n  proxy_temp_path ${dir}/proxy;\n  fastcgi_temp_path ${dir}/fastcgi;\n  uwsgi_temp_path ${dir}/uwsgi;\n  scgi_temp_path ${dir}/scgi;\n  log_format edge '$msec $request $status up=$upstream_addr/$upstream_status cache=$upstream_cache_status $request_time';\n  access_log ${dir}/access.log edge;\n`,
  );
  conf = conf.replace(/^(\s*)access_log off;\n/m, "");
  return conf;
}

/** A real nginx from deploy/nginx.conf in front of the given node URLs. */
export async function startNginx(nodeUrls: string[]): Promise<Nginx> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "showcart-nginx-"));
  // nginx's workers run as nobody: they must reach the cache and temp directories below this one.
  fs.chmodSync(dir, 0o755);
  const port = await freePort();
  const upstreams = nodeUrls.map((u) => new URL(u).host);
  const config = nginxConfigFor(fs.readFileSync(path.resolve("deploy/nginx.conf"), "utf8"), upstreams, port, dir);
  const file = path.join(dir, "nginx.conf");
  fs.writeFileSync(file, config);
  const proc = spawn(NGINX_PATH, ["-p", dir, "-c", file, "-g", "daemon off;"], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  proc.stderr!.on("data", (c: Buffer) => (stderr += c.toString()));
  const url = `http://127.0.0.1:${port}`;
  for (const deadline = Date.now() + 15_000; ; ) {
    if (proc.exitCode !== null) throw new Error(`nginx exited (${proc.exitCode}): ${stderr} ${readIf(path.join(dir, "error.log"))}`);
    const ok = await fetch(`${url}/healthz`)
      .then((r) => r.status < 500)
      .catch(() => false);
    if (ok) break;
    if (Date.now() > deadline) throw new Error(`nginx did not answer: ${stderr} ${readIf(path.join(dir, "error.log"))}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    config,
    proc,
    logTail: (lines = 40) =>
      `${readIf(path.join(dir, "access.log")).split("\n").slice(-lines).join("\n")}\n--- error.log\n${readIf(path.join(dir, "error.log"))}`,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) {
        const exited = new Promise((r) => proc.once("exit", r));
        proc.kill("SIGTERM");
        await exited;
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

function readIf(file: string): string {
  try {
    return fs.readFileSync(file, "utf8").slice(-20_000);
  } catch {
    return "";
  }
}

/** The node's Prometheus text (METRICS_TOKEN). */
export async function metricsOf(node: ChildServer): Promise<string> {
  const res = await fetch(`${node.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
  if (!res.ok) throw new Error(`/metrics: ${res.status}`);
  return res.text();
}

/** The sum of a counter's samples whose labels include every given one. */
export function counter(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split("\n")) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const m = /^[^{ ]+(?:\{([^}]*)\})? (\S+)$/.exec(line);
    if (!m) continue;
    const have = Object.fromEntries([...(m[1] ?? "").matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) sum += Number(m[2]);
  }
  return sum;
}
