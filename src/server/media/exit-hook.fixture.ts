// Run by media.test.ts: starts an ffmpeg, then exits without stopping it. The module's exit hook must kill it.
import { spawnFfmpeg } from "../platform/ffmpeg-process.js";

const run = spawnFfmpeg(process.argv[2], ["-nostdin", "-re", "-f", "lavfi", "-i", "testsrc2=size=320x240", "-f", "null", "-"]);
process.stdout.write(`${run.pid}\n`);
setTimeout(() => process.exit(0), 300);
