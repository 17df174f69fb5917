import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { isAllianceAdmin, type AuthUser } from '../auth/auth-user.js';
import { conflict, DomainError, forbidden, notFound, type FieldProblem } from '../common/domain-error.js';
import type { RequestMeta } from '../common/request-meta.js';
import { AppConfig } from '../config/app-config.js';
import { withTransientRetry } from '../database/db-errors.js';
import { DOMAIN_NAME } from '../sso/oidc-claims.js';
import type { CreateInstitutionDto, InstitutionDto } from './institution.dto.js';
import type { InstitutionSettingsDto, UpdateInstitutionDto } from './institution-settings.dto.js';

interface Row {
  id: string;
  name: string;
  kind: InstitutionSettingsDto['kind'];
  country: string | null;
  passwordLoginDisabled: boolean;
  domains: string[];
}

/**
 * Changes to institutions, each audited: adding one, and its sign-in settings (its home-organisation
 * domains and whether passwords are accepted).
 */
@Injectable()
export class InstitutionSettingsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
  ) {}

  /**
   * A new university or agency (alliance admin). Its creation is the first entry of its own log (the
   * insert's trigger starts the chain) and an entry in the creating admin's log, in one transaction.
   */
  async create(actor: AuthUser, dto: CreateInstitutionDto, meta: RequestMeta): Promise<InstitutionDto> {
    return withTransientRetry(() =>
      this.dataSource.transaction(async (em) => {
        const inserted: InstitutionDto[] = await em.query(
          `INSERT INTO institutions (id, name, kind, country) VALUES ($1, $2, $3, $4)
           ON CONFLICT (id) DO NOTHING RETURNING id, name, kind, country`,
          [dto.id, dto.name, dto.kind, dto.country],
        );
        const created = inserted[0];
        if (!created) throw conflict('institution-exists', `Institution ${dto.id} already exists`, 'id');
        await this.audit.record(em, [created.id, actor.institutionId], {
          action: 'INSTITUTION_CREATE',
          actor: { id: actor.id, institutionId: actor.institutionId, role: 'admin' },
          data: {
            institutionId: created.id,
            name: created.name,
            kind: created.kind,
            country: created.country,
          },
          meta,
        });
        return created;
      }),
    );
  }

  async update(
    actor: AuthUser,
    id: string,
    dto: UpdateInstitutionDto,
    meta: RequestMeta,
  ): Promise<InstitutionSettingsDto> {
    if (dto.domains !== undefined && !isAllianceAdmin(actor))
      throw forbidden('Only an alliance administrator sets the domains of an institution');
    const domains = dto.domains === undefined ? undefined : checkDomains(dto.domains);
    if (dto.passwordLoginDisabled === true && !this.config.OIDC_ISSUER)
      throw conflict(
        'oidc-not-configured',
        'Password sign-in cannot be disabled while university sign-in is not configured (OIDC_ISSUER): nobody could sign in',
      );
    return withTransientRetry(() =>
      this.dataSource.transaction(async (em) => {
        const before = await read(em.query.bind(em), id, true);
        if (!before) throw notFound('Institution');
        if (domains !== undefined) {
          const taken: Array<{ domain: string; institutionId: string }> = await em.query(
            `SELECT domain, institution_id AS "institutionId" FROM institution_domains
             WHERE domain = ANY ($1::text[]) AND institution_id <> $2`,
            [domains, id],
          );
          if (taken.length)
            throw conflict(
              'domain-taken',
              `Already a domain of another institution: ${taken.map((t) => `${t.domain} (${t.institutionId})`).join(', ')}`,
              'domains',
            );
          await em.query(`DELETE FROM institution_domains WHERE institution_id = $1`, [id]);
          // A concurrent claim of the same domain by another institution fails on the primary key (409 below).
          await em
            .query(
              `INSERT INTO institution_domains (domain, institution_id) SELECT d, $2 FROM unnest($1::text[]) AS d`,
              [domains, id],
            )
            .catch((e: { code?: string }) => {
              if (e.code === '23505')
                throw conflict('domain-taken', 'A domain was just taken by another institution', 'domains');
              throw e;
            });
        }
        if (dto.passwordLoginDisabled !== undefined)
          await em.query(`UPDATE institutions SET password_login_disabled = $2 WHERE id = $1`, [
            id,
            dto.passwordLoginDisabled,
          ]);
        const after = (await read(em.query.bind(em), id, false))!;
        const data: Record<string, unknown> = { institutionId: id };
        if (domains !== undefined) data.domains = { before: before.domains, after: after.domains };
        if (dto.passwordLoginDisabled !== undefined)
          data.passwordLoginDisabled = {
            before: before.passwordLoginDisabled,
            after: after.passwordLoginDisabled,
          };
        await this.audit.record(em, [id, actor.institutionId], {
          action: 'INSTITUTION_UPDATE',
          actor: { id: actor.id, institutionId: actor.institutionId, role: 'admin' },
          data,
          meta,
        });
        return after;
      }),
    );
  }

  async get(id: string): Promise<InstitutionSettingsDto | null> {
    return read(this.dataSource.query.bind(this.dataSource), id, false);
  }
}

async function read(
  query: (sql: string, params: unknown[]) => Promise<Row[]>,
  id: string,
  lock: boolean,
): Promise<Row | null> {
  const rows = await query(
    `SELECT i.id, i.name, i.kind, i.country, i.password_login_disabled AS "passwordLoginDisabled",
            coalesce((SELECT array_agg(d.domain ORDER BY d.domain) FROM institution_domains d WHERE d.institution_id = i.id), '{}') AS domains
     FROM institutions i WHERE i.id = $1 ${lock ? 'FOR UPDATE' : ''}`,
    [id],
  );
  return rows[0] ?? null;
}

/** Lower-cased, each a domain name, no duplicates; every problem named by its index. */
function checkDomains(input: string[]): string[] {
  const problems: FieldProblem[] = [];
  const out = input.map((d) => d.trim().toLowerCase());
  out.forEach((d, i) => {
    if (!DOMAIN_NAME.test(d))
      problems.push({ field: `domains[${i}]`, message: 'must be a domain name such as cuni.cz' });
    else if (out.indexOf(d) !== i) problems.push({ field: `domains[${i}]`, message: 'listed twice' });
  });
  if (problems.length)
    throw new DomainError(
      'validation-failed',
      problems.map((p) => `${p.field}: ${p.message}`).join('; '),
      problems,
    );
  return out;
}
