import type { PushSubscribeAnswer } from "../../protocol/api.js";
import { api } from "../platform/apiClient.js";

// Web Push in the browser: the service worker at /push/sw.js (scope /push/, where no page lives), the browser's
// PushSubscription for Showcart's VAPID key, and the server's record of it (POST /api/push/subscriptions). What this
// browser registered is remembered in localStorage with its token, so it can be removed without a session.

export type PushState = "unsupported" | "blocked" | "off" | "on";

const SCRIPT = "/push/sw.js";
const SCOPE = "/push/";
const STORAGE = "showcart.push";

interface Stored {
  /** The server's subscription ids made from this browser, per owner ("account" or the reminder id), with tokens. */
  [owner: string]: { id: string; token: string };
}

function stored(): Stored {
  try {
    return JSON.parse(localStorage.getItem(STORAGE) ?? "{}") as Stored;
  } catch {
    return {};
  }
}

function store(next: Stored): void {
  try {
    localStorage.setItem(STORAGE, JSON.stringify(next));
  } catch {
    // Private mode: the server keeps the subscription; this browser only forgets how to remove it.
  }
}

export function pushSupported(): boolean {
  return typeof window !== "undefined" && "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;
}

/** Whether this browser already gets notices for `owner` ("account", or a guest reminder's id). */
export function pushState(owner: string): PushState {
  if (!pushSupported()) return "unsupported";
  if (Notification.permission === "denied") return "blocked";
  return Notification.permission === "granted" && stored()[owner] ? "on" : "off";
}

function base64urlToBytes(s: string): Uint8Array<ArrayBuffer> {
  const b64 = s.replace(/-/g, "+").replace(/_/g, "/");
  return Uint8Array.from(atob(b64 + "=".repeat((4 - (b64.length % 4)) % 4)), (c) => c.charCodeAt(0));
}

const sameKey = (a: ArrayBuffer | null | undefined, b: Uint8Array) => !!a && a.byteLength === b.length && new Uint8Array(a).every((x, i) => x === b[i]);

/** The worker's registration once it is active (its scope holds no page, so `navigator.serviceWorker.ready` never settles). */
async function activeRegistration(): Promise<ServiceWorkerRegistration> {
  const reg = await navigator.serviceWorker.register(SCRIPT, { scope: SCOPE });
  const worker = reg.installing ?? reg.waiting;
  if (worker && !reg.active)
    await new Promise<void>((resolve, reject) => {
      worker.addEventListener("statechange", () => {
        if (worker.state === "activated") resolve();
        if (worker.state === "redundant") reject(new Error("the service worker did not install"));
      });
    });
  return reg;
}

/**
 * Asks for permission (call it from a click), subscribes this browser with Showcart's VAPID key and registers the
 * subscription for the signed-in account, or for a guest's reminder (`reminder`: id and token from "Remind me").
 */
export async function enablePush(opts: { reminder?: { id: string; token: string }; lang: "de" | "en" }): Promise<PushState> {
  if (!pushSupported()) return "unsupported";
  const permission = await Notification.requestPermission();
  if (permission !== "granted") return permission === "denied" ? "blocked" : "off";
  const reg = await activeRegistration();
  const { publicKey } = await api.get<{ publicKey: string }>("/api/push/vapid-key");
  const key = base64urlToBytes(publicKey);
  let sub = await reg.pushManager.getSubscription();
  // A subscription made for another key (the server's pair changed) cannot be used: make a new one.
  if (sub && !sameKey(sub.options.applicationServerKey, key)) {
    await sub.unsubscribe();
    sub = null;
  }
  sub ??= await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key });
  const answer = await api.post<PushSubscribeAnswer>("/api/push/subscriptions", {
    subscription: sub.toJSON(),
    ...(opts.reminder ? { reminder: opts.reminder } : {}),
    lang: opts.lang,
  });
  store({ ...stored(), [opts.reminder ? opts.reminder.id : "account"]: { id: answer.subscription.id, token: answer.token } });
  return "on";
}

/** Stops notices for `owner` on this browser (the server forgets the subscription; the browser keeps its own). */
export async function disablePush(owner: string): Promise<PushState> {
  const all = stored();
  const mine = all[owner];
  if (mine) await api.del(`/api/push/subscriptions/${encodeURIComponent(mine.id)}`, { "x-push-token": mine.token }).catch(() => {});
  delete all[owner];
  store(all);
  return pushState(owner);
}
