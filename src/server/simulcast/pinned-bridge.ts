import net from "node:net";
import tls from "node:tls";

// ffmpeg resolves host names itself, so handing it the destination's name would let DNS answer differently between
// our check and its connect (rebinding). Instead ffmpeg pushes plain RTMP to this one-connection loopback bridge,
// which connects to the address we checked; for rtmps it speaks TLS itself, with the original name for SNI and the
// certificate check (ffmpeg 4.1 sends no SNI to an IP and does not verify certificates).

const CONNECT_TIMEOUT_MS = 10_000;

export interface PinnedTarget {
  /** The checked address to connect to. */
  address: string;
  port: number;
  tls: boolean;
  /** The destination's host name, for SNI and the certificate. */
  servername: string;
}

export interface PinnedBridge {
  /** Loopback port ffmpeg connects to. */
  readonly port: number;
  /** Why the upstream connection failed, if it did (ffmpeg only sees the socket close). */
  readonly error: string | null;
  close(): void;
}

export async function openPinnedBridge(target: PinnedTarget): Promise<PinnedBridge> {
  const sockets = new Set<net.Socket>();
  let error: string | null = null;
  const server = net.createServer((client) => {
    // One relay, one connection: nothing else on this machine gets a second one through.
    server.close();
    const upstream = target.tls
      ? tls.connect({ host: target.address, port: target.port, servername: net.isIP(target.servername) ? undefined : target.servername })
      : net.connect({ host: target.address, port: target.port });
    sockets.add(client).add(upstream);
    upstream.setTimeout(CONNECT_TIMEOUT_MS, () => upstream.destroy(new Error(`connecting to ${target.servername} timed out`)));
    upstream.once(target.tls ? "secureConnect" : "connect", () => upstream.setTimeout(0));
    const fail = (err: Error) => {
      error ??= err.message;
      client.destroy();
      upstream.destroy();
    };
    upstream.on("error", fail);
    client.on("error", fail);
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  return {
    port: (server.address() as net.AddressInfo).port,
    get error() {
      return error;
    },
    close() {
      server.close();
      for (const s of sockets) s.destroy();
    },
  };
}
