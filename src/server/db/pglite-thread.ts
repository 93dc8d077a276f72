import { Worker } from "node:worker_threads";
import type { PGliteClient } from "./pglite-driver.js";

/** A PostgreSQL error raised in the database's thread, with the fields pg-protocol's DatabaseError has (code, detail…). */
export class PGliteThreadError extends Error {
  code?: string;
  detail?: string;
  constraint?: string;
  table?: string;
  column?: string;
  severity?: string;
}

type Reply = { t: "r"; id: number; rows: unknown[]; affected?: number } | { t: "e"; id: number; err: Record<string, unknown> };
type Message = Reply | { t: "ready" } | { t: "failed"; err: Record<string, unknown> } | { t: "closed" };

function threadError(fields: Record<string, unknown>): PGliteThreadError {
  const err = new PGliteThreadError(String(fields.message ?? "database error"));
  for (const [k, v] of Object.entries(fields)) if (k !== "message" && k !== "stack") (err as unknown as Record<string, unknown>)[k] = v;
  return err;
}

/**
 * PGlite in a worker thread (db/pglite-worker.mjs), with the part of PGlite's interface the Kysely driver uses. Every
 * query is a message there and its rows a message back (structured clone: Dates, Uint8Arrays, parsed JSON survive).
 * What it buys: the database's CPU (WebAssembly) runs on another core than HTTP, WebSockets and the modules' code. What
 * it costs: two messages per query, and each answer waits for a turn of this thread's event loop, so a transaction
 * takes one turn per statement (off by default for that: docs/operations.md). Transactions are still serialised by
 * the driver (one connection, as before).
 */
export class PGliteThread implements PGliteClient {
  readonly waitReady: Promise<void>;
  #worker: Worker;
  #next = 1;
  #pending = new Map<number, { resolve: (r: { rows: unknown[]; affectedRows?: number }) => void; reject: (e: Error) => void }>();
  #closed = false;
  #dead: Error | null = null;
  #onClosed: (() => void) | null = null;

  constructor(dataDir: string, template?: ArrayBuffer) {
    this.#worker = new Worker(new URL("./pglite-worker.mjs", import.meta.url), {
      workerData: { dataDir, template },
      transferList: template ? [template] : [],
    });
    this.#worker.unref();
    let ready!: () => void;
    let failed!: (e: Error) => void;
    this.waitReady = new Promise<void>((res, rej) => {
      ready = res;
      failed = rej;
    });
    this.#worker.on("message", (m: Message) => {
      if (m.t === "r" || m.t === "e") {
        const p = this.#pending.get(m.id);
        if (!p) return;
        this.#pending.delete(m.id);
        if (this.#pending.size === 0) this.#worker.unref();
        if (m.t === "r") p.resolve({ rows: m.rows, affectedRows: m.affected });
        else p.reject(threadError(m.err));
      } else if (m.t === "ready") ready();
      else if (m.t === "failed") failed(threadError(m.err));
      else if (m.t === "closed") this.#onClosed?.();
    });
    // The thread ended or failed: everything waiting on it fails with why (after close() that is only the end).
    const die = (err: Error) => {
      if (!this.#closed) this.#dead ??= err;
      this.#closed = true;
      failed(err);
      for (const p of this.#pending.values()) p.reject(err);
      this.#pending.clear();
      this.#onClosed?.();
    };
    this.#worker.on("error", (err) => die(err));
    this.#worker.on("exit", (code) => die(new Error(`the database thread exited (code ${code})`)));
  }

  get closed(): boolean {
    return this.#closed;
  }

  query<R>(sql: string, params: unknown[] = []): Promise<{ rows: R[]; affectedRows?: number }> {
    if (this.#dead) return Promise.reject(this.#dead);
    if (this.#closed) return Promise.reject(new Error("the database is closed"));
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      if (this.#pending.size === 0) this.#worker.ref();
      this.#pending.set(id, { resolve: resolve as (r: { rows: unknown[]; affectedRows?: number }) => void, reject });
      this.#worker.postMessage({ t: "q", id, sql, params });
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#worker.ref();
    await new Promise<void>((resolve) => {
      this.#onClosed = resolve;
      this.#worker.postMessage({ t: "close" });
    });
    await this.#worker.terminate().catch(() => undefined);
  }
}
