import { type Browser, type BrowserContext, type BrowserContextOptions, type Page, type Request, chromium } from "playwright-core";

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

/** A visitor's playlist, media and API requests and its console, for a playback failure's message (waitForPlayback). */
interface VisitorLog {
  /** Finished or failed, oldest first; playlist reloads only as the last few. */
  done: string[];
  pending: Map<Request, string>;
  /** The last console lines: hls.js's own log (showcart.playerDebug, set for every visitor). */
  console: string[];
  at(): string;
}
const visitorLogs = new WeakMap<BrowserContext, VisitorLog>();

function logVisitor(context: BrowserContext): void {
  const since = Date.now();
  const log: VisitorLog = { done: [], pending: new Map(), console: [], at: () => `+${((Date.now() - since) / 1000).toFixed(1)}s` };
  visitorLogs.set(context, log);
  const watched = (r: Request) => /\/(live|api)\//.test(r.url());
  const path = (r: Request) => {
    const u = new URL(r.url());
    return u.pathname + u.search;
  };
  const keep = (line: string) => {
    log.done.push(line);
    if (log.done.length > 200) log.done.splice(0, 100);
  };
  context.on("console", (m) => {
    log.console.push(`${log.at()} ${m.type()} ${m.text().slice(0, 300)}`);
    if (log.console.length > 120) log.console.splice(0, 60);
  });
  context.on("request", (r) => {
    if (watched(r)) log.pending.set(r, `${log.at()} ${path(r)}`);
  });
  context.on("requestfinished", (r) => {
    if (!watched(r)) return;
    log.pending.delete(r);
    // The context may close before the answer is read (a test ending): then the line is not kept.
    void r.response().then(
      (res) => keep(`${log.at()} ${res?.status() ?? "?"} ${path(r)}`),
      () => undefined,
    );
  });
  context.on("requestfailed", (r) => {
    if (!watched(r)) return;
    log.pending.delete(r);
    keep(`${log.at()} failed ${path(r)}: ${r.failure()?.errorText}`);
  });
}

/**
 * Runs in every page: a short trace of Media Source Extensions and media element events (window.__mediaTrace), read by
 * playbackState when playback did not start. No behaviour changes: the wrappers call through.
 */
function traceMedia(): void {
  const trace: string[] = [];
  (window as unknown as { __mediaTrace: string[] }).__mediaTrace = trace;
  const t0 = performance.now();
  const note = (line: string) => {
    trace.push(`+${((performance.now() - t0) / 1000).toFixed(1)}s ${line}`);
    if (trace.length > 80) trace.splice(10, 20);
  };
  if (typeof MediaSource !== "undefined") {
    const addSourceBuffer = MediaSource.prototype.addSourceBuffer;
    MediaSource.prototype.addSourceBuffer = function (this: MediaSource, type: string) {
      note(`addSourceBuffer ${type} (${this.readyState})`);
      const sb = addSourceBuffer.call(this, type);
      let appends = 0;
      const append = sb.appendBuffer;
      sb.appendBuffer = function (this: SourceBuffer, data: BufferSource) {
        appends += 1;
        if (appends <= 3 || appends % 20 === 0) note(`append #${appends} ${type.split(";")[0]} ${data.byteLength} B`);
        return append.call(this, data);
      };
      sb.addEventListener("error", () => note(`sourcebuffer error ${type}`));
      return sb;
    };
    const endOfStream = MediaSource.prototype.endOfStream;
    MediaSource.prototype.endOfStream = function (this: MediaSource, error?: EndOfStreamError) {
      note(`endOfStream ${error ?? ""}`);
      return endOfStream.call(this, error);
    };
    const createObjectURL = URL.createObjectURL;
    URL.createObjectURL = (obj: Blob | MediaSource) => {
      if (obj instanceof MediaSource) {
        note("MediaSource attached");
        for (const event of ["sourceopen", "sourceended", "sourceclose"]) obj.addEventListener(event, () => note(event));
      }
      return createObjectURL(obj);
    };
  }
  for (const event of ["loadstart", "emptied", "loadedmetadata", "canplay", "playing", "waiting", "stalled", "pause", "seeking", "error", "abort"]) {
    document.addEventListener(
      event,
      (e) => (e.target instanceof HTMLMediaElement ? note(`video ${event} t=${e.target.currentTime.toFixed(2)}`) : undefined),
      true,
    );
  }
}

/** What a visitor's requests were: the non-playlist ones and the last playlist loads, then those still pending. */
function describeRequests(context: BrowserContext): string {
  const log = visitorLogs.get(context);
  if (!log) return "(not logged)";
  const playlist = (line: string) => /\.m3u8/.test(line);
  const lines = log.done.filter((line, i) => !playlist(line) || i >= log.done.length - 12);
  const pending = [...log.pending.values()].map((line) => `pending since ${line}`);
  return `${[...lines, ...pending].join("\n")}\n(now ${log.at()})\nconsole:\n${log.console.slice(-60).join("\n")}`;
}

/** A fresh visitor: own cookies and localStorage, English UI, and page errors collected for the assertions. */
export async function newVisitor(browser: Browser, baseURL: string, opts: BrowserContextOptions = {}): Promise<{ context: BrowserContext; errors: string[] }> {
  const context = await browser.newContext({ baseURL, locale: "en-GB", ...opts });
  const errors: string[] = [];
  logVisitor(context);
  await context.addInitScript(traceMedia);
  await context.addInitScript(() => {
    try {
      localStorage.setItem("showcart.playerDebug", "1");
    } catch {
      // about:blank and opaque origins have no storage.
    }
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
export async function waitForPlayback(page: Page, timeoutMs: number, o: { restartExpected?: boolean } = {}): Promise<void> {
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
    // Playing, but maybe only after the player started over (a fatal error, or stuck: LivePlayer's stuckWatch): say so
    // in the run's output with what led to it, since the test passes either way.
    const restarts = Number(await page.getAttribute("[data-testid=player]", "data-restarts", { timeout: 1000 }).catch(() => null));
    if (restarts > 0 && !o.restartExpected)
      console.warn(`waitForPlayback: the player started over ${restarts} time(s) before playing\n${describeRequests(page.context())}`);
  } catch (err) {
    // A timeout alone says nothing of why: say what the player and the stream were doing (the failure is rare and only
    // seen in whole-suite runs, where nothing else is kept).
    const state = await playbackState(page).catch((e: unknown) => ({ unreadable: String(e) }));
    throw new Error(`${(err as Error).message}\nplayer state: ${JSON.stringify(state)}\nrequests:\n${describeRequests(page.context())}`, { cause: err });
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
      trace: (window as unknown as { __mediaTrace?: string[] }).__mediaTrace ?? null,
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
