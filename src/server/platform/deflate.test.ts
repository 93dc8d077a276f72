import { createServer } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import WebSocket, { WebSocketServer } from "ws";
import { deflatedFrame, perMessageDeflateOptions, sharedDeflateWriter } from "./deflate.js";

// Shared compression leans on ws internals (Sender.frame, the socket's _sender and _extensions): these tests fail if a
// ws upgrade changes them, and check that a client that negotiated something else gets no compressed frame.
describe("shared per-message deflate", () => {
  let close: (() => Promise<void>) | null = null;
  afterEach(async () => {
    await close?.();
    close = null;
  });

  async function serve(onSocket: (ws: WebSocket) => void): Promise<string> {
    const http = createServer();
    const wss = new WebSocketServer({ server: http, perMessageDeflate: perMessageDeflateOptions(true) });
    wss.on("connection", onSocket);
    await new Promise<void>((r) => http.listen(0, "127.0.0.1", r));
    close = async () => {
      for (const c of wss.clients) c.terminate();
      await new Promise<void>((r) => wss.close(() => r()));
      await new Promise<void>((r) => http.close(() => r()));
    };
    return `ws://127.0.0.1:${(http.address() as { port: number }).port}`;
  }

  const text = JSON.stringify({ t: "batch", at: 1, d: Array.from({ length: 50 }, (_, i) => ({ t: "chat.posted", seq: i, d: { text: `héllo 😍 ${i}` } })) });

  it("one compressed frame, written to several sockets, arrives as the original text on each", async () => {
    const frame = deflatedFrame(Buffer.from(text));
    expect(frame.length).toBeLessThan(Buffer.byteLength(text) / 2);
    const url = await serve((ws) => {
      const write = sharedDeflateWriter(ws);
      expect(write).not.toBeNull();
      expect(write!(frame)).toBe(true);
      // A plain message after it (ws's own path, never compressed here) keeps its order.
      ws.send("after", { compress: false });
    });
    const received = await Promise.all(
      [0, 1, 2].map(
        () =>
          new Promise<string[]>((resolve, reject) => {
            const client = new WebSocket(url, { perMessageDeflate: true });
            const got: string[] = [];
            client.on("message", (data) => {
              got.push(String(data));
              if (got.length === 2) {
                client.close();
                resolve(got);
              }
            });
            client.on("error", reject);
          }),
      ),
    );
    for (const got of received) expect(got).toEqual([text, "after"]);
  });

  it("no writer for a client without the extension or with a smaller server window", async () => {
    const writers: (unknown | null)[] = [];
    const url = await serve((ws) => {
      writers.push(sharedDeflateWriter(ws));
      ws.close();
    });
    for (const perMessageDeflate of [false, { serverMaxWindowBits: 10 }] as const) {
      const client = new WebSocket(url, { perMessageDeflate });
      await new Promise((r) => client.on("close", r));
    }
    expect(writers).toEqual([null, null]);
  });
});
