// The countdown must follow the server's clock, not the device's (phones drift by minutes).
// Every API response carries a `Date` header; we keep the offset measured on the fastest round trip.
let offsetMs = 0;
let bestRtt = Number.POSITIVE_INFINITY;

export function observeServerDate(dateHeader: string | null, sentAt: number, receivedAt: number): void {
  if (!dateHeader) return;
  const server = Date.parse(dateHeader);
  if (Number.isNaN(server)) return;
  const rtt = receivedAt - sentAt;
  // The header has 1 s resolution and is truncated, so the true server time is on average 0.5 s later.
  const candidate = server + 500 - (sentAt + receivedAt) / 2;
  // A sample that disagrees by more than its own uncertainty means the device clock jumped (set by hand, NTP):
  // start over from it, whatever its round trip.
  const jumped = Math.abs(candidate - offsetMs) > rtt / 2 + 2000;
  if (rtt > bestRtt && !jumped) return;
  bestRtt = rtt;
  offsetMs = candidate;
}

export function serverNow(): number {
  return Date.now() + offsetMs;
}
