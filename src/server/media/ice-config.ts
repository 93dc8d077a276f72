import type { RTCIceServer } from "werift";

// One reading of ICE_SERVERS / WEBRTC_PUBLIC_ADDRESSES / WEBRTC_PORT_RANGE for every peer connection the server makes (WHIP, WHEP, stage).

export interface WebRtcNetwork {
  iceServers: RTCIceServer[];
  /** Announced as host candidates besides the interfaces' own (a public address in front of 1:1 NAT). */
  publicAddresses: string[];
  /** WEBRTC_PORT_RANGE: the UDP ports peer connections bind, for a firewall rule; undefined: any free port. */
  portRange?: [number, number];
}

/**
 * ICE_SERVERS is a JSON array of RTCIceServer (`[{ "urls": "turn:…", "username": "…", "credential": "…" }]`) or a
 * comma-separated list of stun:/turn: URLs. A malformed value stops the start rather than silently running without.
 */
export function parseIceServers(raw: string | undefined): RTCIceServer[] {
  const text = raw?.trim();
  if (!text) return [];
  if (text.startsWith("[")) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new Error("Invalid configuration: ICE_SERVERS is not valid JSON");
    }
    if (!Array.isArray(parsed)) throw new Error("Invalid configuration: ICE_SERVERS must be a JSON array");
    return parsed.flatMap((entry, i) => {
      const e = entry as { urls?: unknown; username?: unknown; credential?: unknown };
      const urls = typeof e.urls === "string" ? [e.urls] : Array.isArray(e.urls) ? e.urls : [];
      if (urls.length === 0 || !urls.every((u) => typeof u === "string" && /^(stuns?|turns?):/.test(u))) {
        throw new Error(`Invalid configuration: ICE_SERVERS[${i}].urls must be stun:/turn: URLs`);
      }
      // werift takes one URL per entry.
      return urls.map((url: string) => ({
        urls: url,
        ...(typeof e.username === "string" ? { username: e.username } : {}),
        ...(typeof e.credential === "string" ? { credential: e.credential } : {}),
      }));
    });
  }
  return text
    .split(",")
    .map((u) => u.trim())
    .filter(Boolean)
    .map((url) => {
      if (!/^(stuns?|turns?):/.test(url)) throw new Error(`Invalid configuration: ICE_SERVERS: ${url} is not a stun:/turn: URL`);
      return { urls: url };
    });
}

export function webRtcNetwork(config: { ICE_SERVERS?: string; WEBRTC_PUBLIC_ADDRESSES?: string; webrtcPortRange?: [number, number] | null }): WebRtcNetwork {
  return {
    ...(config.webrtcPortRange ? { portRange: config.webrtcPortRange } : {}),
    iceServers: parseIceServers(config.ICE_SERVERS),
    publicAddresses: (config.WEBRTC_PUBLIC_ADDRESSES ?? "")
      .split(",")
      .map((a) => a.trim())
      .filter(Boolean),
  };
}
