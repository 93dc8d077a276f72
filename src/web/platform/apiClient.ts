import type { ErrorCode } from "../../protocol/errors.js";
import { observeServerDate } from "./serverClock.js";

export type { ErrorCode };
/** The server's codes plus the client's own: "network" when no answer came. */
export type ClientErrorCode = ErrorCode | "network";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

/** A request that never reached the server or got no answer; safe to retry with the same idempotency key. */
export class NetworkError extends Error {}

interface RequestOptions {
  body?: unknown;
  /** Sent as it is, with its own type, instead of JSON: a picture for the image routes. */
  file?: Blob;
  headers?: Record<string, string>;
}

async function request<T>(method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE", path: string, opts: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { accept: "application/json", ...opts.headers };
  if (method !== "GET") {
    // The server's CSRF guard for cookie-authenticated requests: a custom header a cross-site form cannot send.
    headers["x-showcart-csrf"] = "1";
    if (opts.file) headers["content-type"] = opts.file.type || "application/octet-stream";
    else if (opts.body !== undefined) headers["content-type"] = "application/json";
  }
  const sentAt = Date.now();
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers,
      body: opts.file ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body)),
      credentials: "same-origin",
    });
  } catch (err) {
    throw new NetworkError(String(err));
  }
  observeServerDate(res.headers.get("date"), sentAt, Date.now());
  let json: unknown = null;
  try {
    json = res.status === 204 ? null : await res.json();
  } catch {
    if (res.ok) throw new NetworkError("The server answered with something that is not JSON.");
  }
  if (!res.ok) {
    // The server answers only with codes from protocol/errors.ts (the error handler maps everything else to internal).
    const err = (json as { error?: { code?: ErrorCode; message?: string; details?: unknown } } | null)?.error;
    throw new ApiError(res.status, err?.code ?? "internal", err?.message ?? res.statusText, err?.details);
  }
  return json as T;
}

export const api = {
  get: <T>(path: string, headers?: Record<string, string>) => request<T>("GET", path, { headers }),
  post: <T>(path: string, body?: unknown, headers?: Record<string, string>) => request<T>("POST", path, { body: body ?? {}, headers }),
  del: <T>(path: string, headers?: Record<string, string>) => request<T>("DELETE", path, { headers }),
  patch: <T>(path: string, body: unknown) => request<T>("PATCH", path, { body }),
  put: <T>(path: string, body: unknown) => request<T>("PUT", path, { body }),
  /** POSTs a file as the raw body (the image routes: product pictures, show covers, shop logos). */
  upload: <T>(path: string, file: Blob) => request<T>("POST", path, { file }),
};
