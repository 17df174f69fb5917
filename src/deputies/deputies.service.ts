import { Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Role } from '../../workflows/types.js';
import { AuditService } from '../audit/audit.service.js';
import { AccountCache } from '../auth/account-cache.js';
import { DELEGABLE_ROLES, ownRoles, type AuthUser } from '../auth/auth-user.js';
import { DomainError, fieldError, notFound } from '../common/domain-error.js';
import type { RequestMeta } from '../common/request-meta.js';
import { withTransientRetry } from '../database/db-errors.js';
import { returnedRows } from '../database/returned-rows.js';
import type { CreateDeputyDto, DeputiesDto, DeputyDto } from './deputy.dto.js';

interface Row {
  id: string;
  principalId: string;
  principalName: string;
  deputyId: string;
  deputyName: string;
  from: Date;
  to: Date;
  active: boolean;
  roles: Role[];
}

const SELECT = `SELECT d.id, d.principal_id AS "principalId", p.display_name AS "principalName",
  d.deputy_id AS "deputyId", q.display_name AS "deputyName", d.starts_at AS "from",
  d.ends_at AS "to", (d.starts_at <= now() AND d.ends_at > now()) AS active,
  ARRAY(SELECT r FROM unnest(p.roles) AS r WHERE r = ANY ($2::text[])) AS roles
  FROM deputies d JOIN users p ON p.id = d.principal_id JOIN users q ON q.id = d.deputy_id`;

const toDto = (r: Row): DeputyDto => ({ ...r, from: r.from.toISOString(), to: r.to.toISOString() });

/** Deputies (DESIGN 10.5): a reviewer, quality officer or agency liaison lets a colleague act for them for a period. */
@Injectable()
export class DeputiesService {
  private readonly logger = new Logger(DeputiesService.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly accounts: AccountCache,
  ) {}

  async create(user: AuthUser, dto: CreateDeputyDto, meta: RequestMeta): Promise<DeputyDto> {
    const own = ownRoles(user).filter((r) => DELEGABLE_ROLES.includes(r));
    if (own.length === 0) {
      throw new DomainError(
        'cannot-name-deputies',
        user.actingFor
          ? 'A deputy cannot name deputies: you hold review roles only as a colleague’s deputy'
          : 'Only reviewers, quality officers and agency liaisons name deputies (for their review roles)',
      );
    }
    const from = new Date(dto.from);
    const to = new Date(dto.to);
    if (to.getTime() <= from.getTime()) throw fieldError('to', 'must be after from');
    if (to.getTime() <= Date.now()) throw fieldError('to', 'must be in the future');
    if (dto.userId === user.id) throw fieldError('userId', 'you cannot be your own deputy');
    const row = await withTransientRetry(() =>
      this.dataSource.transaction(async (em) => {
        const colleague: unknown[] = await em.query(
          `SELECT 1 FROM users WHERE id = $1 AND institution_id = $2 AND active`,
          [dto.userId, user.institutionId],
        );
        if (colleague.length === 0) throw fieldError('userId', 'must be an open account of your institution');
        const [{ id }]: Array<{ id: string }> = await em.query(
          `INSERT INTO deputies (principal_id, deputy_id, starts_at, ends_at) VALUES ($1, $2, $3, $4) RETURNING id`,
          [user.id, dto.userId, from, to],
        );
        await this.audit.record(em, [user.institutionId], {
          action: 'DEPUTY_CREATE',
          actor: { id: user.id, institutionId: user.institutionId, role: own[0] },
          data: {
            deputyId: id,
            principalId: user.id,
            userId: dto.userId,
            roles: own,
            from: from.toISOString(),
            to: to.toISOString(),
          },
          meta,
        });
        const rows: Row[] = await em.query(`${SELECT} WHERE d.id = $1`, [id, DELEGABLE_ROLES]);
        return rows[0];
      }),
    );
    // The deputy's next request looks the delegation up (AccountCache caches whether there is one).
    this.accounts.forget(dto.userId);
    this.logger.log({ deputyId: row.id, principalId: user.id, userId: dto.userId }, 'deputy named');
    return toDto(row);
  }

  async list(user: AuthUser): Promise<DeputiesDto> {
    const rows: Row[] = await this.dataSource.query(
      `${SELECT} WHERE (d.principal_id = $1 OR d.deputy_id = $1) AND d.ends_at > now() - interval '30 days'
       ORDER BY d.starts_at DESC, d.id LIMIT 200`,
      [user.id, DELEGABLE_ROLES],
    );
    return {
      items: rows.filter((r) => r.principalId === user.id).map(toDto),
      deputyFor: rows.filter((r) => r.deputyId === user.id).map(toDto),
    };
  }

  /** One delegation, to its principal or its deputy; 404 to anyone else, as for a missing one. */
  async get(user: AuthUser, id: string): Promise<DeputyDto> {
    const rows: Row[] = await this.dataSource.query(
      `${SELECT} WHERE d.id = $1 AND (d.principal_id = $3 OR d.deputy_id = $3)`,
      [id, DELEGABLE_ROLES, user.id],
    );
    if (!rows[0]) throw notFound('Deputy');
    return toDto(rows[0]);
  }

  /** Ends a delegation at once (the principal's own only; another's answers 404 like a missing one). */
  async remove(user: AuthUser, id: string, meta: RequestMeta): Promise<void> {
    await withTransientRetry(() =>
      this.dataSource.transaction(async (em) => {
        const removed = returnedRows<{ deputyId: string }>(
          await em.query(
            `DELETE FROM deputies WHERE id = $1 AND principal_id = $2
           RETURNING deputy_id AS "deputyId", starts_at AS "from", ends_at AS "to"`,
            [id, user.id],
          ),
        );
        if (removed.length === 0) throw notFound('Deputy');
        await this.audit.record(em, [user.institutionId], {
          action: 'DEPUTY_DELETE',
          actor: { id: user.id, institutionId: user.institutionId, role: ownRoles(user)[0] ?? 'reviewer' },
          data: { deputyId: id, principalId: user.id, userId: removed[0].deputyId },
          meta,
        });
      }),
    );
  }
}
