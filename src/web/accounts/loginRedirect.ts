/**
 * Where login sends the user back to: `next` resolved as the browser resolves it (which drops tabs and newlines, so
 * `/\t/evil.example` is `//evil.example`), kept only when the result is on our own origin, and returned absolute so
 * a path such as `//evil.example` can never be read again as another host.
 */
export function safeNext(next: string | null, origin: string): string {
  try {
    const url = new URL(next ?? "/", origin);
    return url.origin === origin ? url.href : `${origin}/`;
  } catch {
    return `${origin}/`;
  }
}
