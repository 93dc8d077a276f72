import { randomUUID } from "node:crypto";
import type { CreateOrderBody } from "../../src/protocol/api.js";

export interface JsonResponse<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export async function request<T = any>(
  base: string,
  method: string,
  path: string,
  opts: { body?: unknown; raw?: string; headers?: Record<string, string>; cookie?: string } = {},
): Promise<JsonResponse<T>> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.body !== undefined || opts.raw !== undefined) headers["content-type"] ??= "application/json";
  if (opts.cookie) {
    headers.cookie = opts.cookie;
    headers["x-showcart-csrf"] ??= "1";
  }
  const res = await fetch(base + path, { method, headers, body: opts.raw ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body)) });
  const text = await res.text();
  let body: any = text;
  try {
    body = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  return { status: res.status, body, headers: res.headers };
}

export function postOrder(base: string, body: CreateOrderBody | unknown, key: string = randomUUID(), headers: Record<string, string> = {}) {
  return request(base, "POST", "/api/orders", { body, headers: { "idempotency-key": key, ...headers } });
}

export async function login(base: string, email: string, password: string): Promise<string> {
  const res = await fetch(`${base}/api/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email, password }),
  });
  if (res.status !== 200) throw new Error(`login failed: ${res.status} ${await res.text()}`);
  const cookie = res.headers.getSetCookie().find((c) => c.startsWith("sc_session="));
  if (!cookie) throw new Error("no session cookie");
  return cookie.split(";")[0]!;
}
