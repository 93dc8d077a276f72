import { randomBytes } from "node:crypto";
import net from "node:net";
import zlib from "node:zlib";

/**
 * A minimal WebSocket client for the load generator (RFC 6455 client side, text frames, ping/pong, close), so 10,000
 * sockets in a few processes cost the clients little. With `deflate` it offers permessage-deflate (RFC 7692) and hands
 * compressed messages over still compressed: the bench inflates each distinct frame once, as it parses each distinct
 * frame once (every socket of a room gets the same bytes; a browser inflates its own, on its own CPU).
 */
export class RawWs {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSED = 3;
  readyState = RawWs.CONNECTING;
  /** Whether the server accepted permessage-deflate. */
  deflate = false;
  /** The server's close code (1006 when the connection ended without a close frame). */
  closeCode = 1006;
  onopen: () => void = () => {};
  onmessage: (payload: Buffer, compressed: boolean) => void = () => {};
  onclose: () => void = () => {};
  onerror: (err: Error) => void = () => {};
  readonly #socket: net.Socket;
  #buf: Buffer = Buffer.alloc(0);
  #handshaken = false;
  // A message split over frames (rare: servers here send whole messages).
  #fragments: Buffer[] = [];
  #fragmentCompressed = false;

  constructor(url: string, opts: { deflate?: boolean } = {}) {
    const u = new URL(url);
    this.#socket = net.connect(Number(u.port), u.hostname);
    this.#socket.setNoDelay(true);
    this.#socket.on("connect", () => {
      const key = randomBytes(16).toString("base64");
      const ext = opts.deflate ? "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n" : "";
      this.#socket.write(
        `GET ${u.pathname}${u.search} HTTP/1.1\r\nHost: ${u.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n${ext}\r\n`,
      );
    });
    this.#socket.on("data", (chunk: Buffer) => this.#data(chunk));
    this.#socket.on("error", (err) => this.onerror(err));
    this.#socket.on("close", () => {
      const was = this.readyState;
      this.readyState = RawWs.CLOSED;
      if (was !== RawWs.CLOSED) this.onclose();
    });
  }

  get bufferedAmount(): number {
    return this.#socket.writableLength;
  }

  /** A text message, masked with a zero key (valid: the key is the client's choice). */
  send(text: string): void {
    if (this.readyState !== RawWs.OPEN) return;
    this.#frame(0x1, Buffer.from(text));
  }

  terminate(): void {
    this.readyState = RawWs.CLOSED;
    this.#socket.destroy();
  }

  #frame(opcode: number, payload: Buffer): void {
    const len = payload.length;
    const head = len < 126 ? Buffer.alloc(6) : len < 65_536 ? Buffer.alloc(8) : Buffer.alloc(14);
    head[0] = 0x80 | opcode;
    if (len < 126) head[1] = 0x80 | len;
    else if (len < 65_536) {
      head[1] = 0x80 | 126;
      head.writeUInt16BE(len, 2);
    } else {
      head[1] = 0x80 | 127;
      head.writeBigUInt64BE(BigInt(len), 2);
    }
    this.#socket.write(Buffer.concat([head, payload]));
  }

  #data(chunk: Buffer): void {
    this.#buf = this.#buf.length ? Buffer.concat([this.#buf, chunk]) : chunk;
    if (!this.#handshaken) {
      const end = this.#buf.indexOf("\r\n\r\n");
      if (end < 0) return;
      const head = this.#buf.toString("latin1", 0, end);
      this.#buf = this.#buf.subarray(end + 4);
      if (!head.startsWith("HTTP/1.1 101")) {
        this.onerror(new Error(head.split("\r\n")[0]));
        this.terminate();
        return;
      }
      this.deflate = /sec-websocket-extensions:[^\r]*permessage-deflate/i.test(head);
      this.#handshaken = true;
      this.readyState = RawWs.OPEN;
      this.onopen();
    }
    let off = 0;
    const buf = this.#buf;
    while (buf.length - off >= 2) {
      const b0 = buf[off]!;
      const b1 = buf[off + 1]!;
      let len = b1 & 0x7f;
      let head = 2;
      if (len === 126) {
        if (buf.length - off < 4) break;
        len = buf.readUInt16BE(off + 2);
        head = 4;
      } else if (len === 127) {
        if (buf.length - off < 10) break;
        len = Number(buf.readBigUInt64BE(off + 2));
        head = 10;
      }
      if (buf.length - off < head + len) break;
      const payload = buf.subarray(off + head, off + head + len);
      off += head + len;
      const opcode = b0 & 0x0f;
      const fin = (b0 & 0x80) !== 0;
      if (opcode === 0x9) this.#frame(0xa, Buffer.from(payload));
      else if (opcode === 0x8) {
        if (payload.length >= 2) this.closeCode = payload.readUInt16BE(0);
        this.readyState = RawWs.CLOSED;
        this.#socket.end();
        this.onclose();
      } else if (opcode === 0x1 || opcode === 0x2 || opcode === 0x0) {
        if (opcode !== 0x0) this.#fragmentCompressed = (b0 & 0x40) !== 0;
        if (fin && this.#fragments.length === 0) this.onmessage(payload, this.#fragmentCompressed);
        else {
          this.#fragments.push(Buffer.from(payload));
          if (fin) this.onmessage(Buffer.concat(this.#fragments.splice(0)), this.#fragmentCompressed);
        }
      }
    }
    this.#buf = off === buf.length ? Buffer.alloc(0) : buf.subarray(off);
  }
}

/** The message of a compressed payload (permessage-deflate, no context takeover). */
export function inflateMessage(payload: Buffer): Buffer {
  return zlib.inflateRawSync(Buffer.concat([payload, Buffer.from([0x00, 0x00, 0xff, 0xff])]), { finishFlush: zlib.constants.Z_SYNC_FLUSH });
}
