import { type Browser, type BrowserContext, type BrowserContextOptions, type Page, chromium } from "playwright-core";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/** Chromium's fake camera and microphone (a test pattern and a beep), granted without a permission prompt. */
export const FAKE_MEDIA_ARGS = ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"];

const FLAGS = [
  "--headless=new",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--autoplay-policy=no-user-gesture-required",
];

// The suite's test files share their worker process (vitest.config.ts, isolate: false), so one Chromium with the
// default flags serves every file that runs in that worker: a launch costs ~1–2 s of wall and ~0.8 s of CPU, ~35 times
// a run. Each file gets a view of it whose close() closes only the contexts that file opened; a browser that died is
// launched again. Chromium with extra flags (a fake camera, a fake video file) stays one per call, closed by its file.
let shared: Promise<Browser> | undefined;

/** Debian's Chromium, headless, with autoplay allowed so muted-autoplay playback can be asserted; `args` adds flags. */
export async function launchChromium(opts: { args?: string[] } = {}): Promise<Browser> {
  if (opts.args && opts.args.length > 0) return chromium.launch({ executablePath: CHROMIUM, args: [...FLAGS, ...opts.args] });
  const launch = () => chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
  if (!shared) shared = launch();
  const current = shared;
  let browser = await current.catch(() => undefined);
  if (!browser?.isConnected()) {
    if (shared === current) shared = launch(); // callers that found it dead together launch one
    browser = await shared;
  }
  return fileView(browser);
}

/** The shared browser as one test file sees it: contexts (and newPage's) are its own, and close() closes only those. */
function fileView(browser: Browser): Browser {
  const mine = new Set<BrowserContext>();
  const newContext = async (o?: BrowserContextOptions) => {
    const context = await browser.newContext(o);
    mine.add(context);
    context.once("close", () => mine.delete(context));
    return context;
  };
  const overrides: Partial<Browser> = {
    newContext,
    newPage: async (o?: BrowserContextOptions) => (await newContext(o)).newPage(),
    contexts: () => [...mine],
    close: async () => {
      await Promise.all([...mine].map((c) => c.close().catch(() => undefined)));
      mine.clear();
    },
  };
  return new Proxy(browser, {
    get(target, prop) {
      if (Object.hasOwn(overrides, prop)) return overrides[prop as keyof Browser];
      const value = Reflect.get(target, prop);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

const recentRequests = new WeakMap<BrowserContext, string[]>();

/** A fresh visitor: own cookies and localStorage, English UI, and page errors collected for the assertions. */
export async function newVisitor(browser: Browser, baseURL: string, opts: BrowserContextOptions = {}): Promise<{ context: BrowserContext; errors: string[] }> {
  const context = await browser.newContext({ baseURL, locale: "en-GB", ...opts });
  const errors: string[] = [];
  // The last requests for playlists, media and the API, for a playback failure's message (waitForPlayback).
  const requests: string[] = [];
  recentRequests.set(context, requests);
  const keep = (line: string) => {
    requests.push(line);
    if (requests.length > 40) requests.shift();
  };
  const since = Date.now();
  const at = () => `+${((Date.now() - since) / 1000).toFixed(1)}s`;
  const path = (url: string) => {
    const u = new URL(url);
    return u.pathname + u.search;
  };
  context.on("response", (r) => {
    if (/\/(live|api)\//.test(r.url())) keep(`${at()} ${r.status()} ${path(r.url())}`);
  });
  context.on("requestfailed", (r) => {
    if (/\/(live|api)\//.test(r.url())) keep(`${at()} failed ${path(r.url())}: ${r.failure()?.errorText}`);
  });
  context.on("page", (page) => {
    page.on("pageerror", (err) => errors.push(err.message));
    // An alert means script ran from user content — the chat XSS check relies on this.
    page.on("dialog", (d) => {
      errors.push(`dialog: ${d.message()}`);
      void d.dismiss();
    });
  });
  return { context, errors };
}

/** A visitor signed in with a session cookie (`name=value`, as `login()` returns it). */
export async function signedInVisitor(browser: Browser, baseURL: string, cookie: string): Promise<{ context: BrowserContext; errors: string[] }> {
  const v = await newVisitor(browser, baseURL);
  const [name, value] = cookie.split("=") as [string, string];
  await v.context.addCookies([{ name, value, url: baseURL }]);
  return v;
}

/** Live playback starts mid-stream, so "plays" means currentTime moved on by over a second once playing. */
export async function waitForPlayback(page: Page, timeoutMs: number): Promise<void> {
  try {
    const started = await page.waitForFunction(
      () => {
        const v = document.querySelector<HTMLVideoElement>("[data-testid=player-video]");
        return v && !v.paused && v.readyState >= 3 ? { t: v.currentTime } : null;
      },
      undefined,
      { timeout: timeoutMs, polling: 250 },
    );
    const { t } = (await started.jsonValue()) as { t: number };
    await page.waitForFunction((from) => (document.querySelector<HTMLVideoElement>("[data-testid=player-video]")?.currentTime ?? 0) > from + 1, t, {
      timeout: timeoutMs,
      polling: 250,
    });
  } catch (err) {
    // A timeout alone says nothing of why: say what the player and the stream were doing (the failure is rare and only
    // seen in whole-suite runs, where nothing else is kept).
    const state = await playbackState(page).catch((e: unknown) => ({ unreadable: String(e) }));
    const requests = recentRequests.get(page.context()) ?? [];
    throw new Error(`${(err as Error).message}\nplayer state: ${JSON.stringify(state)}\nlast requests:\n${requests.join("\n")}`, { cause: err });
  }
}

/** The page's player, its video element and the playlists it plays, for a failure message. */
export function playbackState(page: Page): Promise<unknown> {
  return page.evaluate(async () => {
    const v = document.querySelector<HTMLVideoElement>("[data-testid=player-video]");
    const ranges = (r: TimeRanges | undefined) => (r ? Array.from({ length: r.length }, (_, i) => [r.start(i), r.end(i)]) : null);
    const video = v && {
      paused: v.paused,
      readyState: v.readyState,
      networkState: v.networkState,
      currentTime: v.currentTime,
      buffered: ranges(v.buffered),
      error: v.error && { code: v.error.code, message: v.error.message },
      srcObject: v.srcObject !== null,
    };
    const text = async (url: string) => {
      try {
        const r = await fetch(url, { cache: "no-store" });
        return `${r.status} ${(await r.text()).slice(-1200)}`;
      } catch (e) {
        return String(e);
      }
    };
    const view = await fetch(`/api/shows/${location.pathname.split("/").pop()}`)
      .then((r) => r.json())
      .catch(() => null);
    const master: string | null = view?.show?.playbackUrl ?? null;
    const masterText = master ? await text(master) : null;
    const media = masterText?.split("\n").find((l) => l && !l.startsWith("#") && !/^\d{3} /.test(l));
    return {
      url: location.href,
      mode: document.querySelector("[data-testid=player-mode]")?.getAttribute("data-mode") ?? null,
      status: document.querySelector(".stage-info")?.textContent?.slice(0, 120) ?? null,
      player: v !== null,
      video,
      master,
      masterText,
      mediaText: master && media ? await text(new URL(media, new URL(master, location.href)).href) : null,
    };
  });
}
