import { type EventAttributes, createEvent } from "ics";
import type { Show } from "../shows/index.js";

/** How long a show's calendar entry lasts: shows carry no end time; an hour is the usual length. */
const SHOW_CALENDAR_MINUTES = 60;

/** A scheduled show as an iCalendar file (RFC 5545): one event, with a display alarm 15 minutes before. */
export function showCalendar(show: Show & { scheduledAt: Date }, opts: { url: string; shopName: string; now: Date }): string {
  // `timestamp` (DTSTAMP) is read by ics 3.x but missing from its type declarations.
  const event: EventAttributes & { timestamp: number } = {
    uid: `${show.id}@showcart`,
    productId: "showcart",
    method: "PUBLISH",
    title: show.title,
    description: [show.description, `${show.hostName} · ${opts.shopName}`, opts.url].filter(Boolean).join("\n\n"),
    url: opts.url,
    start: show.scheduledAt.getTime(),
    startInputType: "utc",
    startOutputType: "utc",
    duration: { minutes: SHOW_CALENDAR_MINUTES },
    // DTSTAMP from the injected clock: the same show at the same time gives the same file.
    timestamp: opts.now.getTime(),
    alarms: [{ action: "display", description: show.title, trigger: { minutes: 15, before: true } }],
  };
  let { error, value } = createEvent(event);
  // ics checks URL with a strict pattern that refuses some valid ones (a one-digit port); the link stays in DESCRIPTION.
  if (error) ({ error, value } = createEvent({ ...event, url: undefined }));
  if (error || !value) throw error ?? new Error("ics: no calendar");
  return value;
}
