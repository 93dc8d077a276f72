import { type Browser, type BrowserContext, type BrowserContextOptions, type Page, chromium } from "playwright-core";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/** Chromium's fake camera and microphone (a test pattern and a beep), granted without a permission prompt. */
export const FAKE_MEDIA_ARGS = ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"];

/** Debian's Chromium, headless, with autoplay allowed so muted-autoplay playback can be asserted; `args` adds flags. */
export function launchChromium(opts: { args?: string[] } = {}): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless=new",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--autoplay-policy=no-user-gesture-required",
      ...(opts.args ?? []),
    ],
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
