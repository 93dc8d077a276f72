import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { chooseFfmpeg, loadConfig } from "../../src/server/config.js";

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, "../..");

describe("which ffmpeg the server runs (chosen once at start)", () => {
  it("takes FFMPEG_PATH when set, and refuses one that is not an executable file", () => {
    const npm = chooseFfmpeg({});
    expect(chooseFfmpeg({ FFMPEG_PATH: npm.path })).toEqual({ path: npm.path, source: "FFMPEG_PATH" });
    expect(() => chooseFfmpeg({ FFMPEG_PATH: "/nonexistent/ffmpeg" })).toThrow("FFMPEG_PATH: /nonexistent/ffmpeg is not an executable file");
    expect(() => loadConfig({ FFMPEG_PATH: os.tmpdir() })).toThrow(/not an executable file/);
  });

  it("else the npm binary built for this platform", () => {
    const choice = chooseFfmpeg({ PATH: "" });
    expect(choice.source).toBe(`npm @ffmpeg-installer/${process.platform}-${process.arch}`);
    expect(choice.path).toContain(`node_modules/@ffmpeg-installer/${process.platform}-${process.arch}/`);
    expect(loadConfig({}).ffmpegSource).toBe(choice.source);
  });

  it("else ffmpeg on PATH, and with none a message that says what to install and set", () => {
    const bin = fs.mkdtempSync(path.join(os.tmpdir(), "showcart-bin-"));
    try {
      const elsewhere = { platform: "linux", arch: "riscv64" }; // npm ships no ffmpeg package for it
      expect(() => chooseFfmpeg({ PATH: bin }, elsewhere)).toThrow(
        /No ffmpeg found: npm installed no @ffmpeg-installer package for linux-riscv64 and none is on PATH\. .*set FFMPEG_PATH to it/,
      );
      fs.copyFileSync(chooseFfmpeg({}).path, path.join(bin, "ffmpeg"));
      fs.chmodSync(path.join(bin, "ffmpeg"), 0o755);
      expect(chooseFfmpeg({ PATH: `/nonexistent${path.delimiter}${bin}` }, elsewhere)).toEqual({ path: path.join(bin, "ffmpeg"), source: "PATH" });
    } finally {
      fs.rmSync(bin, { recursive: true, force: true });
    }
  });

  // npm's own flags emulate a Mac with Apple silicon: the lock file must install there without failing on ffmpeg
  // (the old @ffmpeg-installer/linux-x64 dependency made `npm ci` fail on every other platform), and bring its binary.
  it("installs with npm ci on macOS/arm64 (npm --os=darwin --cpu=arm64) and brings that platform's ffmpeg", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "showcart-darwin-"));
    try {
      for (const f of ["package.json", "package-lock.json"]) fs.copyFileSync(path.join(root, f), path.join(dir, f));
      await run("npm", ["ci", "--os=darwin", "--cpu=arm64", "--no-audit", "--no-fund"], { cwd: dir, maxBuffer: 16 * 1024 * 1024 });
      const ffmpeg = path.join(dir, "node_modules/@ffmpeg-installer/darwin-arm64/ffmpeg");
      const head = Buffer.alloc(8);
      const fd = fs.openSync(ffmpeg, "r");
      fs.readSync(fd, head, 0, 8, 0);
      fs.closeSync(fd);
      expect(head.readUInt32LE(0)).toBe(0xfeedfacf); // Mach-O 64-bit
      expect(head.readUInt32LE(4)).toBe(0x0100000c); // CPU_TYPE_ARM64
      expect(fs.statSync(ffmpeg).mode & 0o100).toBe(0o100); // its postinstall (chmod u+x) ran: allowScripts covers it
      expect(fs.existsSync(path.join(dir, "node_modules/@ffmpeg-installer/linux-x64"))).toBe(false);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 600_000);
});
