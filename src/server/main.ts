import { startServer } from "./app.js";
import { loadConfig } from "./config.js";

// Composition root: config → server (db, bus, modules, media) → listen. Logic lives in the modules.
const config = loadConfig();
const server = await startServer(config);
const base = config.PUBLIC_URL ?? `http://localhost:${server.port}`;
const lines = ["", `Showcart is running: ${base}/`, `RTMP ingest (OBS server): rtmp://localhost:${server.rtmpPort}/live`];
if (server.demo) {
  lines.push(
    `Demo show (viewer): ${base}/shows/${server.demo.slug}`,
    `Host studio:        ${base}/studio/${server.demo.showId}`,
    `  login: ${server.demo.hostEmail} / ${server.demo.hostPassword}   (stream key: reveal it in the studio)`,
  );
}
process.stdout.write(lines.join("\n") + "\n\n");

let stopping = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    server.app.log.info({ signal }, "shutting down");
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    server.close().then(
      () => process.exit(0),
      (err) => {
        server.app.log.error({ err }, "shutdown failed");
        process.exit(1);
      },
    );
  });
}
