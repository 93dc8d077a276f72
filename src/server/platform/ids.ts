import { randomBytes } from "node:crypto";

// Prefixed, URL-safe, sortable-enough random ids: `ord_3kT9…`. Injected where tests need determinism.
export type IdGenerator = (prefix: string) => string;

export const randomId: IdGenerator = (prefix) => `${prefix}_${randomBytes(12).toString("base64url")}`;

export function secretToken(bytes = 24): string {
  return randomBytes(bytes).toString("base64url");
}

// For logs: enough of a secret to tell two apart, never enough to use it.
export function redact(secret: string): string {
  return secret.length <= 4 ? "****" : `${secret.slice(0, 4)}…(${secret.length})`;
}
