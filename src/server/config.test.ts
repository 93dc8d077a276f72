import { describe, expect, it } from "vitest";
import { loadConfig } from "./config.js";
import { parseIceServers, webRtcNetwork } from "./media/ice-config.js";
import { flushSliceMs } from "./realtime/factory.js";
import { FLUSH_SLICE_MS } from "./realtime/room.js";

describe("WebRTC settings", () => {
  it("reads ICE_SERVERS as RTCIceServer JSON (TURN with credentials) or as a comma list of URLs", () => {
    expect(parseIceServers(undefined)).toEqual([]);
    expect(parseIceServers("stun:stun.example.com:3478, turn:turn.example.com:3478?transport=udp")).toEqual([
      { urls: "stun:stun.example.com:3478" },
      { urls: "turn:turn.example.com:3478?transport=udp" },
    ]);
    expect(parseIceServers('[{"urls":"turn:t.example.com:3478","username":"u","credential":"p"}]')).toEqual([
      { urls: "turn:t.example.com:3478", username: "u", credential: "p" },
    ]);
    for (const bad of ["http://stun.example.com", "[{", '[{"username":"u"}]']) expect(() => parseIceServers(bad), bad).toThrow(/ICE_SERVERS/);
  });

  it("takes WEBRTC_PORT_RANGE as low-high, for every peer connection's network", () => {
    const c = loadConfig({ WEBRTC_PORT_RANGE: "40000-40999", WEBRTC_PUBLIC_ADDRESSES: "203.0.113.10", DATA_DIR: "/tmp/showcart-config-test" });
    expect(c.webrtcPortRange).toEqual([40000, 40999]);
    expect(webRtcNetwork(c)).toEqual({ iceServers: [], publicAddresses: ["203.0.113.10"], portRange: [40000, 40999] });
    const plain = loadConfig({ DATA_DIR: "/tmp/showcart-config-test" });
    expect(plain.webrtcPortRange).toBeNull();
    expect(webRtcNetwork(plain).portRange).toBeUndefined();
    expect(() => loadConfig({ WEBRTC_PORT_RANGE: "50000-40000" })).toThrow(/WEBRTC_PORT_RANGE/);
    expect(() => loadConfig({ WEBRTC_PORT_RANGE: "80-90" })).toThrow(/WEBRTC_PORT_RANGE/);
    expect(() => loadConfig({ WEBRTC_PORT_RANGE: "40000" })).toThrow(/WEBRTC_PORT_RANGE/);
  });
});

describe("REDIS_PREFIX", () => {
  it("defaults to showcart: and takes a deployment's own, refusing one that would not end its keys' first part", () => {
    expect(loadConfig({ DATA_DIR: "/tmp/showcart-config-test" }).REDIS_PREFIX).toBe("showcart:");
    expect(loadConfig({ DATA_DIR: "/tmp/showcart-config-test", REDIS_PREFIX: "shop-a.eu_1:" }).REDIS_PREFIX).toBe("shop-a.eu_1:");
    for (const bad of ["shop-a", "", ":", "shop a:", "shop*:", `${"x".repeat(49)}:`])
      expect(() => loadConfig({ DATA_DIR: "/tmp/showcart-config-test", REDIS_PREFIX: bad }), bad).toThrow(/REDIS_PREFIX/);
  });
});

describe("REALTIME_FLUSH_SLICE_MS", () => {
  it("defaults to 8 ms where statements' answers wait for a turn (PostgreSQL, PGLITE_THREAD) and to none on the embedded PGlite", () => {
    const at = (env: Record<string, string>) => flushSliceMs(loadConfig({ DATA_DIR: "/tmp/showcart-config-test", ...env }));
    expect(at({})).toBe(0);
    expect(at({ DATABASE_URL: "postgres://127.0.0.1/x" })).toBe(FLUSH_SLICE_MS);
    expect(at({ PGLITE_THREAD: "1" })).toBe(FLUSH_SLICE_MS);
    expect(at({ DATABASE_URL: "postgres://127.0.0.1/x", REALTIME_FLUSH_SLICE_MS: "0" })).toBe(0);
    expect(at({ REALTIME_FLUSH_SLICE_MS: "12.5" })).toBe(12.5);
    expect(() => at({ REALTIME_FLUSH_SLICE_MS: "-1" })).toThrow(/REALTIME_FLUSH_SLICE_MS/);
  });
});
