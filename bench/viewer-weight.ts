import { brotliCompressSync, constants } from "node:zlib";
import { launchChromium } from "../test/e2e/browser.js";
import { startTestServer } from "../test/support/server.js";
import { round } from "./support.js";

const brotli = (b: Buffer) => brotliCompressSync(b, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length;

// Every JavaScript file the viewer page really loads in Chromium (player included, until video plays), compressed
// with brotli q11 as our asset server sends it. Baseline: the hls.js light build alone, the player library itself.
// A second line: the embed loader (embed.js) merchants put on their pages, aim ≤ 5 KB, against the viewer page.
export async function viewerWeight() {
  const server = await startTestServer();
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    const scripts = new Map<string, Buffer>();
    page.on("response", async (res) => {
      const type = res.headers()["content-type"] ?? "";
      if (!type.includes("javascript")) return;
      scripts.set(res.url(), await res.body().catch(() => Buffer.alloc(0)));
    });
    await page.goto(`${server.url}/shows/demo`);
    // Wait until the player has started (hls.js loaded and attached) so lazily loaded code is counted.
    await page.waitForFunction(
      () => {
        const v = document.querySelector("video");
        return !!v && v.currentTime > 0.5;
      },
      undefined,
      { timeout: 60_000 },
    );
    await page.waitForLoadState("networkidle").catch(() => undefined);
    const files = [...scripts.entries()].map(([url, body]) => ({ file: new URL(url).pathname, raw: body.length, br: brotli(body) }));
    const hls = files.filter((f) => /hls/i.test(f.file));
    const total = files.reduce((s, f) => s + f.br, 0);
    const hlsBr = hls.reduce((s, f) => s + f.br, 0);
    // The embed loader on a merchant's page (embed.js, as served), against the same run's viewer page.
    const loader = Buffer.from(await (await fetch(`${server.url}/embed.js`)).arrayBuffer());
    const loaderBr = brotli(loader);
    const embedLine = {
      bench: "embed-loader-weight",
      raw_bytes: loader.length,
      brotli_bytes: loaderBr,
      brotli_kb: round(loaderBr / 1024, 2),
      aim_kb: 5,
      within_aim: loaderBr <= 5 * 1024,
      baseline: "viewer page JS (brotli), same run",
      baseline_brotli_kb: round(total / 1024, 1),
      ratio: total ? round(loaderBr / total, 4) : null,
    };
    const viewerLine = {
      bench: "viewer-weight",
      files: files.length,
      js_raw_bytes: files.reduce((s, f) => s + f.raw, 0),
      js_brotli_bytes: total,
      js_brotli_kb: round(total / 1024, 1),
      aim_kb: 120,
      baseline: "hls.js light build alone",
      baseline_brotli_kb: round(hlsBr / 1024, 1),
      ratio: hlsBr ? round(total / hlsBr, 3) : null,
      breakdown: files.map((f) => ({ file: f.file.replace(/^\/assets\//, ""), br_kb: round(f.br / 1024, 1) })),
    };
    return [viewerLine, embedLine];
  } finally {
    await browser.close();
    await server.close();
  }
}
