/** PostgreSQL / driver errors that mean "the database is not reachable right now", not a bug. */
const UNAVAILABLE_PG_CODES = new Set([
  '57P01',
  '57P02',
  '57P03',
  '08000',
  '08001',
  '08003',
  '08006',
  '53300',
]);
const UNAVAILABLE_NET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND']);
const UNAVAILABLE_MESSAGES =
  /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|Cannot use a pool after calling end|terminating connection|the database system is (starting up|shutting down|in recovery mode)/i;
/** Conflicts PostgreSQL resolves by aborting one transaction: safe to run that transaction again. */
const RETRYABLE_CONFLICT_CODES = new Set(['40001', '40P01']);

export function isDatabaseUnavailable(e: unknown): boolean {
  if (!e || typeof e !== 'object') return false;
  const err = e as { code?: unknown; message?: unknown; driverError?: unknown };
  if (
    typeof err.code === 'string' &&
    (UNAVAILABLE_PG_CODES.has(err.code) || UNAVAILABLE_NET_CODES.has(err.code))
  )
    return true;
  if (typeof err.message === 'string' && UNAVAILABLE_MESSAGES.test(err.message)) return true;
  return err.driverError ? isDatabaseUnavailable(err.driverError) : false;
}

/** Worth running the whole transaction again: a lost connection or a serialization/deadlock abort. */
export function isTransient(e: unknown): boolean {
  if (isDatabaseUnavailable(e)) return true;
  const err = e as { code?: unknown; driverError?: { code?: unknown } } | null;
  const code = err?.code ?? err?.driverError?.code;
  return typeof code === 'string' && RETRYABLE_CONFLICT_CODES.has(code);
}

/**
 * Runs a transaction body again when it failed transiently. Only for units that are all-or-nothing
 * in PostgreSQL (a failed attempt committed nothing), which is what our transactions are.
 */
export async function withTransientRetry<T>(work: (attempt: number) => Promise<T>, attempts = 4): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work(attempt);
    } catch (e) {
      if (attempt >= attempts || !isTransient(e)) throw e;
      await new Promise((r) => setTimeout(r, 15 * attempt * attempt));
    }
  }
}
