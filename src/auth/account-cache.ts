import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import pg from 'pg';
import { AppConfig } from '../config/app-config.js';
import type { UserAccessRow } from './token.js';

/** The channel the account triggers notify on (migration 1795920000000-account-change-notify). */
export const ACCOUNT_CHANNEL = 'account_changed';
/** The listener's application_name, so operators (and tests) can find its backend. */
export const ACCOUNT_LISTENER_NAME = 'microcred-qa-accounts';
/** Users held at most; the least recently used goes first. */
const MAX_ENTRIES = 50_000;
const RETRY_MS = 1000;

export type CachedAccount = UserAccessRow & { deputy_now: boolean };

/**
 * The per-request account check (CurrentUserService) from memory. Without it every authenticated
 * request paid a second PostgreSQL round trip (bench P7: about a third of the API's throughput).
 *
 * It may only be trusted while this process hears every change: the database notifies
 * `account_changed` with the user's id at COMMIT of any change to what a token may do (a trigger, so
 * changes from another process or from psql count too), and the listener evicts that user. While
 * the listening connection is down, nothing is read from or written to the cache, and it is emptied
 * when listening starts again. The process that makes a change also evicts synchronously after its
 * COMMIT (`forget`), so its own next request never waits for the notification.
 */
@Injectable()
export class AccountCache implements OnApplicationShutdown {
  private readonly logger = new Logger(AccountCache.name);
  private readonly entries = new LRUCache<string, CachedAccount>({ max: MAX_ENTRIES });
  private client?: pg.Client;
  private listening = false;
  private retry?: NodeJS.Timeout;
  private closed = false;
  /**
   * Moves on with every eviction. A read of the row that started before an eviction may hold what the
   * eviction was about, so `set` only stores a read whose mark is still current.
   */
  private epoch = 0;

  constructor(private readonly config: AppConfig) {}

  /** The cached row, when the cache can be trusted now. The first call starts listening. */
  get(userId: string): CachedAccount | undefined {
    if (this.config.ACCOUNT_CACHE_MS === 0) return undefined;
    if (!this.listening) {
      this.listen();
      return undefined;
    }
    return this.entries.get(userId);
  }

  /** Taken before reading the row from the database; hand it back to `set`. */
  mark(): number {
    return this.epoch;
  }

  set(userId: string, row: CachedAccount, mark: number): void {
    if (!this.listening || mark !== this.epoch || this.config.ACCOUNT_CACHE_MS === 0) return;
    this.entries.set(userId, row, { ttl: this.config.ACCOUNT_CACHE_MS });
  }

  /** Drops one user (after a change this process committed, or on a notification). */
  forget(userId: string): void {
    this.epoch++;
    this.entries.delete(userId);
  }

  private clear(): void {
    this.epoch++;
    this.entries.clear();
  }

  private listen(): void {
    if (this.client || this.retry || this.closed) return;
    const client = new pg.Client({
      connectionString: this.config.DATABASE_URL,
      application_name: ACCOUNT_LISTENER_NAME,
      keepAlive: true,
    });
    this.client = client;
    client.on('notification', (m) => {
      if (m.channel === ACCOUNT_CHANNEL && m.payload) this.forget(m.payload);
    });
    client.on('error', (err) => this.lost(client, err));
    client.on('end', () => this.lost(client));
    client
      .connect()
      .then(() => client.query(`LISTEN ${ACCOUNT_CHANNEL}`))
      .then(() => {
        if (this.client !== client) return;
        // Whatever changed while nobody listened is unknown: start empty.
        this.clear();
        this.listening = true;
        this.logger.log('account cache listening');
      })
      .catch((err: unknown) => this.lost(client, err));
  }

  private lost(client: pg.Client, err?: unknown): void {
    if (this.client !== client) return;
    this.client = undefined;
    this.listening = false;
    this.clear();
    client.removeAllListeners('notification');
    client.end().catch(() => undefined);
    if (this.closed) return;
    this.logger.warn(
      { err: err instanceof Error ? err.message : undefined },
      'account cache not listening: every request reads the user row until it is back',
    );
    this.retry = setTimeout(() => {
      this.retry = undefined;
      this.listen();
    }, RETRY_MS);
    this.retry.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    this.closed = true;
    if (this.retry) clearTimeout(this.retry);
    const client = this.client;
    this.client = undefined;
    this.listening = false;
    if (client) {
      client.removeAllListeners();
      client.on('error', () => undefined);
      await client.end().catch(() => undefined);
    }
  }
}
