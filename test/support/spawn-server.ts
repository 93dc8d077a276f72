import { type ChildProcessByStdio, spawn } from "node:child_process";
import type { Readable } from "node:stream";

export interface SpawnedServer {
  proc: ChildProcessByStdio<null, Readable, Readable>;
  /** http://localhost:<port>, from the server's "Showcart is running" line. */
  base: string;
  /** Everything the process wrote so far, stdout and stderr together. */
  output(): string;
  /** SIGTERM, then the exit code once it exited (null when it already had). */
  stop(): Promise<number | null>;
}

/**
 * Starts a Showcart server in a process of its own (`npm start`'s bundle, the sources under tsx, the image's command)
 * and waits for its "Showcart is running: <url>/" line; rejects with everything it printed if it exits first.
 */
export async function spawnServer(command: string, args: string[], options: { cwd?: string; env: NodeJS.ProcessEnv }): Promise<SpawnedServer> {
  const proc = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  proc.stdout.on("data", (c: Buffer) => (out += c.toString()));
  proc.stderr.on("data", (c: Buffer) => (out += c.toString()));
  const stop = async () => {
    if (proc.exitCode !== null || proc.signalCode !== null) return null;
    const exited = new Promise<number | null>((r) => proc.once("exit", (code) => r(code)));
    proc.kill("SIGTERM");
    return exited;
  };
  try {
    const base = await new Promise<string>((resolve, reject) => {
      const t = setInterval(() => {
        const m = out.match(/Showcart is running: (http:\/\/localhost:\d+)\//);
        if (m) {
          clearInterval(t);
          resolve(m[1]!);
        }
      }, 100);
      proc.once("exit", (code) => {
        clearInterval(t);
        reject(new Error(`${[command, ...args].join(" ")} exited ${code}: ${out}`));
      });
    });
    return { proc, base, output: () => out, stop };
  } catch (err) {
    if (proc.exitCode === null) proc.kill("SIGKILL");
    throw err;
  }
}
