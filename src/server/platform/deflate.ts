import zlib from "node:zlib";
import * as wsModule from "ws";
import type { WebSocket } from "ws";

/**
 * Shared per-message compression: a batch is compressed ONCE and the same compressed frame goes to every socket that
 * negotiated permessage-deflate (RFC 7692) with `server_no_context_takeover`. Without context takeover each message is
 * compressed on its own, so the bytes do not depend on the socket. (ws's own per-socket compression would compress the
 * same batch once per socket, which costs more CPU than it saves: measured in docs/operations.md.)
 *
 * ws has no public API for sending an already compressed message; this uses its Sender (exported) and the socket's
 * `_sender`/`_extensions` (internal, ws 8.x — `src/server/realtime/deflate.test.ts` fails if they change). ws never
 * compresses a message itself here: every send passes `compress: false` and the server's threshold is infinite, so the
 * Sender is never in its deflating state and frames written here cannot overtake one of its own.
 */

/**
 * ws server options (`@fastify/websocket`'s `perMessageDeflate`) for shared compression: the server never compresses
 * a message per socket (infinite threshold) and keeps no context. Clients' own frames (chat) may be compressed;
 * inflating them is per socket, and small.
 */
export function perMessageDeflateOptions(on: boolean): false | Record<string, unknown> {
  return on ? { serverNoContextTakeover: true, clientNoContextTakeover: true, threshold: Number.POSITIVE_INFINITY } : false;
}

/** Compressed payload of a message (the 4-byte sync-flush tail removed, as RFC 7692 §7.2.1 says). */
export function deflateMessage(data: Buffer): Buffer {
  const out = zlib.deflateRawSync(data, { finishFlush: zlib.constants.Z_SYNC_FLUSH });
  return out.subarray(0, out.length - 4);
}

// ws exports its Sender (a named export of its ESM wrapper); @types/ws does not declare it.
const Sender = (wsModule as unknown as { Sender: { frame(data: Buffer, options: Record<string, unknown>): Buffer[] } }).Sender;

/** A whole WebSocket frame (header + payload) of a compressed text message, the same bytes for every socket. */
export function deflatedFrame(data: Buffer): Buffer {
  return Buffer.concat(Sender.frame(deflateMessage(data), { fin: true, rsv1: true, opcode: 1, mask: false, readOnly: false }));
}

interface WsInternals {
  _extensions?: Record<string, { params?: Record<string, unknown> } | undefined>;
  _sender?: { _state?: number; sendFrame(list: Buffer[], cb?: () => void): void };
}

/**
 * A writer of shared compressed frames for this socket, or null when it did not negotiate them (no extension, context
 * takeover, or a smaller window than the 15 bits the frame is compressed with). The writer returns false when it
 * could not write (socket not open, ws busy): the caller sends the plain frame instead.
 */
export function sharedDeflateWriter(ws: WebSocket): ((frame: Buffer) => boolean) | null {
  const internals = ws as unknown as WsInternals;
  const params = internals._extensions?.["permessage-deflate"]?.params;
  const sender = internals._sender;
  if (!params || !sender || typeof sender.sendFrame !== "function") return null;
  if (params.server_no_context_takeover !== true) return null;
  if (params.server_max_window_bits !== undefined && params.server_max_window_bits !== 15) return null;
  return (frame) => {
    if (ws.readyState !== ws.OPEN || sender._state !== 0) return false;
    sender.sendFrame([frame]);
    return true;
  };
}
