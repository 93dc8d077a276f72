import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { validate } from "dockerfile-utils";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { configSchema } from "../../src/server/config.js";
import { spawnServer } from "../support/spawn-server.js";

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, "../..");
const read = (file: string) => fs.readFileSync(path.join(root, file), "utf8");

interface Instruction {
  keyword: string;
  args: string;
}
interface Stage {
  from: string;
  name: string;
  steps: Instruction[];
}

/** The Dockerfile as stages of instructions (continuation lines joined, comments dropped). */
function dockerStages(text: string): Stage[] {
  const lines = text.replace(/\\\r?\n/g, " ").split(/\r?\n/);
  const stages: Stage[] = [];
  for (const line of lines) {
    const m = line.trim().match(/^([A-Za-z]+)\s+(.*)$/);
    if (!m || line.trim().startsWith("#")) continue;
    const keyword = m[1]!.toUpperCase();
    const args = m[2]!.replace(/\s+/g, " ").trim();
    if (keyword === "FROM") {
      const [from, as, name] = args.split(" ");
      stages.push({ from: from!, name: as?.toUpperCase() === "AS" ? name! : String(stages.length), steps: [] });
    } else stages.at(-1)?.steps.push({ keyword, args });
  }
  return stages;
}

// Docker has no engine on the project's machines, so the image is never built here. What can be checked is: the
// Dockerfile's syntax (dockerfile-utils, the validator behind VS Code's Dockerfile support), the rules below, and its
// build steps run without Docker (scripts/image-steps.sh) with the result started as the image would start it.
describe("the container image (Dockerfile, .dockerignore, deploy/compose.yaml, .env.example)", () => {
  const dockerfile = read("Dockerfile");
  const stages = dockerStages(dockerfile);
  const runtime = stages.at(-1)!;

  it("is a valid Dockerfile (no diagnostics from dockerfile-utils)", () => {
    expect(validate(dockerfile).map((d) => `${d.range.start.line + 1}: ${d.message}`)).toEqual([]);
  });

  it("is multi-stage on a pinned Debian base, runs as a non-root user, with production packages only", () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const s of stages) expect(s.from).toMatch(/^node:\d+(\.\d+)*-bookworm(-slim)?$/); // a tag, never latest
    const user = runtime.steps.filter((s) => s.keyword === "USER").at(-1)?.args;
    expect(user).toBeDefined();
    expect(["root", "0", "0:0"]).not.toContain(user);

    // The runtime's node_modules come from a stage whose install is `npm ci --omit=dev`; nothing uses `npm install`.
    const modulesFrom = runtime.steps.find((s) => s.keyword === "COPY" && / \/app\/node_modules /.test(`${s.args} `))?.args.match(/--from=(\S+)/)?.[1];
    const depsStage = stages.find((s) => s.name === modulesFrom);
    expect(depsStage?.steps.some((s) => s.keyword === "RUN" && /\bnpm ci\b.*--omit=dev/.test(s.args))).toBe(true);
    expect(dockerfile).not.toMatch(/npm (install|i) /);
    for (const copy of runtime.steps.filter((s) => s.keyword === "COPY" && s.args.includes("--from="))) {
      expect(stages.map((s) => s.name)).toContain(copy.args.match(/--from=(\S+)/)?.[1]);
    }
    // The bundle is what runs: built once in a build stage, no tsx, no web build at start.
    expect(stages.some((s) => s.steps.some((i) => i.keyword === "RUN" && i.args === "npm run build"))).toBe(true);
    expect(runtime.steps.find((s) => s.keyword === "CMD")?.args).toMatch(/^\[.*"dist\/server\.mjs"\]$/);
    expect(runtime.steps.some((s) => s.keyword === "HEALTHCHECK" && s.args.includes("/healthz"))).toBe(true);
  });

  it("uses Debian's ffmpeg through FFMPEG_PATH, with a lean apt layer", () => {
    const apt = runtime.steps.find((s) => s.keyword === "RUN" && s.args.includes("apt-get install"));
    expect(apt?.args).toMatch(/apt-get install -y --no-install-recommends [^&]*\bffmpeg\b/);
    expect(apt?.args).toContain("rm -rf /var/lib/apt/lists/*");
    expect(runtime.steps.find((s) => s.keyword === "ENV")?.args).toMatch(/\bFFMPEG_PATH=\/usr\/bin\/ffmpeg\b/);
  });

  it("keeps sources' leftovers out of the build context (.dockerignore)", () => {
    const ignored = read(".dockerignore")
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith("#"));
    for (const name of ["node_modules", "dist", "data", ".git", ".env", "test"]) expect(ignored).toContain(name);
  });

  it("lists every setting of src/server/config.ts in .env.example, and nothing else", () => {
    const listed = [...read(".env.example").matchAll(/^#? ?([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]!);
    const settings = Object.keys(configSchema.shape);
    expect(
      settings.filter((k) => !listed.includes(k)),
      "settings missing from .env.example (add each with its default and a line saying what it does)",
    ).toEqual([]);
    expect(listed.filter((k) => !settings.includes(k))).toEqual([]);
    expect(new Set(listed).size).toBe(listed.length);
  });

  it("composes PostgreSQL, Redis, three nodes of this image and nginx with deploy/nginx.conf", () => {
    const compose = parseYaml(read("deploy/compose.yaml"), { merge: true }) as {
      services: Record<string, { image?: string; build?: { dockerfile: string }; environment?: Record<string, string>; volumes?: string[] }>;
    };
    const s = compose.services;
    expect(Object.keys(s).sort()).toEqual(["nginx", "node1", "node2", "node3", "postgres", "redis"]);
    for (const node of ["node1", "node2", "node3"]) {
      expect(s[node]!.build?.dockerfile).toBe("Dockerfile");
      expect(s[node]!.environment?.DATABASE_URL).toMatch(/^postgres:\/\/.*@postgres:5432\//);
      expect(s[node]!.environment?.REDIS_URL).toBe("redis://redis:6379");
      for (const key of Object.keys(s[node]!.environment ?? {})) {
        if (key !== "NODE_URL") expect(Object.keys(configSchema.shape)).toContain(key);
      }
    }
    expect(s.nginx!.volumes).toContain("./nginx.conf:/etc/nginx/nginx.conf:ro");
  });

  it("builds without Docker by the Dockerfile's steps, and the result serves on Debian's ffmpeg", async () => {
    const script = read("scripts/image-steps.sh");
    for (const stage of stages.slice(0, -1)) {
      for (const step of stage.steps.filter((s) => s.keyword === "RUN")) expect(script, `RUN ${step.args} (stage ${stage.name})`).toContain(step.args);
    }
    const out = fs.mkdtempSync(path.join(os.tmpdir(), "showcart-image-"));
    try {
      await run("bash", [path.join(root, "scripts/image-steps.sh"), out], { cwd: root, maxBuffer: 64 * 1024 * 1024 });
      const app = path.join(out, "runtime/app");
      const modules = fs.readdirSync(path.join(app, "node_modules"));
      for (const dev of ["tsx", "esbuild", "vitest", "typescript"]) expect(modules).not.toContain(dev);
      expect(modules).not.toContain("@ffmpeg-installer");
      expect(fs.existsSync(path.join(app, "dist/server.mjs"))).toBe(true);

      // The image's environment, with ports and the data folder of this test; the demo goes live on Debian's ffmpeg.
      const env: Record<string, string> = {};
      for (const step of runtime.steps.filter((s) => s.keyword === "ENV")) {
        for (const m of step.args.matchAll(/(\w+)=(\S+)/g)) env[m[1]!] = m[2]!;
      }
      const hasDebianFfmpeg = fs.existsSync(env.FFMPEG_PATH!);
      const server = await spawnServer(process.execPath, ["dist/server.mjs"], {
        cwd: app,
        env: {
          PATH: process.env.PATH,
          ...env,
          PORT: "0",
          RTMP_PORT: "0",
          HOST: "127.0.0.1",
          DATA_DIR: path.join(out, "data"),
          DEMO: hasDebianFfmpeg ? "1" : "0",
        },
      });
      const { base } = server;
      try {
        expect((await fetch(`${base}/healthz`)).status).toBe(200);
        if (hasDebianFfmpeg) expect(server.output()).toMatch(/"source":"FFMPEG_PATH","version":"\d[^"]*","msg":"ffmpeg from FFMPEG_PATH"/);
        if (!hasDebianFfmpeg) {
          console.warn(`image test: ${env.FFMPEG_PATH} missing (apt-get install ffmpeg): checked health only, not the demo going live`);
          return;
        }
        const demo = (await (await fetch(`${base}/api/shows/demo`)).json()) as { show: { playbackUrl: string } };
        let playlist = "";
        for (let i = 0; i < 150 && !playlist.includes("#EXT-X-STREAM-INF"); i++) {
          await new Promise((r) => setTimeout(r, 300));
          const res = await fetch(base + demo.show.playbackUrl);
          playlist = res.status === 200 ? await res.text() : "";
        }
        expect(playlist).toContain("#EXT-X-STREAM-INF");
      } finally {
        await server.stop();
      }
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  }, 900_000);
});
