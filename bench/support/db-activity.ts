// What the bench database's backends are doing during a run, sampled from pg_stat_activity: running,
// waiting for a lock (contention), waiting on WAL/IO, or idle inside a transaction (waiting for the
// client's next statement: the client's round trips are what holds the locks then).
import type pg from 'pg';

export interface ActivityReport {
  samples: number;
  /** Average number of client backends in each state over the samples. */
  average: Record<string, number>;
}

export class DbActivitySampler {
  private timer?: NodeJS.Timeout;
  private samples = 0;
  private busy = false;
  private readonly sums = new Map<string, number>();

  constructor(
    private readonly db: pg.Pool,
    private readonly intervalMs = 200,
  ) {}

  start(): this {
    this.timer = setInterval(() => void this.sample(), this.intervalMs);
    return this;
  }

  private async sample(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const { rows } = await this.db.query<{ what: string; n: number }>(
        `SELECT CASE
                  WHEN state = 'active' AND wait_event_type = 'Lock' THEN 'waiting for lock (' || wait_event || ')'
                  WHEN state = 'active' AND wait_event_type IS NOT NULL AND wait_event_type <> 'Client'
                    THEN 'waiting on ' || wait_event_type || ':' || wait_event
                  WHEN state = 'active' THEN 'running'
                  ELSE coalesce(state, 'unknown')
                END AS what, count(*)::int AS n
         FROM pg_stat_activity
         WHERE datname = current_database() AND backend_type = 'client backend' AND pid <> pg_backend_pid()
         GROUP BY 1`,
      );
      this.samples++;
      for (const r of rows) this.sums.set(r.what, (this.sums.get(r.what) ?? 0) + r.n);
    } catch {
      // a missed sample is fine
    } finally {
      this.busy = false;
    }
  }

  stop(): ActivityReport {
    clearInterval(this.timer);
    const average: Record<string, number> = {};
    for (const [k, v] of [...this.sums].sort((a, b) => b[1] - a[1]))
      average[k] = Math.round((100 * v) / Math.max(1, this.samples)) / 100;
    return { samples: this.samples, average };
  }
}
