import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { systemClock } from "../platform/clock.js";
import { createMailer, pooledSmtpUrl } from "./service.js";

/** A minimal SMTP server (RFC 5321's commands nodemailer sends, no extensions): counts connections and messages. */
function smtpServer() {
  const stats = { open: 0, maxOpen: 0, connections: 0, messages: [] as string[] };
  const server = net.createServer((socket) => {
    stats.open++;
    stats.connections++;
    stats.maxOpen = Math.max(stats.maxOpen, stats.open);
    socket.on("close", () => stats.open--);
    socket.on("error", () => undefined);
    socket.write("220 test ESMTP\r\n");
    let buffered = "";
    let data: string[] | null = null;
    socket.on("data", (chunk) => {
      buffered += chunk.toString("utf8");
      for (let end = buffered.indexOf("\r\n"); end >= 0; end = buffered.indexOf("\r\n")) {
        const line = buffered.slice(0, end);
        buffered = buffered.slice(end + 2);
        if (data) {
          if (line !== ".") data.push(line);
          else {
            stats.messages.push(data.join("\n"));
            data = null;
            socket.write("250 queued\r\n");
          }
          continue;
        }
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === "EHLO" || verb === "HELO") socket.write("250 test\r\n");
        else if (verb === "MAIL" || verb === "RCPT" || verb === "RSET" || verb === "NOOP") socket.write("250 ok\r\n");
        else if (verb === "DATA") {
          data = [];
          socket.write("354 go on\r\n");
        } else if (verb === "QUIT") socket.end("221 bye\r\n");
        else socket.write("502 not here\r\n");
      }
    });
  });
  return { server, stats };
}

describe("the SMTP mailer", () => {
  const { server, stats } = smtpServer();
  let port = 0;
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as net.AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("pools its connections unless SMTP_URL says otherwise", () => {
    expect(pooledSmtpUrl("smtp://user:p%40ss@mail.example.com:587")).toBe("smtp://user:p%40ss@mail.example.com:587?pool=true");
    expect(pooledSmtpUrl("smtps://mail.example.com/?pool=false")).toBe("smtps://mail.example.com/?pool=false");
    expect(pooledSmtpUrl("smtp://mail.example.com/?maxConnections=2")).toBe("smtp://mail.example.com/?maxConnections=2&pool=true");
  });

  it("sends 40 emails handed over at once through at most 5 connections, every one delivered", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "showcart-smtp-"));
    const mailer = createMailer({ smtpUrl: `smtp://127.0.0.1:${port}`, from: "shop@example.com", dir, clock: systemClock });
    try {
      await Promise.all(
        Array.from({ length: 40 }, (_, i) => mailer.send({ to: `buyer${i}@example.com`, subject: `Order ${i}`, text: `Thanks, order ${i}.` }, `obx_${i}`)),
      );
      expect(stats.messages).toHaveLength(40);
      for (let i = 0; i < 40; i++) expect(stats.messages.some((m) => m.includes(`Subject: Order ${i}\n`) || m.includes(`Subject: Order ${i}\r`))).toBe(true);
      expect(stats.maxOpen).toBeLessThanOrEqual(5);
      expect(stats.connections).toBeLessThanOrEqual(5);
    } finally {
      mailer.close?.();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
