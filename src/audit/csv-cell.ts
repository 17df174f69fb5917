/**
 * Spreadsheets run a cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return as a formula
 * (CSV injection). Such text cells get a leading apostrophe, which spreadsheets show as text. The CSV
 * export is for reading; the NDJSON export is the one that verifies byte for byte.
 */
const FORMULA_START = /^[=+\-@\t\r]/;

export function csvSafeText(value: string): string {
  return FORMULA_START.test(value) ? `'${value}` : value;
}
