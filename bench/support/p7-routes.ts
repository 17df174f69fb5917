// P7's read paths answered by the app's own repository and service code over a plain pg pool, for the
// two baselines that must do the same work as the app: the bare node:http server and the bare NestJS
// application. The user comes as base64url JSON in x-bench-user instead of a token.
import type { IncomingMessage } from 'node:http';
import type pg from 'pg';
import { AuditQueryService } from '../../src/audit/audit-query.service.js';
import { AuditRepository } from '../../src/audit/audit.repository.js';
import type { AuthUser } from '../../src/auth/auth-user.js';
import { NotificationsService } from '../../src/notifications/notifications.service.js';
import { ProposalsRepository } from '../../src/workflow/proposals.repository.js';
import { inboxService } from './inbox-service.js';

const AUDIT = /^\/api\/institutions\/([a-z0-9-]+)\/audit$/;

/**
 * The inbox's service, one per pool for the baseline's lifetime as in the app (a singleton there): it
 * keeps restored snapshots between requests.
 */
const inboxes = new WeakMap<pg.Pool, ReturnType<typeof inboxService>>();

/** The answer's body for one of P7's routes, or null when the path is not one of them. */
export async function p7Answer(pool: pg.Pool, req: IncomingMessage): Promise<unknown> {
  const query = async (sql: string, params?: unknown[]) => (await pool.query(sql, params)).rows;
  // The repositories only call dataSource.query and dataSource.manager.query.
  const dataSource = { query, manager: { query } } as never;
  let inbox = inboxes.get(pool);
  if (!inbox) inboxes.set(pool, (inbox = inboxService(dataSource)));
  const user = JSON.parse(
    Buffer.from(String(req.headers['x-bench-user'] ?? ''), 'base64url').toString('utf8'),
  ) as AuthUser;
  const url = new URL(req.url ?? '/', 'http://bare');
  const q = Object.fromEntries(url.searchParams);
  if (url.pathname === '/api/proposals') {
    const rows = await new ProposalsRepository(dataSource).list(user, {
      state: q.state,
      institutionId: q.institutionId,
      limit: 21,
    });
    return { items: rows.slice(0, 20), nextCursor: rows.length > 20 ? 'more' : null };
  }
  if (url.pathname === '/api/proposals/waiting') return inbox.waiting(user, {});
  if (url.pathname === '/api/me/notifications') return new NotificationsService(dataSource).list(user, {});
  const audit = AUDIT.exec(url.pathname);
  if (audit) {
    const service = new AuditQueryService(new AuditRepository(dataSource), dataSource);
    return service.search(audit[1], { proposalId: q.proposalId }, user);
  }
  return null;
}
