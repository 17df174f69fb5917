/**
 * Identical reads that arrive while one is being computed share its answer instead of each running
 * the same expensive query. Nothing is kept once the computation settles: the next call after it
 * computes afresh, so an answer is never older than the computation a caller joined.
 */
export class InFlight<T> {
  private readonly pending = new Map<string, Promise<T>>();

  run(key: string, compute: () => Promise<T>): Promise<T> {
    const running = this.pending.get(key);
    if (running) return running;
    const started = compute().finally(() => this.pending.delete(key));
    this.pending.set(key, started);
    return started;
  }

  /** Computations running now (for tests). */
  get size(): number {
    return this.pending.size;
  }
}
