import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type SpawnedServer, spawnServer } from "../support/spawn-server.js";

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, "../..");

// `npm run build` into a folder of its own (the suite's dist/web stays untouched), then the bundle started with plain
// node from there: no tsx, no web build at start, packages resolved from node_modules beside it as in the image.
describe("the production build (npm run build → node dist/server.mjs)", () => {
  let dir = "";
  let base = "";
  let server: SpawnedServer | null = null;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "showcart-build-"));
    await run(process.execPath, ["--import", "tsx", "scripts/build.ts", "--out", path.join(dir, "dist")], { cwd: root });
    fs.copyFileSync(path.join(root, "package.json"), path.join(dir, "package.json"));
    fs.symlinkSync(path.join(root, "node_modules"), path.join(dir, "node_modules"), "dir");
    server = await spawnServer(process.execPath, ["dist/server.mjs"], {
      cwd: dir,
      // PGlite in its worker thread: the bundle must find pglite-worker.mjs beside it (the default needs no file).
      env: { ...process.env, PORT: "0", RTMP_PORT: "0", HOST: "127.0.0.1", DATA_DIR: path.join(dir, "data"), DEMO: "0", LOG_LEVEL: "info", PGLITE_THREAD: "1" },
    });
    base = server.base;
  });

  afterAll(async () => {
    await server?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("writes one server module with our code inside and the npm packages left outside", () => {
    const bundle = fs.readFileSync(path.join(dir, "dist/server.mjs"), "utf8");
    expect(bundle).toMatch(/from "fastify"/);
    expect(bundle).not.toMatch(/node_modules\/fastify/);
    expect(bundle).not.toContain('src/server/main.ts"'); // a bundle, not a loader of the sources
    expect(fs.existsSync(path.join(dir, "dist/web/manifest.json"))).toBe(true);
    expect(fs.existsSync(path.join(dir, "dist/pglite-worker.mjs"))).toBe(true);
  });

  it("answers health, serves a page with its built assets, and did not build the web at start", async () => {
    const health = await fetch(`${base}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ ok: true, db: { ok: true, kind: "pglite" } });

    const manifest = JSON.parse(fs.readFileSync(path.join(dir, "dist/web/manifest.json"), "utf8")) as { entries: Record<string, { js: string }> };
    const home = await fetch(`${base}/`); // a fresh install without DEMO: the first-run setup page
    expect(home.status).toBe(200);
    const script = (await home.text()).match(/<script type="module" src="([^"]+)"/)?.[1];
    expect(Object.values(manifest.entries).map((e) => e.js)).toContain(script);
    const asset = await fetch(base + script);
    expect(asset.status).toBe(200);
    expect(asset.headers.get("content-type")).toMatch(/javascript/);

    const doc = (await (await fetch(`${base}/api/openapi.json`)).json()) as { info: { version: string } };
    const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as { version: string };
    expect(doc.info.version).toBe(pkg.version); // package.json found from dist/ as from src/
    expect(server!.output()).not.toMatch(/build-web|esbuild|tsx/);
    // The start log names the ffmpeg it chose and where from (the npm binary here, unless FFMPEG_PATH is set).
    expect(server!.output()).toMatch(
      process.env.FFMPEG_PATH ? /"msg":"ffmpeg from FFMPEG_PATH"/ : /"msg":"ffmpeg from npm @ffmpeg-installer\/[a-z0-9]+-[a-z0-9]+"/,
    );
  });
});
