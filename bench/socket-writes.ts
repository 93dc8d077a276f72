import net from "node:net";
import os from "node:os";
import { round } from "./support.js";

// What one socket's share of a room flush costs the server, written three ways to `--sockets` (2,000) loopback sockets
// whose readers drain them: one pre-framed buffer per socket (what the room does with the shared compressed frame:
// baseline), a frame header and its payload as two writes, and the same two writes inside cork()/uncork() (one writev,
// as ws's own sender does for a plain frame). Per-socket write coalescing pays only where a socket gets several writes
// per flush; this says what it would save there and what the room's single write already costs.

export interface SocketWritesArgs {
  sockets?: number;
  rounds?: number;
  frameBytes?: number;
}

type Way = "single" | "two_writes" | "corked";

export async function socketWrites(args: SocketWritesArgs = {}) {
  const n = args.sockets ?? 2000;
  const rounds = args.rounds ?? 20;
  const frameBytes = args.frameBytes ?? 1500;
  const server = net.createServer();
  const serverSide: net.Socket[] = [];
  server.on("connection", (s) => serverSide.push(s));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as net.AddressInfo).port;
  const clients: net.Socket[] = [];
  for (let i = 0; i < n; i += 200)
    await Promise.all(
      Array.from(
        { length: Math.min(200, n - i) },
        () =>
          new Promise<void>((r) => {
            const c = net.connect(port, "127.0.0.1", () => r());
            c.on("data", () => {});
            clients.push(c);
          }),
      ),
    );
  while (serverSide.length < n) await new Promise((r) => setTimeout(r, 10));
  const header = Buffer.from([0xc1, 0x7e, frameBytes >> 8, frameBytes & 0xff]);
  const payload = Buffer.alloc(frameBytes, 120);
  const framed = Buffer.concat([header, payload]);
  const write: Record<Way, (s: net.Socket) => void> = {
    single: (s) => s.write(framed),
    two_writes: (s) => {
      s.write(header);
      s.write(payload);
    },
    corked: (s) => {
      s.cork();
      s.write(header);
      s.write(payload);
      s.uncork();
    },
  };
  const usPerSocket: Record<Way, number[]> = { single: [], two_writes: [], corked: [] };
  // Interleaved rounds, so a change in the machine's load falls on every way alike; CPU time of this process only.
  for (let r = 0; r < rounds; r++) {
    for (const way of Object.keys(write) as Way[]) {
      const before = process.cpuUsage();
      for (const s of serverSide) write[way](s);
      const used = process.cpuUsage(before);
      usPerSocket[way].push((used.user + used.system) / n);
      await new Promise((res) => setTimeout(res, 50));
    }
  }
  for (const c of clients) c.destroy();
  server.close();
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const single = median(usPerSocket.single);
  return {
    bench: "socket-writes",
    sockets: n,
    frame_bytes: frameBytes,
    rounds,
    cpu_us_per_socket: { single: round(single, 2), two_writes: round(median(usPerSocket.two_writes), 2), corked: round(median(usPerSocket.corked), 2) },
    baseline: "single",
    ratio: { two_writes: round(median(usPerSocket.two_writes) / single, 2), corked: round(median(usPerSocket.corked) / single, 2) },
    cpus: os.cpus().length,
    load: os.loadavg().map((l) => round(l, 1)),
  };
}
