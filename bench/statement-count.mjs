// Loaded into a bench's server process (`node --import ./bench/statement-count.mjs`, see flash-sale's
// BENCH_COUNT_STATEMENTS): counts the SQL statements the process sends, PGlite's and pg's, by their first words.
// On SIGUSR2 it appends the counts so far to STATEMENT_COUNT_FILE as one JSON line; the bench diffs two such lines.
import fs from "node:fs";
import { PGlite } from "@electric-sql/pglite";
import pg from "pg";

const counts = new Map();
let total = 0;
const note = (text) => {
  total++;
  const key = String(text).replace(/\s+/g, " ").trim().slice(0, 60);
  counts.set(key, (counts.get(key) ?? 0) + 1);
};
const wrap = (proto) => {
  const original = proto.query;
  proto.query = function (text, ...rest) {
    note(typeof text === "string" ? text : text?.text);
    return original.call(this, text, ...rest);
  };
};
let p = PGlite.prototype;
while (p && !Object.hasOwn(p, "query")) p = Object.getPrototypeOf(p);
if (p) wrap(p);
wrap(pg.Client.prototype);

// The PGlite driver runs most statements prepared by name over the wire protocol (src/server/db/pglite-prepared.ts):
// a Parse names a text once, each Bind runs it, a simple Query ('Q') carries begin/commit/rollback.
const texts = new Map();
const decoder = new TextDecoder();
const cString = (bytes, at) => {
  let end = at;
  while (bytes[end] !== 0) end++;
  return [decoder.decode(bytes.subarray(at, end)), end + 1];
};
let e = PGlite.prototype;
while (e && !Object.hasOwn(e, "execProtocol")) e = Object.getPrototypeOf(e);
if (e) {
  const original = e.execProtocol;
  e.execProtocol = function (message, ...rest) {
    const view = new DataView(message.buffer, message.byteOffset, message.byteLength);
    for (let at = 0; at < message.length; at += 1 + view.getInt32(at + 1)) {
      const type = String.fromCharCode(message[at]);
      if (type === "P") {
        const [name, next] = cString(message, at + 5);
        texts.set(name, cString(message, next)[0]);
      } else if (type === "B") {
        const [, next] = cString(message, at + 5);
        note(texts.get(cString(message, next)[0]) ?? "(unknown statement)");
      } else if (type === "Q") note(cString(message, at + 5)[0]);
    }
    return original.call(this, message, ...rest);
  };
}

process.on("SIGUSR2", () => {
  const file = process.env.STATEMENT_COUNT_FILE;
  if (file) fs.appendFileSync(file, `${JSON.stringify({ total, by: Object.fromEntries(counts) })}\n`);
});
