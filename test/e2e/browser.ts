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

/** A fresh visitor: own cookies and localStorage, English UI, and page errors collected for the assertions. */
export async function newVisitor(browser: Browser, baseURL: string, opts: BrowserContextOptions = {}): Promise<{ context: BrowserContext; errors: string[] }> {
  const context = await browser.newContext({ baseURL, locale: "en-GB", ...opts });
  const errors: string[] = [];
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
}
