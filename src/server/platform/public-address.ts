import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import { lookup } from "node:dns/promises";
import { BlockList, type LookupFunction, isIP } from "node:net";

// Addresses a tenant may not make the server connect to: loopback, private, link-local, CGNAT, multicast and the like.
// Without this a merchant or host could aim a webhook or a simulcast relay at services inside our network (SSRF).
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

/** Every address a host name resolves to. Injected where tests need a DNS stand-in. */
export type ResolveHost = (hostname: string) => Promise<string[]>;

export const resolveWithDns: ResolveHost = async (hostname) => (await lookup(hostname, { all: true, verbatim: true })).map((a) => a.address);

/** The host of a URL as a resolver or `isIP` takes it (IPv6 without brackets). */
export function hostOfUrl(url: string): string {
  return new URL(url).hostname.replace(/^\[|\]$/g, "");
}

const isLocalhostName = (host: string) => host === "localhost" || host.endsWith(".localhost");

export class InternalAddressError extends Error {}

/**
 * The address to connect to for `hostname`, checked: refused when the name does not resolve or when ANY address it
 * resolves to is internal (one internal answer among public ones is how rebinding services work), unless
 * `allowInternal`. The caller must connect to the returned address, not to the name again, so DNS cannot change
 * between check and connect.
 */
export async function checkedAddressOf(hostname: string, opts: { allowInternal: boolean; resolve?: ResolveHost }): Promise<string> {
  if (!opts.allowInternal && isLocalhostName(hostname)) throw new InternalAddressError(`${hostname} is a local host name`);
  const addresses = isIP(hostname)
    ? [hostname]
    : await (opts.resolve ?? resolveWithDns)(hostname).catch((err: NodeJS.ErrnoException) => {
        throw new InternalAddressError(`${hostname} does not resolve (${err.code ?? err.message})`);
      });
  if (addresses.length === 0) throw new InternalAddressError(`${hostname} does not resolve`);
  const inside = opts.allowInternal ? undefined : addresses.find(isInternalAddress);
  if (inside) throw new InternalAddressError(`${hostname} resolves to an internal address (${inside})`);
  return addresses[0]!;
}

/**
 * The save-time check: true when the host is, or resolves to, an internal address. A name that does not resolve yet
 * passes here; the connect-time check (publicAddressOf) is the one that counts.
 */
export async function isInternalHost(url: string, resolve: ResolveHost = resolveWithDns): Promise<boolean> {
  const host = hostOfUrl(url);
  if (isLocalhostName(host)) return true;
  const addresses = isIP(host) ? [host] : await resolve(host).catch(() => [] as string[]);
  return addresses.some(isInternalAddress);
}

/** A `lookup` for http(s).request (webhooks, push) that fails when any address the name resolves to is internal, so we never connect there. */
export const publicOnlyLookup: LookupFunction = (hostname, options, callback) => {
  dnsLookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
    if (err) return callback(err, "", 0);
    const internal = addresses.find((a) => isInternalAddress(a.address));
    if (internal || addresses.length === 0) return callback(new InternalAddressError(`${hostname} resolves to an internal address`), "", 0);
    if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
    callback(null, addresses[0]!.address, addresses[0]!.family);
  });
};
