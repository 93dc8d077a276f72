import { types, type PGlite } from "@electric-sql/pglite";

// PGlite's `query(sql, params)` sends every statement as Parse, Describe, Bind, Describe, Execute and Sync, six calls
// into the WebAssembly module, and PostgreSQL parses and analyses the text each time. Here a statement is parsed once
// under a name (Parse + Describe, which also answers its parameter and row types), and each run is one call of Bind +
// Execute + Sync. Measured on this VM with PGlite in memory (2026-12-07): an UPDATE by primary key 190 → 60 µs of CPU,
// a SELECT by primary key 175 → 50 µs, a five-column INSERT 150 → 60 µs (docs/operations.md).

/** Statements kept prepared at once; the least recently run one is closed when a new one needs the room. */
export const PREPARED_MAX = 500;
// Only DML and queries are kept: DDL runs once (migrations), and a prepared statement must not outlive the schema it
// was planned against longer than PostgreSQL's plan cache allows (it re-plans, but refuses a changed result type).
const CACHEABLE = /^\s*(select|insert|update|delete|with)\b/i;
// Statement names are unique in the process, so two sets of statements on one PGlite never collide.
let nextName = 0;
// Command tags whose row count is affectedRows (as PGlite's parseResults).
const COUNTED_COMMANDS = new Set(["INSERT", "UPDATE", "DELETE", "COPY", "MERGE"]);
// Text-format parameters, text-format results (as PGlite's own query path).
const encoder = new TextEncoder();

type Field = { name: string; dataTypeID: number };
type Statement = { name: string; paramTypes: number[]; fields: Field[] };
// The parts of pg-protocol's parsed backend messages read here.
type BackendMessage =
  | { name: "parameterDescription"; dataTypeIDs: number[] }
  | { name: "rowDescription"; fields: Field[] }
  | { name: "dataRow"; fields: (string | null)[] }
  | { name: "commandComplete"; text: string }
  | { name: string };

/** The part of PGlite this needs: its wire protocol, and its type serializers and parsers (with the app's own). */
export type PGliteWire = Pick<PGlite, "execProtocol" | "serializers" | "parsers" | "query">;

/** A frontend message: type byte, length (itself included), body. */
function message(type: string, parts: Uint8Array[]): Uint8Array {
  const out = concat(parts, 5);
  out[0] = type.charCodeAt(0);
  new DataView(out.buffer).setInt32(1, out.length - 1);
  return out;
}
function cString(s: string): Uint8Array {
  const bytes = encoder.encode(s);
  const out = new Uint8Array(bytes.length + 1);
  out.set(bytes);
  return out;
}
function int16(n: number): Uint8Array {
  const b = new Uint8Array(2);
  new DataView(b.buffer).setInt16(0, n);
  return b;
}
function int32(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setInt32(0, n);
  return b;
}
/** The parts one after another, after `reserved` bytes left for the caller (a message's header). */
function concat(parts: Uint8Array[], reserved = 0): Uint8Array {
  let length = reserved;
  for (const p of parts) length += p.length;
  const out = new Uint8Array(length);
  let at = reserved;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const SYNC = message("S", []);
const EXECUTE = message("E", [cString(""), int32(0)]);
const parse = (name: string, sql: string) => message("P", [cString(name), cString(sql), int16(0)]);
const describeStatement = (name: string) => message("D", [encoder.encode("S"), cString(name)]);
const closeStatement = (name: string) => message("C", [encoder.encode("S"), cString(name)]);
function bind(name: string, values: (string | null)[]): Uint8Array {
  const parts = [cString(""), cString(name), int16(0), int16(values.length)];
  for (const v of values) {
    if (v === null) parts.push(int32(-1));
    else {
      const bytes = encoder.encode(v);
      parts.push(int32(bytes.length), bytes);
    }
  }
  parts.push(int16(0));
  return message("B", parts);
}

/** Adds what PGlite's query path adds to a database error (the statement and its parameters). */
function withQuery(err: unknown, sql: string, params: unknown[]): unknown {
  if (err && typeof err === "object" && "code" in err) Object.assign(err, { query: sql, params });
  return err;
}

/**
 * Named prepared statements on PGlite's one connection. Callers are serialised by the driver's mutex; each call here
 * is a single synchronous pass through PGlite (ending in Sync), so no other call can come between its messages.
 */
export class PreparedStatements {
  readonly #pg: PGliteWire;
  readonly #max: number;
  readonly #statements = new Map<string, Statement>();
  #closing: string[] = [];

  constructor(pg: PGliteWire, max = PREPARED_MAX) {
    this.#pg = pg;
    this.#max = max;
  }

  /** How many statements are prepared now (for tests). */
  get size(): number {
    return this.#statements.size;
  }

  async query<R>(sql: string, params: readonly unknown[]): Promise<{ rows: R[]; affectedRows: number }> {
    if (!CACHEABLE.test(sql)) {
      const res = await this.#pg.query<R>(sql, [...params]);
      return { rows: res.rows, affectedRows: res.affectedRows ?? 0 };
    }
    const statement = this.#statements.get(sql) ?? (await this.#prepare(sql, params));
    // Most recently used last: Map keeps insertion order, so the first key is the one to close.
    this.#statements.delete(sql);
    this.#statements.set(sql, statement);
    let values: (string | null)[];
    try {
      values = params.map((v, i) => this.#serialize(v, statement.paramTypes[i]!));
    } catch (err) {
      throw withQuery(err, sql, [...params]);
    }
    // Statements evicted since the last run are closed ahead of this one (Close is allowed in any transaction state,
    // and closing a statement that does not exist is not an error).
    const closing = this.#closing.map(closeStatement);
    this.#closing = [];
    let messages: BackendMessage[];
    try {
      messages = (await this.#pg.execProtocol(concat([...closing, bind(statement.name, values), EXECUTE, SYNC]))).messages as BackendMessage[];
    } catch (err) {
      // A re-planned statement whose result columns changed (the table was altered under it): prepare it again next time.
      if ((err as { code?: string }).code === "0A000") this.#forget(sql);
      throw withQuery(err, sql, [...params]);
    }
    return this.#results<R>(messages, statement.fields);
  }

  /** A statement without parameters as one simple Query message (transaction control: begin, commit, rollback). */
  async simple(sql: string): Promise<void> {
    try {
      await this.#pg.execProtocol(message("Q", [cString(sql)]));
    } catch (err) {
      throw withQuery(err, sql, []);
    }
  }

  async #prepare(sql: string, params: readonly unknown[]): Promise<Statement> {
    const name = `showcart_${nextName++}`;
    let messages: BackendMessage[];
    try {
      messages = (await this.#pg.execProtocol(concat([parse(name, sql), describeStatement(name), SYNC]))).messages as BackendMessage[];
    } catch (err) {
      throw withQuery(err, sql, [...params]);
    }
    let paramTypes: number[] = [];
    let fields: Field[] = [];
    for (const m of messages) {
      if (m.name === "parameterDescription") paramTypes = (m as { dataTypeIDs: number[] }).dataTypeIDs;
      else if (m.name === "rowDescription") fields = (m as { fields: Field[] }).fields.map((f) => ({ name: f.name, dataTypeID: f.dataTypeID }));
    }
    const statement = { name, paramTypes, fields };
    this.#statements.set(sql, statement);
    if (this.#statements.size > this.#max) {
      const oldest = this.#statements.keys().next().value as string;
      this.#forget(oldest);
    }
    return statement;
  }

  #forget(sql: string): void {
    const statement = this.#statements.get(sql);
    if (!statement) return;
    this.#statements.delete(sql);
    this.#closing.push(statement.name);
  }

  #serialize(value: unknown, type: number): string | null {
    if (value === null || value === undefined) return null;
    const serializer = this.#pg.serializers[type];
    return serializer ? (serializer(value) as string) : String(value);
  }

  // As PGlite's parseResults: rows as objects keyed by column name, affectedRows summed over INSERT/UPDATE/DELETE.
  #results<R>(messages: BackendMessage[], fields: Field[]): { rows: R[]; affectedRows: number } {
    const rows: R[] = [];
    let affectedRows = 0;
    const parsers = this.#pg.parsers;
    for (const m of messages) {
      if (m.name === "dataRow") {
        const values = (m as { fields: (string | null)[] }).fields;
        const row: Record<string, unknown> = {};
        for (let i = 0; i < fields.length; i++) row[fields[i]!.name] = types.parseType(values[i] ?? null, fields[i]!.dataTypeID, parsers);
        rows.push(row as R);
      } else if (m.name === "commandComplete") {
        const words = (m as { text: string }).text.split(" ");
        const count = Number.parseInt(words[words.length - 1]!, 10);
        if (COUNTED_COMMANDS.has(words[0]!) && !Number.isNaN(count)) affectedRows += count;
      }
    }
    return { rows, affectedRows };
  }
}
