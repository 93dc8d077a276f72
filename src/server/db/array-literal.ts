import { type RawBuilder, sql } from "kysely";

/**
 * PostgreSQL array literals for a `$n::text[]` / `$n::bigint[]` parameter, built here instead of handing the driver a
 * JS array: PGlite's array serializer walks and escapes every element in JS (~9 µs per bid in an auction tick of
 * ~160 bids × 12 columns); a literal is one string, parsed by the database's own array_in. Same values either way.
 */
const NEEDS_ESCAPE = /["\\]/;
const ESCAPE = /["\\]/g;

/** `{"a","b\"c",NULL}`: every element quoted (so commas, braces, spaces and the word NULL stay text), `"` and `\` escaped. */
export function textArrayLiteral(values: readonly (string | null)[]): string {
  let out = "{";
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (i > 0) out += ",";
    if (v === null || v === undefined) out += "NULL";
    else out += NEEDS_ESCAPE.test(v) ? `"${v.replace(ESCAPE, "\\$&")}"` : `"${v}"`;
  }
  return `${out}}`;
}

/**
 * `= any('{…}'::text[])` as the right side of a where: one parameter for a list of ids instead of one per id. A
 * confirmation tick's reads by its ~120–1,500 order ids spent their time in PGlite binding and planning the `in` list.
 */
export function anyText(values: readonly string[]): RawBuilder<string> {
  return sql<string>`any(${textArrayLiteral(values)}::text[])`;
}

/** `{1,-2,NULL}` for integers (money, counts): anything else is a bug, refused rather than written as `1e+21` or `NaN`. */
export function integerArrayLiteral(values: readonly (number | null)[]): string {
  let out = "{";
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (i > 0) out += ",";
    if (v === null || v === undefined) out += "NULL";
    else if (Number.isSafeInteger(v)) out += String(v);
    else throw new Error(`not a safe integer: ${v}`);
  }
  return `${out}}`;
}
