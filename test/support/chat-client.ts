import WebSocket from "ws";
import type { Envelope, ServerFrame } from "../../src/protocol/realtime.js";

/** A WebSocket client that records frames and waits for one matching a predicate. */
export class ChatClient {
  frames: ServerFrame[] = [];
  events: Envelope[] = [];
  closed: { code: number; reason: string } | null = null;
  #waiters: { pred: (f: ServerFrame) => boolean; resolve: (f: ServerFrame) => void }[] = [];
  constructor(readonly ws: WebSocket) {
    ws.on("message", (raw) => {
      const f = JSON.parse(raw.toString()) as ServerFrame;
      this.frames.push(f);
      if (f.t === "batch") this.events.push(...f.d);
      const ready = this.#waiters.filter((w) => w.pred(f));
      this.#waiters = this.#waiters.filter((w) => !ready.includes(w));
      for (const w of ready) w.resolve(f);
    });
    ws.on("close", (code, reason) => {
      this.closed = { code, reason: reason.toString() };
    });
    ws.on("error", () => {});
  }
  static async open(url: string, headers: Record<string, string> = {}): Promise<ChatClient> {
    const ws = new WebSocket(url, { headers });
    const c = new ChatClient(ws);
    await new Promise((resolve, reject) => {
      ws.once("open", resolve);
      ws.once("error", reject);
    });
    await c.waitFor((f) => f.t === "snapshot" || (f.t === "hello" && f.d.resumed));
    return c;
  }
  waitFor(pred: (f: ServerFrame) => boolean, ms = 15_000): Promise<ServerFrame> {
    const found = this.frames.find(pred);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`timed out; last frames: ${JSON.stringify(this.frames.slice(-5)).slice(0, 800)}`)), ms);
      this.#waiters.push({
        pred,
        resolve: (f) => {
          clearTimeout(t);
          resolve(f);
        },
      });
    });
  }
  waitEvent(pred: (e: Envelope) => boolean, ms = 15_000): Promise<Envelope> {
    return this.waitFor((f) => f.t === "batch" && f.d.some(pred), ms).then(() => this.events.find(pred)!);
  }
  waitError(code: string, ms = 15_000) {
    return this.waitFor((f) => f.t === "error" && f.d.code === code, ms) as Promise<Extract<ServerFrame, { t: "error" }>>;
  }
  send(cmd: unknown) {
    this.ws.send(typeof cmd === "string" ? cmd : JSON.stringify(cmd));
  }
  close() {
    this.ws.close();
  }
}
