import http from "node:http";
import https from "node:https";
import { isIP } from "node:net";
import { isInternalAddress } from "../platform/public-address.js";
import { InternalAddressError, publicOnlyLookup } from "./endpoint-host.js";

export const EXCERPT_BYTES = 1024;

export interface DeliveryResponse {
  statusCode: number;
  /** The first EXCERPT_BYTES of the body (the rest is not read). */
  excerpt: string;
}

/**
 * One POST, no redirects followed (a 3xx is not a delivery). Resolves with the status and the start of the body, or
 * rejects on a network error, an internal address (unless allowed) or when the whole exchange takes over `timeoutMs`.
 */
export function postJson(
  url: string,
  body: string,
  headers: Record<string, string>,
  opts: { timeoutMs: number; allowInternal: boolean },
): Promise<DeliveryResponse> {
  const u = new URL(url);
  const literal = u.hostname.replace(/^\[|\]$/g, "");
  if (!opts.allowInternal && isIP(literal) && isInternalAddress(literal)) return Promise.reject(new InternalAddressError(`${literal} is an internal address`));
  const client = u.protocol === "https:" ? https : http;
  return new Promise((resolve, reject) => {
    let settled = false;
    const finish = (err: Error | null, res?: DeliveryResponse) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (err) reject(err);
      else resolve(res!);
    };
    const req = client.request(
      u,
      {
        method: "POST",
        headers: { ...headers, "content-type": "application/json", "content-length": Buffer.byteLength(body), "user-agent": "Showcart-Webhooks/1" },
        agent: false,
        ...(opts.allowInternal ? {} : { lookup: publicOnlyLookup }),
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        const done = () => {
          const excerpt = Buffer.concat(chunks)
            .subarray(0, EXCERPT_BYTES)
            .toString("utf8")
            .replace(/\u0000/g, "");
          finish(null, { statusCode: res.statusCode ?? 0, excerpt });
          res.destroy();
        };
        res.on("data", (c: Buffer) => {
          if (size >= EXCERPT_BYTES) return;
          chunks.push(c);
          size += c.length;
          if (size >= EXCERPT_BYTES) done();
        });
        res.on("end", done);
        res.on("error", (err) => (size > 0 ? done() : finish(err)));
        res.on("close", done);
      },
    );
    const timer = setTimeout(() => req.destroy(new Error(`timed out after ${opts.timeoutMs / 1000} s`)), opts.timeoutMs);
    req.on("error", (err) => finish(err));
    req.end(body);
  });
}
