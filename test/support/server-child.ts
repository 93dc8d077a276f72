import { startServer } from "../../src/server/app.js";
import { loadConfig } from "../../src/server/config.js";

// Started by startChildServer (bench/support.ts): the real server in its own process, reporting where it listens as one JSON line on stdout.
const server = await startServer(loadConfig(), { synthetic: process.env.BENCH_SYNTHETIC === "1" });
process.stdout.write(JSON.stringify({ url: server.url, demo: server.demo }) + "\n");
process.on("SIGTERM", () => void server.close().then(() => process.exit(0)));
