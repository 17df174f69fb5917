import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { DataSource, EntityManager, Repository } from 'typeorm';
import type { InstitutionKind, Role } from '../../workflows/types.js';
import { canAdminister, isAllianceAdmin, type AuthUser } from '../auth/auth-user.js';
import { decodeCursor, encodeCursor, type Page } from '../common/cursor.js';
import { conflict, DomainError, forbidden, notFound } from '../common/domain-error.js';
import { SYSTEM_REQUEST, type RequestMeta } from '../common/request-meta.js';
import { DEFAULT_PAGE_SIZE } from '../common/pagination.dto.js';
import { withTransientRetry } from '../database/db-errors.js';
import { Institution } from '../institutions/institution.entity.js';
import { PasswordService } from './password.service.js';
import { CreateUserDto, ListUsersQueryDto, MeDto, UserDto } from './user.dto.js';
import { User } from './user.entity.js';

/** Which roles make sense at which kind of institution (an agency has no proposers, a university no liaisons). */
const ROLES_BY_KIND: Record<InstitutionKind, Role[]> = {
  university: ['proposer', 'reviewer', 'quality_officer', 'admin'],
  alliance: ['quality_officer', 'admin'],
  agency: ['agency_liaison', 'admin'],
};

/** Hook for writing an audit entry in the same transaction as a user change (the audit module registers it). */
export type UserCreatedHook = (
  em: EntityManager,
  actor: AuthUser | null,
  user: User,
  meta: RequestMeta,
) => Promise<void>;

@Injectable()
export class UsersService {
  private readonly logger = new Logger(UsersService.name);
  private readonly createdHooks: UserCreatedHook[] = [];

  constructor(
    @InjectRepository(User) private readonly users: Repository<User>,
    private readonly dataSource: DataSource,
    private readonly passwords: PasswordService,
  ) {}

  onUserCreated(hook: UserCreatedHook): void {
    this.createdHooks.push(hook);
  }

  async create(
    actor: AuthUser | null,
    dto: CreateUserDto,
    meta: RequestMeta = SYSTEM_REQUEST,
  ): Promise<UserDto> {
    if (actor && !canAdminister(actor, dto.institutionId)) {
      throw forbidden(
        isAllianceAdmin(actor)
          ? 'Not allowed'
          : 'An institution admin may only create users of its own institution',
      );
    }
    const hash = await this.passwords.hash(dto.password);
    const user = await withTransientRetry(() =>
      this.dataSource.transaction(async (em) => {
        const institution = await em.findOneBy(Institution, { id: dto.institutionId });
        if (!institution) {
          throw new DomainError(
            'validation-failed',
            400,
            `institutionId: unknown institution ${dto.institutionId}`,
            [{ field: 'institutionId', message: 'unknown institution' }],
          );
        }
        const allowed = ROLES_BY_KIND[institution.kind];
        const wrong = dto.roles.filter((r) => !allowed.includes(r));
        if (wrong.length) {
          throw new DomainError(
            'validation-failed',
            400,
            `roles: ${wrong.join(', ')} not possible at a ${institution.kind}`,
            [
              {
                field: 'roles',
                message: `${wrong.join(', ')} not possible at a ${institution.kind} (allowed: ${allowed.join(', ')})`,
              },
            ],
          );
        }
        const inserted: Array<{ id: string }> = await em.query(
          `INSERT INTO users (email, display_name, institution_id, roles, password_hash)
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING RETURNING id`,
          [dto.email.toLowerCase(), dto.displayName.trim(), dto.institutionId, dto.roles, hash],
        );
        if (inserted.length === 0) throw conflict('email-taken', 'A user with this e-mail already exists');
        const row = await em.findOneByOrFail(User, { id: inserted[0].id });
        for (const hook of this.createdHooks) await hook(em, actor, row, meta);
        return row;
      }),
    );
    this.logger.log({ userId: user.id, institutionId: user.institutionId }, 'user created');
    return toUserDto(user);
  }

  async list(actor: AuthUser, q: ListUsersQueryDto): Promise<Page<UserDto>> {
    let institutionId: string | undefined = q.institutionId;
    if (!isAllianceAdmin(actor)) {
      if (institutionId && institutionId !== actor.institutionId)
        throw forbidden('You may list only your own institution');
      institutionId = actor.institutionId;
    }
    const after = decodeCursor(q.cursor, { c: 'timestamp', i: 'uuid' });
    const limit = q.limit ?? DEFAULT_PAGE_SIZE;
    const qb = this.users
      .createQueryBuilder('u')
      .orderBy('u.created_at', 'ASC')
      .addOrderBy('u.id', 'ASC')
      .limit(limit + 1);
    if (institutionId) qb.andWhere('u.institution_id = :institutionId', { institutionId });
    if (after) qb.andWhere('(u.created_at, u.id) > (:c::timestamptz, :i::uuid)', { c: after.c, i: after.i });
    const rows = await qb.getMany();
    const items = rows.slice(0, limit);
    const last = items[items.length - 1];
    return {
      items: items.map(toUserDto),
      nextCursor:
        rows.length > limit && last ? encodeCursor({ c: last.createdAt.toISOString(), i: last.id }) : null,
    };
  }

  async me(actor: AuthUser): Promise<MeDto> {
    const user = await this.users.findOneBy({ id: actor.id });
    if (!user) throw notFound('User');
    const inst = await this.dataSource.getRepository(Institution).findOneByOrFail({ id: user.institutionId });
    return {
      ...toUserDto(user),
      institution: { id: inst.id, name: inst.name, kind: inst.kind, country: inst.country },
      waitingForRoles: actor.roles.length === 0,
      actingFor: Object.entries(actor.actingFor ?? {}).map(([role, onBehalfOf]) => ({
        role: role as Role,
        onBehalfOf: onBehalfOf as string,
      })),
    };
  }

  /** For login only: the one query that reads the password hash. */
  findWithHash(email: string): Promise<(User & { passwordHash: string }) | null> {
    return this.users
      .createQueryBuilder('u')
      .addSelect('u.passwordHash')
      .where('lower(u.email) = lower(:email)', { email })
      .getOne() as Promise<(User & { passwordHash: string }) | null>;
  }

  async count(): Promise<number> {
    return this.users.count();
  }
}

export function toUserDto(u: User): UserDto {
  return {
    id: u.id,
    email: u.email,
    displayName: u.displayName,
    institutionId: u.institutionId,
    roles: u.roles,
    createdAt: u.createdAt.toISOString(),
    updatedAt: u.updatedAt.toISOString(),
  };
}
