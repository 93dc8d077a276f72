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

process.on("SIGUSR2", () => {
  const file = process.env.STATEMENT_COUNT_FILE;
  if (file) fs.appendFileSync(file, `${JSON.stringify({ total, by: Object.fromEntries(counts) })}\n`);
});
