// PGlite in its own thread (db/pglite-thread.ts starts it): the database's work — parsing, planning, executing, in
// WebAssembly — runs beside the event loop that serves HTTP and WebSockets instead of on it. Plain JavaScript so it
// runs the same under tsx, vitest and the esbuild bundle (scripts/build.ts copies it beside dist/server.mjs).
//
// Protocol (one message port, messages in order):
//   in:  { t: "q", id, sql, params }  → out: { t: "r", id, rows, affected } | { t: "e", id, err }
//        { t: "close" }               → out: { t: "closed" } (then the thread exits)
//   out at start: { t: "ready" } or { t: "failed", err }
import { parentPort, workerData } from "node:worker_threads";
import { PGlite } from "@electric-sql/pglite";

// int8 and numeric as JS numbers, as openDb's in-thread PGlite and pg do (minor units stay far below 2^53).
const INT8_OID = 20;
const NUMERIC_OID = 1700;

/** What a PostgreSQL error carries (pg-protocol's DatabaseError), as plain fields a message can hold. */
const ERROR_FIELDS = ["name", "message", "severity", "code", "detail", "hint", "position", "where", "schema", "table", "column", "dataType", "constraint", "routine"];
function plainError(err) {
  const out = {};
  for (const k of ERROR_FIELDS) if (err && err[k] !== undefined) out[k] = err[k];
  if (out.message === undefined) out.message = String(err);
  return out;
}

/** The template's bytes as PGlite reads them (it only calls arrayBuffer() and looks at type), without a Blob copy. */
const templateOf = (bytes) => ({ type: "", size: bytes.byteLength, arrayBuffer: async () => bytes });

const { dataDir, template } = workerData;
let pg;
try {
  pg = new PGlite(dataDir, {
    ...(template ? { loadDataDir: templateOf(template) } : {}),
    parsers: { [INT8_OID]: (v) => Number(v), [NUMERIC_OID]: (v) => Number(v) },
  });
  await pg.waitReady;
  parentPort.postMessage({ t: "ready" });
} catch (err) {
  parentPort.postMessage({ t: "failed", err: plainError(err) });
  process.exit(1);
}

parentPort.on("message", async (m) => {
  if (m.t === "q") {
    try {
      const res = await pg.query(m.sql, m.params);
      parentPort.postMessage({ t: "r", id: m.id, rows: res.rows, affected: res.affectedRows });
    } catch (err) {
      parentPort.postMessage({ t: "e", id: m.id, err: plainError(err) });
    }
  } else if (m.t === "close") {
    try {
      if (!pg.closed) await pg.close();
    } finally {
      parentPort.postMessage({ t: "closed" });
      parentPort.close();
    }
  }
});
