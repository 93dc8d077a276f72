import type { PushNoticePayload } from "../../protocol/api.js";
import { imageUrl, pageOnThisSite } from "./noticeUrls.js";

// Showcart's service worker (built on its own into dist/web/push-sw.js, served at /push/sw.js, scope /push/). It has
// no fetch handler and its scope holds no page: it only shows a show's reminder or go-live notice when a push
// message arrives, and opens the show when the notification is clicked. The DOM lib has no worker types, so the
// few this file uses are declared here.

interface ExtendableEventLike extends Event {
  waitUntil(promise: Promise<unknown>): void;
}
interface PushEventLike extends ExtendableEventLike {
  data: { json(): unknown; text(): string } | null;
}
interface NotificationEventLike extends ExtendableEventLike {
  notification: Notification;
}
interface WindowClientLike {
  url: string;
  focus(): Promise<unknown>;
  navigate(url: string): Promise<unknown>;
}
interface WorkerScope {
  location: Location;
  registration: ServiceWorkerRegistration;
  clients: {
    matchAll(opts: { type: "window"; includeUncontrolled: boolean }): Promise<WindowClientLike[]>;
    openWindow(url: string): Promise<unknown>;
    claim(): Promise<void>;
  };
  skipWaiting(): Promise<void>;
  addEventListener(type: "push", listener: (e: PushEventLike) => void): void;
  addEventListener(type: "notificationclick", listener: (e: NotificationEventLike) => void): void;
  addEventListener(type: "install" | "activate", listener: (e: ExtendableEventLike) => void): void;
}

const sw = self as unknown as WorkerScope;

function parsePayload(event: PushEventLike): PushNoticePayload | null {
  try {
    const p = event.data?.json() as Partial<PushNoticePayload> | undefined;
    return p && p.v === 1 && typeof p.title === "string" ? (p as PushNoticePayload) : null;
  } catch {
    return null;
  }
}

// A new version takes over at once: there are no pages in its scope to keep consistent.
sw.addEventListener("install", (event) => event.waitUntil(sw.skipWaiting()));
sw.addEventListener("activate", (event) => event.waitUntil(sw.clients.claim()));

sw.addEventListener("push", (event) => {
  const p = parsePayload(event);
  // userVisibleOnly: every push must show a notification, or the browser shows a generic one and may revoke it.
  const title = p?.title ?? "Showcart";
  const options: NotificationOptions & { image?: string } = {
    body: p?.body ?? "",
    tag: p?.tag ?? "showcart",
    lang: p?.lang ?? "en",
    data: { url: pageOnThisSite(p?.url ?? "/", sw.location.origin) },
  };
  const image = p?.image ? imageUrl(p.image, sw.location.origin) : null;
  if (image) options.image = image;
  event.waitUntil(sw.registration.showNotification(title, options));
});

sw.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const url = pageOnThisSite((event.notification.data as { url?: string } | null)?.url ?? "/", sw.location.origin);
  event.waitUntil(
    (async () => {
      // A tab already on the show is brought forward; else a new one opens.
      const tabs = await sw.clients.matchAll({ type: "window", includeUncontrolled: true });
      const open = tabs.find((c) => c.url.split("#")[0] === url.split("#")[0]);
      if (open) return open.focus();
      return sw.clients.openWindow(url);
    })(),
  );
});
