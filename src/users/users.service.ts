import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { DataSource, EntityManager, Repository } from 'typeorm';
import type { InstitutionKind, Role } from '../../workflows/types.js';
import {
  canAdminister,
  DELEGABLE_ROLES,
  isAllianceAdmin,
  ownRoles,
  type AuthUser,
} from '../auth/auth-user.js';
import { decodeCursor, encodeCursor, type Page } from '../common/cursor.js';
import { conflict, DomainError, fieldError, forbidden, notFound } from '../common/domain-error.js';
import { SYSTEM_REQUEST, type RequestMeta } from '../common/request-meta.js';
import { DEFAULT_PAGE_SIZE } from '../common/pagination.dto.js';
import { withTransientRetry } from '../database/db-errors.js';
import { returnedRows } from '../database/returned-rows.js';
import type { FieldChange } from '../proposals/content-diff.js';
import { Institution } from '../institutions/institution.entity.js';
import { AccountCache } from '../auth/account-cache.js';
import { isActiveAdmin, rolesFitKind, userChanges } from './account-rules.js';
import { PasswordService } from './password.service.js';
import {
  ChangePasswordDto,
  ColleagueDto,
  ColleaguesDto,
  ColleaguesQueryDto,
  CreateUserDto,
  ListUsersQueryDto,
  MeDto,
  ResetPasswordDto,
  UpdateUserDto,
  UserDto,
} from './user.dto.js';
import { User } from './user.entity.js';

/** One change to an account, as the audit log records it. */
export interface UserChange {
  kind:
    | 'created'
    | 'updated'
    | 'deactivated'
    | 'password-changed'
    | 'password-reset'
    | 'password-reset-by-email'
    | 'signed-out-elsewhere';
  /**
   * Who did it; null for the bootstrap administrator and for a reset through an e-mailed link (the
   * user themself, proven by the link). The user themself for a password change.
   */
  actor: AuthUser | null;
  /** The user after the change. */
  user: User;
  /** Changed fields (updated / deactivated); values only for non-personal fields (roles, active). */
  changes: FieldChange[];
  meta: RequestMeta;
}

/** Hook for writing an audit entry in the same transaction as a user change (the audit module registers it). */
export type UserChangeHook = (em: EntityManager, change: UserChange) => Promise<void>;

@Injectable()
export class UsersService {
  private readonly logger = new Logger(UsersService.name);
  private readonly changeHooks: UserChangeHook[] = [];

  constructor(
    @InjectRepository(User) private readonly users: Repository<User>,
    private readonly dataSource: DataSource,
    private readonly passwords: PasswordService,
    private readonly accounts: AccountCache,
  ) {}

  onUserChange(hook: UserChangeHook): void {
    this.changeHooks.push(hook);
  }

  private async changed(em: EntityManager, change: UserChange): Promise<void> {
    for (const hook of this.changeHooks) await hook(em, change);
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
            `institutionId: unknown institution ${dto.institutionId}`,
            [{ field: 'institutionId', message: 'unknown institution' }],
          );
        }
        rolesFitKind(dto.roles, institution.kind);
        const inserted: Array<{ id: string }> = await em.query(
          `INSERT INTO users (email, display_name, institution_id, roles, password_hash)
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING RETURNING id`,
          [dto.email.toLowerCase(), dto.displayName.trim(), dto.institutionId, dto.roles, hash],
        );
        if (inserted.length === 0)
          throw conflict('email-taken', 'A user with this e-mail already exists', 'email');
        const row = await em.findOneByOrFail(User, { id: inserted[0].id });
        await this.changed(em, { kind: 'created', actor, user: row, changes: [], meta });
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
    // @> (not = ANY) so that the GIN index on roles can serve it.
    if (q.role) qb.andWhere('u.roles @> ARRAY[:role]::text[]', { role: q.role });
    if (q.active !== undefined) qb.andWhere('u.active = :active', { active: q.active });
    if (q.withoutRoles !== undefined)
      qb.andWhere(q.withoutRoles ? 'cardinality(u.roles) = 0' : 'cardinality(u.roles) > 0');
    // strpos, not LIKE: the search text is taken literally (no % or _ wildcards to escape).
    if (q.q)
      qb.andWhere('(strpos(lower(u.display_name), lower(:q)) > 0 OR strpos(u.email, lower(:q)) > 0)', {
        q: q.q,
      });
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

  /** One account, for an admin of its institution or an alliance admin; 404 for anyone else. */
  async get(actor: AuthUser, id: string): Promise<UserDto> {
    const found = await this.users.findOneBy({ id });
    if (!found || !canAdminister(actor, found.institutionId)) throw notFound('User');
    return toUserDto(found);
  }

  /**
   * GET /api/me/colleagues: the open accounts of the caller's own institution, by name, so that
   * anyone can pick a deputy (listing users with their account details stays an admin's).
   */
  async colleagues(actor: AuthUser, q: ColleaguesQueryDto): Promise<ColleaguesDto> {
    const rows: ColleagueDto[] = await this.dataSource.query(
      `SELECT id, display_name AS "displayName", email, roles FROM users
        WHERE institution_id = $1 AND active AND id <> $2
          AND ($3::text IS NULL OR strpos(lower(display_name), lower($3)) > 0 OR strpos(email, lower($3)) > 0)
        ORDER BY lower(display_name), id LIMIT $4`,
      [actor.institutionId, actor.id, q.q ?? null, q.limit ?? DEFAULT_PAGE_SIZE],
    );
    return { items: rows };
  }

  /**
   * PATCH /api/users/:id. Users the caller does not administer answer 404 like unknown ids (an
   * institution admin cannot see other institutions' users). Changes to one institution's accounts
   * serialize on its row, so two admins demoting each other cannot leave it without an active admin.
   */
  async update(actor: AuthUser, id: string, dto: UpdateUserDto, meta: RequestMeta): Promise<UserDto> {
    const user = await withTransientRetry(() =>
      this.dataSource.transaction(async (em) => {
        const found = await em.findOneBy(User, { id });
        if (!found || !canAdminister(actor, found.institutionId)) throw notFound('User');
        // FOR NO KEY UPDATE: serializes account changes of the institution without blocking the
        // foreign-key checks (FOR KEY SHARE) of everything else that references it.
        const inst: Array<{ kind: InstitutionKind }> = await em.query(
          `SELECT kind FROM institutions WHERE id = $1 FOR NO KEY UPDATE`,
          [found.institutionId],
        );
        const before = await em.findOneOrFail(User, {
          where: { id },
          lock: { mode: 'pessimistic_write' },
        });
        const after = {
          displayName: dto.displayName === undefined ? before.displayName : dto.displayName.trim(),
          roles: dto.roles ?? before.roles,
          active: dto.active ?? before.active,
        };
        if (dto.roles) rolesFitKind(dto.roles, inst[0].kind);
        if (before.id === actor.id && before.active && !after.active)
          throw conflict('self-deactivation', 'You cannot deactivate your own account');
        if (isActiveAdmin(before) && !isActiveAdmin(after)) {
          const others: Array<{ n: number }> = await em.query(
            `SELECT count(*)::int AS n FROM users
             WHERE institution_id = $1 AND id <> $2 AND active AND roles @> ARRAY['admin']::text[]`,
            [before.institutionId, before.id],
          );
          if (others[0].n === 0)
            throw conflict(
              'last-admin',
              'This is the last active admin of the institution: name another admin first',
            );
        }
        const changes = userChanges(before, after);
        if (changes.length === 0) return before;
        const deactivating = before.active && !after.active;
        // Deactivation moves the token generation on: the user's tokens stay dead after a reactivation.
        await em.query(
          `UPDATE users SET display_name = $2, roles = $3, active = $4, updated_at = now(),
             token_generation = token_generation + $5,
             surviving_token_id = CASE WHEN $5 = 1 THEN NULL ELSE surviving_token_id END
           WHERE id = $1`,
          [id, after.displayName, after.roles, after.active, deactivating ? 1 : 0],
        );
        const row = await em.findOneByOrFail(User, { id });
        await this.changed(em, {
          kind: deactivating ? 'deactivated' : 'updated',
          actor,
          user: row,
          changes,
          meta,
        });
        return row;
      }),
    );
    // This process's next request sees the change without waiting for the NOTIFY (AccountCache).
    this.accounts.forget(user.id);
    this.logger.log({ userId: user.id, actorId: actor.id }, 'user updated');
    return toUserDto(user);
  }

  /**
   * POST /api/me/password. Every other token of the user stops working: the generation moves on and
   * the calling token is named as the one that survives it, so the session making the change goes on.
   */
  async changePassword(actor: AuthUser, dto: ChangePasswordDto, meta: RequestMeta): Promise<void> {
    const current = await this.users
      .createQueryBuilder('u')
      .addSelect('u.passwordHash')
      .where('u.id = :id', { id: actor.id })
      .getOne();
    if (!current) throw notFound('User');
    if (!(await this.passwords.verify(current.passwordHash, dto.currentPassword)))
      throw fieldError('currentPassword', 'is not your current password');
    if (await this.passwords.verify(current.passwordHash, dto.newPassword))
      throw fieldError('newPassword', 'must differ from the current password');
    const hash = await this.passwords.hash(dto.newPassword);
    await withTransientRetry(() =>
      this.dataSource.transaction(async (em) => {
        // Only if the hash is still the one just verified: a concurrent change wins, this one answers 409.
        const updated = returnedRows<{ id: string }>(
          await em.query(
            `UPDATE users SET password_hash = $2, token_generation = token_generation + 1,
               surviving_token_id = $3, updated_at = now()
             WHERE id = $1 AND password_hash = $4 AND active RETURNING id`,
            [actor.id, hash, actor.tokenId ?? null, current.passwordHash],
          ),
        );
        if (updated.length === 0)
          throw conflict('password-changed', 'The password was changed meanwhile; sign in again');
        const row = await em.findOneByOrFail(User, { id: actor.id });
        await this.changed(em, { kind: 'password-changed', actor, user: row, changes: [], meta });
      }),
    );
    this.accounts.forget(actor.id);
    this.logger.log({ userId: actor.id }, 'password changed');
  }

  /**
   * DELETE /api/me/other-sessions: every token of the user but the calling one stops working, as after a
   * password change (the generation moves on, the calling token survives it). For a lost or shared
   * computer, and the only way for users who sign in through their university and have no password.
   */
  async endOtherSessions(actor: AuthUser, meta: RequestMeta): Promise<void> {
    await withTransientRetry(() =>
      this.dataSource.transaction(async (em) => {
        await em.query(
          `UPDATE users SET token_generation = token_generation + 1, surviving_token_id = $2, updated_at = now()
           WHERE id = $1`,
          [actor.id, actor.tokenId ?? null],
        );
        const row = await em.findOneByOrFail(User, { id: actor.id });
        await this.changed(em, { kind: 'signed-out-elsewhere', actor, user: row, changes: [], meta });
      }),
    );
    this.accounts.forget(actor.id);
    this.logger.log({ userId: actor.id }, 'other sessions ended');
  }

  /**
   * POST /api/users/:id/password: an administrator of the user's institution (or the alliance) sets a
   * new password, for a user who forgot theirs or is locked out. Every token of the user stops working
   * (none survives, unlike a change of one's own password), and the login lock of the account is lifted
   * (AuthService listens for 'password-reset'). One's own password is changed with the current one.
   */
  async resetPassword(actor: AuthUser, id: string, dto: ResetPasswordDto, meta: RequestMeta): Promise<void> {
    if (id === actor.id)
      throw conflict('own-password', 'Change your own password with POST /api/me/password');
    // Visibility before the (deliberately costly) hash: an invisible or unknown user costs no argon2 run.
    const visible = await this.users.findOneBy({ id });
    if (!visible || !canAdminister(actor, visible.institutionId)) throw notFound('User');
    const hash = await this.passwords.hash(dto.newPassword);
    await withTransientRetry(() =>
      this.dataSource.transaction(async (em) => {
        const found = await em.findOneBy(User, { id });
        if (!found || !canAdminister(actor, found.institutionId)) throw notFound('User');
        await em.query(
          `UPDATE users SET password_hash = $2, token_generation = token_generation + 1,
             surviving_token_id = NULL, updated_at = now()
           WHERE id = $1`,
          [id, hash],
        );
        const row = await em.findOneByOrFail(User, { id });
        await this.changed(em, { kind: 'password-reset', actor, user: row, changes: [], meta });
      }),
    );
    this.accounts.forget(id);
    this.logger.log({ userId: id, actorId: actor.id }, 'password reset by an administrator');
  }

  /**
   * The last step of a reset through an e-mailed link (AuthModule's PasswordResetService checked the
   * link inside the same transaction): the new hash, every token of the user ended, audited.
   */
  async setPasswordFromLink(
    em: EntityManager,
    userId: string,
    hash: string,
    meta: RequestMeta,
  ): Promise<boolean> {
    const updated = returnedRows<{ id: string }>(
      await em.query(
        `UPDATE users u SET password_hash = $2, token_generation = token_generation + 1,
           surviving_token_id = NULL, updated_at = now()
         FROM institutions i
         WHERE u.id = $1 AND u.active AND u.password_hash IS NOT NULL
           AND i.id = u.institution_id AND NOT i.password_login_disabled
         RETURNING u.id`,
        [userId, hash],
      ),
    );
    if (updated.length === 0) return false;
    const row = await em.findOneByOrFail(User, { id: userId });
    await this.changed(em, { kind: 'password-reset-by-email', actor: null, user: row, changes: [], meta });
    return true;
  }

  /** Evicts the cached account after a committed change made outside this service. */
  forgetAccount(userId: string): void {
    this.accounts.forget(userId);
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
      // The rule POST /api/me/deputies applies, so the page need not repeat it.
      canNameDeputies: ownRoles(actor).some((r) => DELEGABLE_ROLES.includes(r)),
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
    active: u.active,
    createdAt: u.createdAt.toISOString(),
    updatedAt: u.updatedAt.toISOString(),
  };
}
