// Wall-clock times in a shop's time zone ⇄ UTC instants, with the IANA data the runtime (Node or the browser) has.
// Shows are entered in the merchant's zone, stored as UTC, and shown to each viewer in their own zone.

const LOCAL = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/;

export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat("en", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** Minutes the zone is ahead of UTC at this instant (Berlin in winter: 60). */
function offsetMinutes(utcMs: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone,
    hourCycle: "h23",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  }).formatToParts(new Date(utcMs));
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value);
  const asUtc = Date.UTC(get("year"), get("month") - 1, get("day"), get("hour"), get("minute"), get("second"));
  return Math.round((asUtc - Math.floor(utcMs / 1000) * 1000) / 60_000);
}

/**
 * "2026-12-24T18:30" in `timeZone` as a UTC Date, or null when the text is not such a time. A time skipped by a
 * clock change (02:30 on the spring-forward night) lands an hour later; a repeated one takes the first occurrence.
 */
export function zonedLocalToUtc(local: string, timeZone: string): Date | null {
  const m = LOCAL.exec(local);
  if (!m) return null;
  const [y, mo, d, h, mi] = m.slice(1).map(Number) as [number, number, number, number, number];
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59) return null;
  const asUtc = Date.UTC(y, mo - 1, d, h, mi);
  if (new Date(asUtc).getUTCDate() !== d) return null;
  // The zone's offsets a day either side (a clock change happens at most once in between).
  const before = asUtc - offsetMinutes(asUtc - 86_400_000, timeZone) * 60_000;
  const after = asUtc - offsetMinutes(asUtc + 86_400_000, timeZone) * 60_000;
  const fits = [before, after].filter((t) => utcToZonedLocal(new Date(t), timeZone) === local);
  return new Date(fits.length ? Math.min(...fits) : before);
}

/** The instant as "YYYY-MM-DDTHH:mm" on the wall clock of `timeZone` (what a datetime-local input shows). */
export function utcToZonedLocal(date: Date, timeZone: string): string {
  const shifted = new Date(date.getTime() + offsetMinutes(date.getTime(), timeZone) * 60_000);
  return shifted.toISOString().slice(0, 16);
}
