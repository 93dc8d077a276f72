import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import type { LookupFunction } from "node:net";
import { AppError } from "../platform/errors.js";
import { InternalAddressError, isInternalAddress, isInternalHost } from "../platform/public-address.js";

// The SSRF guard (platform/public-address.ts) for http(s) endpoints: a merchant account must not make the server POST
// into its own network. Checked when the endpoint is saved, and again on every connection (the name may resolve
// elsewhere later): http.request connects to the address publicOnlyLookup checked, so rebinding cannot slip between.

export { InternalAddressError };

/** Refuses an endpoint whose host is, or resolves to, an internal address, unless `allowInternal` (WEBHOOKS_ALLOW_PRIVATE=1). */
export async function assertPublicWebhookHost(url: string, allowInternal: boolean): Promise<void> {
  if (allowInternal) return;
  if (await isInternalHost(url)) {
    throw new AppError("invalid_body", "url: the endpoint must be a public host (set WEBHOOKS_ALLOW_PRIVATE=1 to allow internal hosts)");
  }
}

/** A `lookup` for http.request that fails when any address the name resolves to is internal, so we never connect there. */
export const publicOnlyLookup: LookupFunction = (hostname, options, callback) => {
  dnsLookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
    if (err) return callback(err, "", 0);
    const internal = addresses.find((a) => isInternalAddress(a.address));
    if (internal || addresses.length === 0) return callback(new InternalAddressError(`${hostname} resolves to an internal address`), "", 0);
    if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
    callback(null, addresses[0]!.address, addresses[0]!.family);
  });
};
