import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { spawnServer } from "../support/spawn-server.js";

function childPids(pid: number): number[] {
  try {
    return execFileSync("ps", ["-o", "pid=", "--ppid", String(pid)], { encoding: "utf8" })
      .split("\n")
      .map((s) => Number(s.trim()))
      .filter((n) => n > 0);
  } catch {
    return [];
  }
}

// Running, as opposed to gone or a zombie waiting for init to reap it (an exited process holds no resources).
const alive = (pid: number) => {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
};

describe("the server process (npm start)", () => {
  it("goes live with the demo, keeps the stream key out of its output, and leaves no ffmpeg behind on SIGTERM", async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "showcart-proc-"));
    const server = await spawnServer(process.execPath, ["--import", "tsx", "src/server/main.ts"], {
      env: { ...process.env, PORT: "0", RTMP_PORT: "0", HOST: "127.0.0.1", DATA_DIR: dataDir, LOG_LEVEL: "info" },
    }).catch((err) => {
      fs.rmSync(dataDir, { recursive: true, force: true });
      throw err;
    });
    const { proc, base } = server;
    try {
      // Live: the demo source published, a transcoder runs and the master playlist lists the renditions.
      const demo = (await (await fetch(`${base}/api/shows/demo`)).json()) as { show: { id: string; playbackUrl: string } };
      let playlist = "";
      for (let i = 0; i < 100 && !playlist.includes("#EXT-X-STREAM-INF"); i++) {
        await new Promise((r) => setTimeout(r, 300));
        const res = await fetch(base + demo.show.playbackUrl);
        playlist = res.status === 200 ? await res.text() : "";
      }
      expect(playlist).toContain("#EXT-X-STREAM-INF");
      const show = (await (await fetch(`${base}/api/shows/demo`)).json()) as { show: { status: string } };
      expect(show.show.status).toBe("live");

      const creds = JSON.parse(fs.readFileSync(path.join(dataDir, "demo-login.json"), "utf8")) as { password: string };
      expect(server.output()).toContain(creds.password); // printed on purpose, for the local demo
      const streamKey = server.output().match(/sk_[A-Za-z0-9_-]{20,}/);
      expect(streamKey).toBeNull(); // never a full stream key in logs

      const children = childPids(proc.pid!);
      expect(children.length).toBeGreaterThanOrEqual(2); // synthetic source + transcoder
      expect(await server.stop()).toBe(0);
      await new Promise((r) => setTimeout(r, 200));
      expect(children.filter(alive).map((pid) => fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ").slice(0, 120))).toEqual([]);
    } finally {
      if (proc.exitCode === null) proc.kill("SIGKILL");
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }, 180_000);
});
