import fs from "node:fs";
import { afterAll, beforeAll, expect } from "vitest";

// SUITE_CPU_LOG=<file> (vitest.config.ts): one JSON line per test file with its wall time and the CPU of this worker
// plus the children it reaped (Chromium, ffmpeg, child servers), from the first beforeAll to the last afterAll. A file
// whose wall time is far above its CPU on a quiet machine is waiting (real-time streams, sweeps, timers).
const cpuSeconds = () => {
  const f = fs.readFileSync("/proc/self/stat", "utf8").split(") ")[1]!.split(" ");
  return (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / 100;
};
let startedAt = 0;
let cpuAtStart = 0;
beforeAll(() => {
  startedAt = Date.now();
  cpuAtStart = cpuSeconds();
});
afterAll(() => {
  const line = { file: expect.getState().testPath, wall: (Date.now() - startedAt) / 1000, cpu: +(cpuSeconds() - cpuAtStart).toFixed(2) };
  fs.appendFileSync(process.env.SUITE_CPU_LOG!, `${JSON.stringify(line)}\n`);
});
