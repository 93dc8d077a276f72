import { stringify } from "csv-stringify/sync";

export type CsvValue = string | number | null | undefined;

// A cell starting with one of these would run as a formula in a spreadsheet (CSV injection, OWASP's list). A plain
// number such as -12.50 cannot, and stays a number for the reader.
const FORMULA_START = /^[=+\-@\t\r]/;
const PLAIN_NUMBER = /^-?\d+(\.\d+)?$/;

export function escapeFormula(s: string): string {
  return FORMULA_START.test(s) && !PLAIN_NUMBER.test(s) ? `'${s}` : s;
}

/**
 * Every CSV export goes through here: RFC 4180 (CRLF rows; a cell with a comma, quote, CR or LF quoted, quotes
 * doubled), a header row, and formula cells prefixed with an apostrophe.
 */
export function csvDocument(columns: readonly string[], rows: readonly (readonly CsvValue[])[]): string {
  return stringify([columns, ...rows] as CsvValue[][], {
    record_delimiter: "\r\n",
    // csv-stringify quotes on the record delimiter (CRLF) only; a lone LF or CR inside a cell must be quoted too.
    quoted_match: /[\r\n]/,
    cast: { string: escapeFormula },
  });
}
