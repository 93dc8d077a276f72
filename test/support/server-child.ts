import { startServer } from "../../src/server/app.js";
import { loadConfig } from "../../src/server/config.js";

// Started by startChildServer (bench/support.ts): the real server in its own process, reporting where it listens as one JSON line on stdout.
const server = await startServer(loadConfig(), { synthetic: process.env.BENCH_SYNTHETIC === "1" });
// A live show without its video (the bag bench: live, every open offer sells), so no encoder shares the cores.
if (process.env.BENCH_SHOW_LIVE === "1" && server.demo) await server.services.shows.setStatus(server.demo.showId, "live");
process.stdout.write(JSON.stringify({ url: server.url, rtmpPort: server.rtmpPort, demo: server.demo }) + "\n");
process.on("SIGTERM", () => void server.close().then(() => process.exit(0)));
// Started with --expose-gc (startChildServer's `gc`): SIGHUP runs a full collection and says so, so a bench can read
// memory that is held (sockets) apart from start-up's garbage.
const gc = (globalThis as { gc?: () => void }).gc;
// The memory of the ArrayBuffers a collection frees goes back a little later (their backing stores are released off
// the main thread): a fan-out run read 903 MB right after one collection and 604 MB in a run where it had gone. So two
// collections, a second apart, then the answer.
if (gc)
  process.on("SIGHUP", async () => {
    for (let i = 0; i < 2; i++) {
      gc();
      await new Promise((r) => setTimeout(r, 1000));
    }
    process.stdout.write(`${JSON.stringify({ gc: "done" })}\n`);
  });
