import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { startServer, type RunningServer, type ServerOverrides } from "../../src/server/app.js";
import { loadConfig } from "../../src/server/config.js";
import { copyTestDatabase, dropSchema, uniqueSchema, type Backend } from "./db.js";

export interface TestServer extends RunningServer {
  demo: NonNullable<RunningServer["demo"]>;
  /** The server's media folder (DATA_DIR/media): recordings, images. */
  mediaDir: string;
}

/** The whole server on port 0 (HTTP and RTMP) with a temporary data dir; the demo seed and live source by default. */
export async function startTestServer(opts: { demo?: boolean; backend?: Backend; env?: Record<string, string> } & ServerOverrides = {}): Promise<TestServer> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "showcart-test-"));
  const backend = opts.backend ?? "pglite";
  // PostgreSQL: a copy of the suite's migrated template database, else a schema of TEST_DATABASE_URL migrated afresh.
  const copy = backend === "postgres" ? await copyTestDatabase() : null;
  const schema = backend === "postgres" && !copy ? uniqueSchema() : null;
  const config = loadConfig({
    PORT: "0",
    HOST: "127.0.0.1",
    RTMP_PORT: "0",
    RTMP_HOST: "127.0.0.1",
    DATA_DIR: dataDir,
    // The suite's migrated template (test/support/pglite-template.ts), so a test server skips initdb.
    ...(process.env.PGLITE_TEMPLATE ? { PGLITE_TEMPLATE: process.env.PGLITE_TEMPLATE } : {}),
    DEMO: opts.demo === false ? "0" : "1",
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "warn",
    // Tests place many orders from one address; the hold rate limits have their own tests (order-attacks).
    HOLDS_PER_ADDRESS_PER_MINUTE: "0",
    HOLDS_PER_DEVICE_PER_MINUTE: "0",
    // WHEP off unless a test turns it on: every viewer page would otherwise start a WebRTC encode of the demo show.
    WHEP_MAX_VIEWERS_PER_NODE: "0",
    // CI's second run of the media tests on Debian's ffmpeg (.ci/run) sets it.
    ...(process.env.FFMPEG_PATH ? { FFMPEG_PATH: process.env.FFMPEG_PATH } : {}),
    ...(copy ? { DATABASE_URL: copy.url } : {}),
    ...(schema ? { DATABASE_URL: process.env.TEST_DATABASE_URL, DATABASE_SCHEMA: schema } : {}),
    ...opts.env,
  });
  // A caller that names its DATA_DIR starts on it again (a restart, an upgrade): its database stays on disk there.
  const server = await startServer(config, { pgliteInMemory: opts.env?.DATA_DIR === undefined, ...opts });
  const close = server.close.bind(server);
  return {
    ...server,
    demo: server.demo as TestServer["demo"],
    mediaDir: config.mediaDir,
    async close() {
      await close();
      if (copy) await copy.drop();
      if (schema) await dropSchema(schema);
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
