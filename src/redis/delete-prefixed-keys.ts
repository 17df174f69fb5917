import { Redis } from 'ioredis';

/**
 * Deletes every key under `prefix:` (BullMQ's queues and jobs, throttle counters): for the tools that
 * start a service on a throw-away database and Redis prefix (bench, conformance), so that nothing of
 * theirs stays in a Redis that is shared with other runs.
 */
export async function deletePrefixedKeys(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await redis.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
