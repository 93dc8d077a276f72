import fs from "node:fs";
import { createRequire } from "node:module";
import net from "node:net";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as wsModule from "ws";
import { WebSocket, WebSocketServer } from "ws";

const require = createRequire(import.meta.url);
const root = path.resolve(import.meta.dirname, "../..");
const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as { dependencies: Record<string, string> };

// We reach into two packages' private parts: node-media-server's RtmpSession (src/server/media/rtmp-ingest.ts) and
// ws's Sender and a socket's _sender/_extensions (src/server/platform/deflate.ts). An upgrade must be a decision:
// package.json pins both exactly, and this test names what broke if a new version moves them.
const PINNED = { "node-media-server": "4.4.3", ws: "8.23.0" } as const;

describe("the pinned internals we reach into", () => {
  it("package.json pins node-media-server and ws exactly, and those versions are installed", () => {
    for (const [name, version] of Object.entries(PINNED)) {
      expect(pkg.dependencies[name], `${name} must be pinned to an exact version in package.json`).toBe(version);
      const installed = (JSON.parse(fs.readFileSync(require.resolve(`${name}/package.json`), "utf8")) as { version: string }).version;
      expect(installed, `${name} installed ≠ pinned: run npm ci`).toBe(version);
    }
  });

  describe("node-media-server's RtmpSession (rtmp-ingest.ts)", () => {
    let server: net.Server;
    let client: net.Socket;
    let socket: net.Socket;
    beforeAll(async () => {
      const accepted = new Promise<net.Socket>((resolve) => {
        server = net.createServer(resolve);
      });
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
      client = net.connect((server.address() as net.AddressInfo).port, "127.0.0.1");
      socket = await accepted;
    });
    afterAll(async () => {
      client.destroy();
      socket.destroy();
      await new Promise((r) => server.close(r));
    });

    it("still has the module paths, hooks and fields the ingest overrides", () => {
      const RtmpSession = require("node-media-server/src/session/rtmp_session.js") as new (s: net.Socket) => Record<string, unknown>;
      const logger = require("node-media-server/src/core/logger.js") as { log?: unknown };
      expect(typeof RtmpSession, "node-media-server/src/session/rtmp_session.js no longer exports the session class").toBe("function");
      expect(typeof logger.log, "node-media-server/src/core/logger.js has no log(message, level)").toBe("function");

      const session = new RtmpSession(socket);
      for (const name of ["run", "onData"]) expect(typeof session[name], `RtmpSession.${name}`).toBe("function");
      expect(typeof session.id, "RtmpSession.id").toBe("string");
      const rtmp = session.rtmp as Record<string, unknown>;
      for (const name of ["onConnect", "onPublish", "onPlay", "respondPublish"]) expect(typeof rtmp[name], `RtmpSession.rtmp.${name}`).toBe("function");
      expect(rtmp.parserPacket, "RtmpSession.rtmp.parserPacket.header").toHaveProperty("header");
      expect(session.broadcast, "RtmpSession.broadcast.publishGraceMs").toHaveProperty("publishGraceMs");
    });
  });

  describe("ws's Sender (deflate.ts)", () => {
    it("exports Sender.frame, and an open server socket has _sender.sendFrame, _sender._state and _extensions", async () => {
      const Sender = (wsModule as unknown as { Sender?: { frame?: unknown } }).Sender;
      expect(typeof Sender?.frame, "ws no longer exports Sender.frame").toBe("function");

      const wss = new WebSocketServer({
        port: 0,
        host: "127.0.0.1",
        perMessageDeflate: { serverNoContextTakeover: true, threshold: Number.POSITIVE_INFINITY },
      });
      await new Promise((r) => wss.once("listening", r));
      const serverSide = new Promise<WebSocket>((r) => wss.once("connection", r));
      const client = new WebSocket(`ws://127.0.0.1:${(wss.address() as net.AddressInfo).port}`, { perMessageDeflate: true });
      await new Promise((r, j) => client.once("open", r).once("error", j));
      try {
        const ws = (await serverSide) as unknown as { _sender?: { sendFrame?: unknown; _state?: unknown }; _extensions?: Record<string, { params?: unknown }> };
        expect(typeof ws._sender?.sendFrame, "ws socket._sender.sendFrame").toBe("function");
        expect(ws._sender?._state, "ws socket._sender._state (0 = idle)").toBe(0);
        expect(ws._extensions?.["permessage-deflate"]?.params, "ws socket._extensions['permessage-deflate'].params").toMatchObject({
          server_no_context_takeover: true,
        });
      } finally {
        const closed = new Promise((r) => client.once("close", r));
        client.close();
        await closed;
        await new Promise((r) => wss.close(r));
      }
    });
  });
});
