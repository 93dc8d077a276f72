import path from "node:path";
import { sql } from "kysely";
import ts from "typescript";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backends, openTestDb } from "../../../test/support/db.js";
import type { DbHandle } from "./index.js";
import { moduleMigrations, statementsOf } from "./migrations.js";

// The Kysely types are hand-written next to the SQL that creates the tables; nothing but this test keeps the two in
// step. Types are read with the TypeScript compiler, the database with information_schema, both coarsely: a column's
// presence, whether it can be null, and text / number / boolean / timestamp / json.

type Coarse = "text" | "number" | "boolean" | "timestamp" | "json";
interface Column {
  nullable: boolean;
  type: Coarse | `other: ${string}`;
  /** The allowed values: a union of string literals in the type, a `check (col in (…))` in the database. */
  values?: string[];
}
interface DeclaredTable {
  /** The module whose schema.ts declares it (its folder under src/server). */
  module: string;
  columns: Map<string, Column>;
}

const SCHEMA_FILE = path.resolve("src/server/db/schema.ts");

/** `Database`'s tables as declared, one entry per (table, declaring module): a table declared twice shows twice. */
function declaredTables(): { table: string; decl: DeclaredTable }[] {
  const config = ts.readConfigFile(path.resolve("tsconfig.json"), ts.sys.readFile);
  const { options } = ts.parseJsonConfigFileContent(config.config, ts.sys, path.resolve("."));
  const program = ts.createProgram([SCHEMA_FILE], options);
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(SCHEMA_FILE)!;
  const database = source.statements.find((s): s is ts.InterfaceDeclaration => ts.isInterfaceDeclaration(s) && s.name.text === "Database");
  if (!database) throw new Error("no interface Database in db/schema.ts");
  const bases = database.heritageClauses?.flatMap((h) => [...h.types]) ?? [];
  const out: { table: string; decl: DeclaredTable }[] = [];
  for (const base of bases) {
    const baseType = checker.getTypeAtLocation(base);
    const file = baseType.getSymbol()?.declarations?.[0]?.getSourceFile().fileName ?? "";
    const module = path.basename(path.dirname(file));
    for (const table of baseType.getProperties()) {
      const columns = new Map<string, Column>();
      for (const column of checker.getTypeOfSymbolAtLocation(table, base).getProperties()) {
        columns.set(column.name, coarseOf(checker, checker.getTypeOfSymbolAtLocation(column, base)));
      }
      out.push({ table: table.name, decl: { module, columns } });
    }
  }
  return out;
}

/** A column's select type, coarsely: ColumnType<Select, Insert, Update> is read as Select, also inside a union
 * (`Timestamp | null`), as Kysely's Selectable does. */
function coarseOf(checker: ts.TypeChecker, declared: ts.Type): Column {
  const unionOf = (t: ts.Type) => (t.isUnion() ? t.types : [t]);
  const members = unionOf(declared).flatMap((t) => {
    const select = t.getProperty("__select__");
    return select ? unionOf(checker.getTypeOfSymbol(select)) : [t];
  });
  let nullable = false;
  const kinds = new Set<string>();
  const literals = members.filter((t) => t.isStringLiteral()).map((t) => (t as ts.StringLiteralType).value);
  for (const t of members) {
    if (t.flags & ts.TypeFlags.Null) nullable = true;
    else if (t.flags & ts.TypeFlags.StringLike) kinds.add("text");
    else if (t.flags & ts.TypeFlags.NumberLike) kinds.add("number");
    else if (t.flags & ts.TypeFlags.BooleanLike) kinds.add("boolean");
    else if (t.getSymbol()?.name === "Date") kinds.add("timestamp");
    else if (t.flags & ts.TypeFlags.Object) kinds.add("json");
    else kinds.add(`other: ${checker.typeToString(t)}`);
  }
  const [only, ...more] = [...kinds];
  const type = more.length ? (`other: ${[...kinds].join(" | ")}` as const) : (only as Column["type"]);
  const allLiterals = type === "text" && literals.length === members.filter((t) => !(t.flags & ts.TypeFlags.Null)).length;
  return { nullable, type, ...(allLiterals ? { values: literals.sort() } : {}) };
}

function coarseOfSql(dataType: string): Column["type"] {
  if (["text", "character varying", "character"].includes(dataType)) return "text";
  if (["smallint", "integer", "bigint", "numeric", "real", "double precision"].includes(dataType)) return "number";
  if (dataType === "boolean") return "boolean";
  if (dataType.startsWith("timestamp") || dataType === "date") return "timestamp";
  if (dataType === "json" || dataType === "jsonb") return "json";
  return `other: ${dataType}`;
}

/** Tables and views as the migrations left them; a view's nullability is not known to PostgreSQL (always YES). */
async function migratedTables(handle: DbHandle) {
  const checks = await sql<{ table_name: string; column_name: string; def: string }>`
    select cl.relname as table_name, a.attname as column_name, pg_get_constraintdef(c.oid) as def
    from pg_constraint c
    join pg_class cl on cl.oid = c.conrelid
    join pg_namespace n on n.oid = cl.relnamespace
    join pg_attribute a on a.attrelid = c.conrelid and a.attnum = c.conkey[1]
    where n.nspname = current_schema() and c.contype = 'c' and array_length(c.conkey, 1) = 1`.execute(handle.db);
  const valuesOf = new Map<string, string[]>();
  for (const c of checks.rows) {
    // PostgreSQL prints `check (x in ('a', 'b'))` as CHECK ((x = ANY (ARRAY['a'::text, 'b'::text]))).
    if (!/^CHECK \(\(\w+ = ANY \(ARRAY\[/.test(c.def)) continue;
    const values = [...c.def.matchAll(/'((?:[^']|'')*)'::text/g)].map((m) => m[1].replaceAll("''", "'"));
    valuesOf.set(`${c.table_name}.${c.column_name}`, values.sort());
  }
  const rows = await sql<{ table_name: string; table_type: string; column_name: string; is_nullable: string; data_type: string }>`
    select c.table_name, t.table_type, c.column_name, c.is_nullable, c.data_type
    from information_schema.columns c
    join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name
    where c.table_schema = current_schema()`.execute(handle.db);
  const tables = new Map<string, { view: boolean; columns: Map<string, Column> }>();
  for (const r of rows.rows) {
    const t = tables.get(r.table_name) ?? { view: r.table_type === "VIEW", columns: new Map<string, Column>() };
    tables.set(r.table_name, t);
    const values = valuesOf.get(`${r.table_name}.${r.column_name}`);
    t.columns.set(r.column_name, { nullable: r.is_nullable === "YES", type: coarseOfSql(r.data_type), ...(values ? { values } : {}) });
  }
  return tables;
}

let declared: { table: string; decl: DeclaredTable }[];
beforeAll(() => {
  declared = declaredTables();
}, 60_000);

describe("module schemas", () => {
  it("declare each table once, in the module whose migrations create it", () => {
    const creator = new Map<string, string>();
    for (const { module, migrations } of moduleMigrations) {
      for (const m of migrations) {
        for (const stmt of statementsOf(m.sql)) {
          const created = /^create (?:table|view) (\w+)/.exec(stmt)?.[1];
          if (created) creator.set(created, module);
        }
      }
    }
    const problems: string[] = [];
    const seen = new Map<string, string>();
    for (const { table, decl } of declared) {
      if (seen.has(table)) problems.push(`${table}: declared by ${seen.get(table)} and ${decl.module}`);
      seen.set(table, decl.module);
      const by = table === "schema_migrations" ? "db" : creator.get(table);
      if (by !== decl.module) problems.push(`${table}: declared by ${decl.module}, created by ${by ?? "no migration"}`);
    }
    expect(problems).toEqual([]);
  });
});

describe.each(backends)("Database's types against a freshly migrated database (%s)", (backend) => {
  let handle: DbHandle;
  beforeAll(async () => {
    handle = await openTestDb(backend);
  });
  afterAll(async () => {
    await handle?.close();
  });

  it("have every table and column, with the same nullability, type and allowed values", async () => {
    const actual = await migratedTables(handle);
    const types = new Map(declared.map(({ table, decl }) => [table, decl.columns]));
    const problems: string[] = [];
    for (const [table, { view, columns }] of actual) {
      const typed = types.get(table);
      if (!typed) {
        problems.push(`${table}: in the database, not in Database`);
        continue;
      }
      for (const [name, col] of columns) {
        const t = typed.get(name);
        if (!t) problems.push(`${table}.${name}: in the database, not in the type`);
        else if (t.type !== col.type) problems.push(`${table}.${name}: ${col.type} in the database, ${t.type} in the type`);
        else if (!view && t.nullable !== col.nullable) {
          problems.push(`${table}.${name}: ${col.nullable ? "nullable" : "not null"} in the database, ${t.nullable ? "nullable" : "not null"} in the type`);
        } else if (col.values && t.values?.join() !== col.values.join()) {
          problems.push(`${table}.${name}: ${col.values.join("|")} in the database, ${t.values?.join("|") ?? "any text"} in the type`);
        }
      }
      for (const name of typed.keys()) if (!columns.has(name)) problems.push(`${table}.${name}: in the type, not in the database`);
    }
    for (const table of types.keys()) if (!actual.has(table)) problems.push(`${table}: in Database, not in the database`);
    expect(problems).toEqual([]);
  });
});
