// Builds the web app into dist/web: hashed, minified ES modules + one stylesheet, pre-compressed (br, gz),
// and manifest.json, which src/server/http/web.ts reads to write the <script>/<link> tags of each page.
import { createHash } from "node:crypto";
import { mkdir, rm, writeFile, readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import zlib from "node:zlib";
import * as esbuild from "esbuild";
import { CHAT_MAX_LENGTH } from "../src/protocol/api.js";

export interface WebManifest {
  /** Per page entry: its module, the chunks it imports statically (for modulepreload), and the stylesheet. */
  entries: Record<string, { js: string; preload: string[]; css: string[] }>;
}

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const PAGES = ["home", "viewer", "studio", "login", "account", "admin", "order", "verify", "earnings", "setup", "profile", "analytics", "stage"] as const;

/**
 * hls.js as its authors minified it (terser): esbuild re-minifying the unminified build compresses 1.6 KB (br) worse,
 * and the player code is most of what the viewer page loads. The file is copied as it is under a content hash and
 * the players' `import("hls.js/light")` points at its URL (external to the bundle, so never preloaded).
 */
async function copyHlsLight(assetsDir: string): Promise<{ url: string; file: string }> {
  const dist = path.join(root, "node_modules/hls.js/dist");
  const code = await readFile(path.join(dist, "hls.light.min.mjs"), "utf8");
  const hash = createHash("sha256").update(code).digest("hex").slice(0, 8).toUpperCase();
  const name = `hls.light-${hash}.js`;
  await mkdir(path.join(assetsDir, "vendor"), { recursive: true });
  await writeFile(path.join(assetsDir, "vendor", name), code.replace(/sourceMappingURL=hls\.light\.min\.mjs\.map\s*$/, `sourceMappingURL=${name}.map`));
  await writeFile(path.join(assetsDir, "vendor", `${name}.map`), await readFile(path.join(dist, "hls.light.min.mjs.map")));
  return { url: `/assets/vendor/${name}`, file: path.join(assetsDir, "vendor", name) };
}

export async function buildWeb(outDir = path.join(root, "dist/web")): Promise<WebManifest> {
  const assetsDir = path.join(outDir, "assets");
  await rm(outDir, { recursive: true, force: true });
  await mkdir(assetsDir, { recursive: true });
  const hls = await copyHlsLight(assetsDir);

  const result = await esbuild.build({
    absWorkingDir: root,
    entryPoints: [...PAGES.map((p) => ({ in: `src/web/pages/${p}.tsx`, out: p })), { in: "src/web/styles.css", out: "styles" }],
    outdir: assetsDir,
    bundle: true,
    minify: true,
    splitting: true,
    format: "esm",
    target: "es2020",
    jsx: "automatic",
    jsxImportSource: "preact",
    entryNames: "[name]-[hash]",
    chunkNames: "chunks/[name]-[hash]",
    assetNames: "[name]-[hash]",
    sourcemap: "linked",
    metafile: true,
    legalComments: "linked",
    define: { __CHAT_MAX_LENGTH__: String(CHAT_MAX_LENGTH) },
    logLevel: "warning",
    plugins: [{ name: "hls-light", setup: (b) => b.onResolve({ filter: /^hls\.js\/light$/ }, () => ({ path: hls.url, external: true })) }],
  });

  // The service worker (Web Push): one classic script at a fixed name, since its URL is what browsers register.
  await esbuild.build({
    absWorkingDir: root,
    entryPoints: ["src/web/push/service-worker.ts"],
    outfile: path.join(outDir, "push-sw.js"),
    bundle: true,
    minify: true,
    format: "iife",
    target: "es2020",
    logLevel: "warning",
  });

  // The embed loader (embed.js, on merchants' pages): one small classic script, no chunks, at a stable URL.
  await esbuild.build({
    absWorkingDir: root,
    entryPoints: ["src/web/embed/loader.ts"],
    outfile: path.join(outDir, "embed.js"),
    bundle: true,
    minify: true,
    format: "iife",
    target: "es2020",
    legalComments: "none",
    logLevel: "warning",
  });

  const url = (file: string) => `/assets/${path.relative(assetsDir, path.resolve(root, file)).split(path.sep).join("/")}`;
  const outputs = result.metafile.outputs;
  const byEntry = new Map<string, string>();
  for (const [file, out] of Object.entries(outputs)) if (out.entryPoint) byEntry.set(out.entryPoint, file);

  const cssFile = byEntry.get("src/web/styles.css");
  if (!cssFile) throw new Error("build-web: the stylesheet entry produced no output");
  const manifest: WebManifest = { entries: {} };
  for (const page of PAGES) {
    const jsFile = byEntry.get(`src/web/pages/${page}.tsx`);
    if (!jsFile) throw new Error(`build-web: no output for page ${page}`);
    // Static imports only; hls.js is a dynamic import (and external) and must not be preloaded on pages without video.
    const preload = new Set<string>();
    const visit = (file: string) => {
      for (const imp of outputs[file]?.imports ?? []) {
        if (imp.kind !== "import-statement" || imp.external || preload.has(imp.path)) continue;
        preload.add(imp.path);
        visit(imp.path);
      }
    };
    visit(jsFile);
    manifest.entries[page] = { js: url(jsFile), preload: [...preload].map(url), css: [url(cssFile)] };
  }

  // Pre-compress once here so the server can send .br/.gz without spending CPU per request.
  const brotli = promisify(zlib.brotliCompress);
  const gzip = promisify(zlib.gzip);
  await Promise.all(
    [...Object.keys(outputs).filter((f) => /\.(js|css)$/.test(f)), path.join(outDir, "embed.js"), hls.file].map(async (f) => {
      const abs = path.resolve(root, f);
      const data = await readFile(abs);
      const [br, gz] = await Promise.all([
        brotli(data, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 10, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: data.length } }),
        gzip(data, { level: 9 }),
      ]);
      await Promise.all([writeFile(`${abs}.br`, br), writeFile(`${abs}.gz`, gz)]);
    }),
  );

  await writeFile(path.join(outDir, "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const started = performance.now();
  const manifest = await buildWeb();
  const pages = Object.keys(manifest.entries).join(", ");
  console.log(`build-web: ${pages} → dist/web in ${Math.round(performance.now() - started)} ms`);
}
