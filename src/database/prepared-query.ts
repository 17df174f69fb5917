import { createHash } from 'node:crypto';
import { Logger } from '@nestjs/common';
import type { DataSource } from 'typeorm';

type NamedQueryPool = {
  query(config: { name: string; text: string; values: unknown[] }): Promise<{ rows: unknown[] }>;
};

/**
 * How many distinct texts may be prepared. Each stays prepared on every connection for the
 * connection's life, so a text that varied with the request would grow every connection without end:
 * past the cap a new text runs as an ordinary statement, with one error in the log.
 */
export const MAX_PREPARED_TEXTS = 16;

/** Statement text → its name. */
const names = new Map<string, string>();
const logger = new Logger('PreparedQuery');
let warned = false;

function nameOf(text: string): string | undefined {
  let name = names.get(text);
  if (name) return name;
  if (names.size >= MAX_PREPARED_TEXTS) {
    if (!warned)
      logger.error(
        `more than ${MAX_PREPARED_TEXTS} statement texts to prepare: a caller's text varies per request`,
      );
    warned = true;
    return undefined;
  }
  name = `mc_${createHash('sha256').update(text).digest('base64url').slice(0, 24)}`;
  names.set(text, name);
  return name;
}

/**
 * Runs `text` as a named prepared statement on whichever pooled connection takes it: PostgreSQL parses
 * and analyses it once per connection instead of on every call, and after a few runs keeps a generic
 * plan (no planning per call). For a large statement that runs on every request (the catalogue
 * search; measured in the README, "Catalogue and analytics"). Callers pass a text that does not vary
 * with the request: values go in `values`, an absent filter as NULL. Without a pg pool behind the
 * data source (another driver) it runs as an ordinary statement.
 */
export async function queryPrepared<T>(ds: DataSource, text: string, values: unknown[]): Promise<T[]> {
  const pool = (ds.driver as unknown as { master?: NamedQueryPool } | undefined)?.master;
  const name = pool ? nameOf(text) : undefined;
  if (!pool || !name) return (await ds.query(text, values)) as T[];
  try {
    return (await pool.query({ name, text, values })).rows as T[];
  } catch (e) {
    // TypeORM logs a failed statement of its own; this one bypasses it, so log it the same way.
    ds.logger?.logQueryError(e instanceof Error ? e : String(e), text, values);
    throw e;
  }
}
