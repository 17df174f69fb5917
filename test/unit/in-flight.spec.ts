import { describe, expect, it } from '@jest/globals';
import { InFlight } from '../../src/common/in-flight.js';

/** A computation the test settles by hand. */
function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('InFlight', () => {
  it('gives callers that arrive while a computation runs its answer, computing once', async () => {
    const shared = new InFlight<number>();
    const d = deferred<number>();
    let computed = 0;
    const compute = () => {
      computed++;
      return d.promise;
    };
    const first = shared.run('k', compute);
    const second = shared.run('k', compute);
    d.resolve(42);
    expect(await Promise.all([first, second])).toEqual([42, 42]);
    expect(computed).toBe(1);
  });

  it('computes afresh once the earlier computation has settled', async () => {
    const shared = new InFlight<number>();
    let n = 0;
    expect(await shared.run('k', async () => ++n)).toBe(1);
    expect(shared.size).toBe(0);
    expect(await shared.run('k', async () => ++n)).toBe(2);
  });

  it('never shares between different keys', async () => {
    const shared = new InFlight<string>();
    const a = deferred<string>();
    const first = shared.run('a', () => a.promise);
    const second = shared.run('b', async () => 'b');
    a.resolve('a');
    expect(await Promise.all([first, second])).toEqual(['a', 'b']);
  });

  it('passes a failure to every caller that joined it and forgets it', async () => {
    const shared = new InFlight<number>();
    const d = deferred<number>();
    const first = shared.run('k', () => d.promise);
    const second = shared.run('k', () => Promise.resolve(0));
    d.reject(new Error('database unavailable'));
    await expect(first).rejects.toThrow('database unavailable');
    await expect(second).rejects.toThrow('database unavailable');
    expect(shared.size).toBe(0);
    expect(await shared.run('k', async () => 7)).toBe(7);
  });
});
