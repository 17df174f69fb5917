import { afterEach, beforeAll, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import type { AppConfig } from '../../src/config/app-config.js';
import { ReminderReconcilerService } from '../../src/reminders/reminder-reconciler.service.js';

/** The reconciler's scheduling only: each pass is recorded and takes `passMs`. */
class CountingReconciler extends ReminderReconcilerService {
  passes = 0;
  passMs = 0;
  override async reconcile(): ReturnType<ReminderReconcilerService['reconcile']> {
    this.passes++;
    await new Promise((r) => setTimeout(r, this.passMs));
    return { reminders: 0, emails: 0, voided: 0, removedLinks: 0 };
  }
}

const TEN_MINUTES = 600_000;

function reconciler(): CountingReconciler {
  const config = { RECONCILE_INTERVAL_MS: TEN_MINUTES } as AppConfig;
  return new CountingReconciler(null as never, null as never, null as never, config, null as never);
}

describe('reconcile passes requested when Redis is ready again', () => {
  beforeAll(() => Logger.overrideLogger(false));
  beforeEach(() => {
    jest.useFakeTimers();
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  it('runs one pass within a second of a request, not at the next interval', async () => {
    const r = reconciler();
    r.start();
    await jest.advanceTimersByTimeAsync(10);
    expect(r.passes).toBe(1);
    r.requestPass('test');
    await jest.advanceTimersByTimeAsync(1000);
    expect(r.passes).toBe(2);
    await r.stop();
  });

  it('makes one pass of a burst of requests (every connection reports the same restart)', async () => {
    const r = reconciler();
    r.start();
    await jest.advanceTimersByTimeAsync(10);
    for (let i = 0; i < 5; i++) {
      r.requestPass('test');
      await jest.advanceTimersByTimeAsync(50);
    }
    await jest.advanceTimersByTimeAsync(2000);
    expect(r.passes).toBe(2);
    await r.stop();
  });

  it('runs one more pass right after a pass that was running when the request came', async () => {
    const r = reconciler();
    r.passMs = 5000;
    r.start();
    await jest.advanceTimersByTimeAsync(100);
    expect(r.passes).toBe(1);
    r.requestPass('test');
    r.requestPass('test');
    await jest.advanceTimersByTimeAsync(5000);
    expect(r.passes).toBe(2);
    await jest.advanceTimersByTimeAsync(5000);
    expect(r.passes).toBe(2);
    const stopped = r.stop();
    await jest.advanceTimersByTimeAsync(5000);
    await stopped;
  });

  it('ignores requests before start and after stop', async () => {
    const r = reconciler();
    r.requestPass('test');
    await jest.advanceTimersByTimeAsync(TEN_MINUTES);
    expect(r.passes).toBe(0);
    r.start();
    await jest.advanceTimersByTimeAsync(10);
    await r.stop();
    r.requestPass('test');
    await jest.advanceTimersByTimeAsync(TEN_MINUTES * 2);
    expect(r.passes).toBe(1);
  });
});
