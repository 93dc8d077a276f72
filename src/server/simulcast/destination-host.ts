import { AppError } from "../platform/errors.js";
import { isInternalHost, resolveWithDns, type ResolveHost } from "../platform/public-address.js";

/**
 * Refuses a destination whose host is, or resolves to, an internal address, unless `allowInternal`
 * (SIMULCAST_ALLOW_PRIVATE=1, for a private restream server or tests). Checked when the destination is saved; the
 * relay checks again before every connect (service.ts), since a name that does not resolve yet passes here.
 */
export async function assertPublicRtmpHost(url: string, allowInternal: boolean, resolve: ResolveHost = resolveWithDns): Promise<void> {
  if (allowInternal) return;
  if (await isInternalHost(url, resolve)) {
    throw new AppError("invalid_body", "url: the destination must be a public RTMP server (set SIMULCAST_ALLOW_PRIVATE=1 to allow internal hosts)");
  }
}
