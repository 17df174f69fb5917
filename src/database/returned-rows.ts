/**
 * The rows of a `… RETURNING` statement sent through TypeORM's `query()`. On PostgreSQL it answers
 * UPDATE and DELETE (also inside a WITH) as `[rows, rowCount]`, INSERT and SELECT as the rows: one
 * place knows that.
 */
export function returnedRows<T>(result: unknown): T[] {
  const r = result as unknown[];
  return (Array.isArray(r[0]) ? r[0] : r) as T[];
}
