import { AppError } from "../platform/errors.js";
import { InternalAddressError, isInternalHost, publicOnlyLookup } from "../platform/public-address.js";

// The SSRF guard (platform/public-address.ts) for http(s) endpoints: a merchant account must not make the server POST
// into its own network. Checked when the endpoint is saved, and again on every connection (the name may resolve
// elsewhere later): http.request connects to the address publicOnlyLookup checked, so rebinding cannot slip between.

export { InternalAddressError, publicOnlyLookup };

/** Refuses an endpoint whose host is, or resolves to, an internal address, unless `allowInternal` (WEBHOOKS_ALLOW_PRIVATE=1). */
export async function assertPublicWebhookHost(url: string, allowInternal: boolean): Promise<void> {
  if (allowInternal) return;
  if (await isInternalHost(url)) {
    throw new AppError("invalid_body", "url: the endpoint must be a public host (set WEBHOOKS_ALLOW_PRIVATE=1 to allow internal hosts)");
  }
}
