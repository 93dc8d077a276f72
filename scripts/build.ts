// The production build: the web bundle (dist/web, as build-web.ts makes it) and the server bundled by esbuild into
// one ES module, dist/server.mjs, run with plain `node` (no tsx, no web build at start). npm packages stay external:
// they are installed beside it (`npm ci --omit=dev`), and some are read as files at run time (node-media-server's
// session class, the DejaVu fonts, the ffmpeg binaries).
import { copyFile, rm, stat } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";
import { buildWeb } from "./build-web.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

export async function buildServer(outFile = path.join(root, "dist/server.mjs")): Promise<{ bytes: number }> {
  await rm(outFile, { force: true });
  await esbuild.build({
    absWorkingDir: root,
    entryPoints: ["src/server/main.ts"],
    outfile: outFile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    packages: "external",
    sourcemap: "linked",
    legalComments: "none",
    logLevel: "warning",
  });
  // The embedded database's worker thread (db/pglite-thread.ts starts it from beside the module that imports it).
  await copyFile(path.join(root, "src/server/db/pglite-worker.mjs"), path.join(path.dirname(outFile), "pglite-worker.mjs"));
  return { bytes: (await stat(outFile)).size };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const started = performance.now();
  // --out DIR: build into DIR/web and DIR/server.mjs instead of dist/ (the build test uses a temporary folder).
  const at = process.argv.indexOf("--out");
  const outDir = at > 0 && process.argv[at + 1] ? path.resolve(process.argv[at + 1]!) : path.join(root, "dist");
  await buildWeb(path.join(outDir, "web"));
  const server = await buildServer(path.join(outDir, "server.mjs"));
  const where = path.relative(process.cwd(), outDir) || ".";
  console.log(`build: ${where}/web and ${where}/server.mjs (${Math.round(server.bytes / 1024)} KiB) in ${Math.round(performance.now() - started)} ms`);
}
