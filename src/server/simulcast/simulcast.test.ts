import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { login, request } from "../../../test/support/http.js";
import { startTestServer, type TestServer } from "../../../test/support/server.js";
import { defaultFfmpegPath } from "../config.js";
import { startSyntheticSource, type SyntheticSource } from "../media/index.js";
import { RtmpIngest } from "../media/rtmp-ingest.js";
import { SecretBox, loadSecretsKey, parseSecretsKey } from "./secret-box.js";
import { until } from "../../../test/support/until.js";
import { backends } from "../../../test/support/db.js";
import type { ResolveHost } from "../platform/public-address.js";

/** A DNS stand-in: names the test controls, anything else does not resolve. */
function standInDns(names: Map<string, string[]>): ResolveHost & { asked: string[] } {
  const asked: string[] = [];
  const resolve = async (host: string) => {
    asked.push(host);
    const found = names.get(host);
    if (!found) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: "ENOTFOUND" });
    return found;
  };
  return Object.assign(resolve, { asked });
}

describe("secret box", () => {
  it("seals with a fresh IV, opens only with the same key and binding", () => {
    const box = new SecretBox(Buffer.alloc(32, 7));
    const a = box.seal("live_123_secret", "dst_1");
    expect(a).not.toContain("live_123_secret");
    expect(box.seal("live_123_secret", "dst_1")).not.toBe(a);
    expect(box.open(a, "dst_1")).toBe("live_123_secret");
    expect(() => box.open(a, "dst_2")).toThrow();
    expect(() => new SecretBox(Buffer.alloc(32, 8)).open(a, "dst_1")).toThrow();
  });

  it("reads SECRETS_KEY as hex or base64 and otherwise generates a mode-600 key file once", () => {
    expect(parseSecretsKey("ab".repeat(32))).toHaveLength(32);
    expect(parseSecretsKey(Buffer.alloc(32, 1).toString("base64"))).toHaveLength(32);
    expect(() => parseSecretsKey("short")).toThrow();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "showcart-secrets-"));
    const first = loadSecretsKey({ dataDir: dir });
    expect(first.source).toBe("generated");
    expect(fs.statSync(first.file!).mode & 0o777).toBe(0o600);
    const again = loadSecretsKey({ dataDir: dir });
    expect(again.source).toBe("file");
    expect(again.key.equals(first.key)).toBe(true);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe("simulcast to an RTMP destination", () => {
  const DEST_KEY = "dest-key-8f3a9c2e71";
  let server: TestServer;
  let dest: RtmpIngest;
  let source: SyntheticSource | undefined;
  let cookie: string;
  const published: string[] = [];
  const unpublished: string[] = [];

  beforeAll(async () => {
    // restream.test resolves only through the stand-in: the relay can reach it only by the address we resolved.
    server = await startTestServer({
      demo: true,
      synthetic: false,
      resolveHost: standInDns(new Map([["restream.test", ["127.0.0.1"]]])),
      env: { RECONNECT_GRACE_SECONDS: "1", SIMULCAST_ALLOW_PRIVATE: "1" },
    });
    // A second ingest stands in for YouTube/Twitch: it accepts one key and tells us when a stream arrives.
    dest = new RtmpIngest({
      log: server.app.log.child({ module: "destination" }),
      resolveStreamKey: async (key) => (key === DEST_KEY ? { showId: "restream" } : null),
      onPublish: (id) => published.push(id),
      onUnpublish: (id) => unpublished.push(id),
    });
    await dest.listen("127.0.0.1", 0);
    cookie = await login(server.url, server.demo.hostEmail, server.demo.hostPassword);
  }, 180_000);

  afterAll(async () => {
    await source?.stop();
    await server?.close();
    await dest?.close();
  });

  const base = () => `/api/studio/shows/${server.demo.showId}/destinations`;

  it("refuses bad input, strangers and unknown destinations", async () => {
    const cases: [string, Promise<{ status: number; body: any }>, number, string][] = [
      ["not signed in", request(server.url, "GET", base()), 401, "unauthenticated"],
      ["http URL", request(server.url, "POST", base(), { cookie, body: { name: "x", url: "http://example.com/live", streamKey: "k" } }), 400, "invalid_body"],
      [
        "key with spaces",
        request(server.url, "POST", base(), { cookie, body: { name: "x", url: "rtmp://example.com/live", streamKey: "a b" } }),
        400,
        "invalid_body",
      ],
      ["missing key", request(server.url, "POST", base(), { cookie, body: { name: "x", url: "rtmp://example.com/live" } }), 400, "invalid_body"],
      [
        "unknown field",
        request(server.url, "POST", base(), { cookie, body: { name: "x", url: "rtmp://example.com/live", streamKey: "k", extra: 1 } }),
        400,
        "invalid_body",
      ],
      ["unknown destination", request(server.url, "DELETE", `${base()}/dst_nope`, { cookie }), 404, "not_found"],
      ["enable unknown", request(server.url, "POST", `${base()}/dst_nope/enable`, { cookie }), 404, "not_found"],
      ["unknown show", request(server.url, "GET", "/api/studio/shows/shw_nope/destinations", { cookie }), 404, "not_found"],
    ];
    for (const [name, p, status, code] of cases) {
      const res = await p;
      expect(res.status, name).toBe(status);
      expect(res.body.error.code, name).toBe(code);
    }
  });

  it("restreams the live show to the destination, keeps the key encrypted, and stops when disabled", async () => {
    const created = await request(server.url, "POST", base(), {
      cookie,
      body: { name: "Test platform", url: `rtmp://restream.test:${dest.port()}/live`, streamKey: DEST_KEY },
    });
    expect(created.status).toBe(201);
    const id = created.body.destination.id as string;
    expect(created.body.destination).toMatchObject({ name: "Test platform", enabled: true, status: "idle" });
    expect(JSON.stringify(created.body)).not.toContain(DEST_KEY);
    const row = await server.db.db.selectFrom("simulcast_destinations").selectAll().where("id", "=", id).executeTakeFirstOrThrow();
    expect(JSON.stringify(row)).not.toContain(DEST_KEY);
    expect(row.stream_key_hint).toBe(DEST_KEY.slice(0, 4) + `…(${DEST_KEY.length})`);

    source = startSyntheticSource({
      ffmpegPath: process.env.FFMPEG_PATH ?? defaultFfmpegPath(),
      rtmpUrl: `${server.rtmpUrl}/${server.demo.streamKey}`,
      durationSeconds: 60,
      restartDelayMs: 600_000,
    });
    await until("destination receives the stream", () => published.includes("restream"));
    await until("relay reported live", async () => {
      const list = await request(server.url, "GET", base(), { cookie });
      return list.body.destinations.find((d: { id: string }) => d.id === id)?.status === "live";
    });
    const list = await request(server.url, "GET", base(), { cookie });
    expect(JSON.stringify(list.body)).not.toContain(DEST_KEY);

    // A destination that refuses the key: error status with ffmpeg's last words (key scrubbed), retried with backoff.
    const wrongKey = "wrong-key-5d1e0b7c";
    const bad = await request(server.url, "POST", base(), {
      cookie,
      body: { name: "Refuses", url: `rtmp://127.0.0.1:${dest.port()}/live`, streamKey: wrongKey },
    });
    const failed = await until("relay error", async () => {
      const res = await request(server.url, "GET", base(), { cookie });
      const d = res.body.destinations.find((x: { id: string }) => x.id === bad.body.destination.id);
      return d?.status === "error" ? d : null;
    });
    expect(failed.lastError).toEqual(expect.any(String));
    expect(failed.lastError).not.toContain(wrongKey);
    expect((await request(server.url, "DELETE", `${base()}/${bad.body.destination.id}`, { cookie })).status).toBe(200);

    const disabled = await request(server.url, "POST", `${base()}/${id}/disable`, { cookie });
    expect(disabled.body.destination).toMatchObject({ enabled: false, status: "idle" });
    await until("destination stream ends", () => unpublished.includes("restream"));

    const removed = await request(server.url, "DELETE", `${base()}/${id}`, { cookie });
    expect(removed.status).toBe(200);
    expect((await request(server.url, "GET", base(), { cookie })).body.destinations).toEqual([]);
  }, 180_000);
});

describe.each(backends)("simulcast SSRF guard at connect time (%s)", (backend) => {
  let server: TestServer;
  let trap: net.Server;
  let connections = 0;
  const names = new Map<string, string[]>();
  const dns = standInDns(names);

  beforeAll(async () => {
    // SIMULCAST_ALLOW_PRIVATE off; the demo show is live (synthetic source), so a new destination starts relaying at once.
    // Retries after 0.2–0.8 s instead of the default 2, 4, 8 s: the test waits for three of them, each a DNS check.
    server = await startTestServer({ backend, demo: true, resolveHost: dns, simulcastBackoffMs: [200, 400, 800] });
    trap = net.createServer((socket) => {
      connections += 1;
      socket.destroy();
    });
    await new Promise<void>((resolve) => trap.listen(0, "127.0.0.1", resolve));
  }, 180_000);

  afterAll(async () => {
    await server?.close();
    await new Promise((resolve) => trap?.close(resolve));
  });

  it("never connects to a destination saved while its name did not resolve that later resolves to 127.0.0.1", async () => {
    const cookie = await login(server.url, server.demo.hostEmail, server.demo.hostPassword);
    const base = `/api/studio/shows/${server.demo.showId}/destinations`;
    await until("demo show live", () => server.services.media.showState(server.demo.showId) !== undefined);
    const port = (trap.address() as net.AddressInfo).port;
    const created = await request(server.url, "POST", base, { cookie, body: { name: "Later", url: `rtmp://later.test:${port}/live`, streamKey: "k-later" } });
    expect(created.status).toBe(201); // nothing to refuse yet: the name does not resolve
    const id = created.body.destination.id as string;
    const destination = async () => (await request(server.url, "GET", base, { cookie })).body.destinations.find((d: { id: string }) => d.id === id);
    await until("unresolved name shown as the error", async () => (await destination())?.lastError?.includes("does not resolve"));

    names.set("later.test", ["127.0.0.1"]);
    const askedBefore = dns.asked.filter((h) => h === "later.test").length;
    const refused = await until("refusal shown in the studio", async () => {
      const d = await destination();
      return d?.lastError?.includes("internal address") ? d : null;
    });
    expect(refused).toMatchObject({ status: "error", lastError: "later.test resolves to an internal address (127.0.0.1)" });
    // Resolved and checked again on the next retry, still refused.
    await until("checked again on retry", () => dns.asked.filter((h) => h === "later.test").length >= askedBefore + 2, 20_000);
    expect(connections).toBe(0);

    // A rebinding answer (a public address plus an internal one) is refused too.
    names.set("later.test", ["8.8.8.8", "127.0.0.1"]);
    const askedNow = dns.asked.length;
    await until("checked the rebinding answer", () => dns.asked.length > askedNow, 20_000);
    await until("refused", async () => (await destination())?.lastError?.includes("internal address"));
    expect(connections).toBe(0);
    expect((await request(server.url, "DELETE", `${base}/${id}`, { cookie })).status).toBe(200);
  }, 180_000);
});
