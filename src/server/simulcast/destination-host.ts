import { lookup } from "node:dns/promises";
import { BlockList, isIP } from "node:net";
import { AppError } from "../platform/errors.js";

// Addresses a host may not make the server connect to: loopback, private, link-local, CGNAT, multicast and the like.
// Without this a studio account could aim the relay at services inside the server's network (SSRF).
const internal = new BlockList();
for (const [net, prefix] of [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["224.0.0.0", 3],
] as const)
  internal.addSubnet(net, prefix, "ipv4");
for (const [net, prefix] of [
  ["::", 127],
  ["fc00::", 7],
  ["fe80::", 10],
  ["ff00::", 8],
] as const)
  internal.addSubnet(net, prefix, "ipv6");

export function isInternalAddress(raw: string): boolean {
  // An IPv4-mapped IPv6 address (::ffff:127.0.0.1) is judged as the IPv4 address it carries.
  const address = raw.toLowerCase().startsWith("::ffff:") && isIP(raw.slice(7)) === 4 ? raw.slice(7) : raw;
  const family = isIP(address);
  if (family === 0) return false;
  return internal.check(address, family === 6 ? "ipv6" : "ipv4");
}

/**
 * Refuses a destination whose host is, or resolves to, an internal address, unless `allowInternal`
 * (SIMULCAST_ALLOW_PRIVATE=1, for a private restream server or tests). Checked when the destination is saved.
 */
export async function assertPublicRtmpHost(url: string, allowInternal: boolean): Promise<void> {
  if (allowInternal) return;
  const host = new URL(url).hostname.replace(/^\[|\]$/g, "");
  const addresses = isIP(host) ? [host] : await lookup(host, { all: true }).then((r) => r.map((a) => a.address), () => [] as string[]);
  if (host === "localhost" || addresses.some(isInternalAddress)) {
    throw new AppError("invalid_body", "url: the destination must be a public RTMP server (set SIMULCAST_ALLOW_PRIVATE=1 to allow internal hosts)");
  }
}
