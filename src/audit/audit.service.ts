import { randomUUID } from 'node:crypto';
import { Injectable, OnModuleInit } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import type { AuthUser } from '../auth/auth-user.js';
import type { RequestMeta } from '../common/request-meta.js';
import { noteAuditAppends } from '../metrics/audit-appends.js';
import { diffJson } from '../proposals/content-diff.js';
import { UsersService, type UserChange } from '../users/users.service.js';
import {
  ChangeParticipantRole,
  type ChangeParticipant,
  type ProposalChange,
} from '../workflow/proposal-change.js';
import { canonicalContent } from './audit-chain.js';
import { AuditRepository } from './audit.repository.js';

/** One thing that happened, to be written once into each involved institution's log. */
export interface AuditRecord {
  action: string;
  proposalId?: string | null;
  proposalReference?: string | null;
  actor: { id: string; institutionId: string; role: string | null } | null;
  fromState?: string | null;
  toState?: string | null;
  revision?: number | null;
  data?: Record<string, unknown>;
  meta: RequestMeta;
}

const USER_ACTIONS: Record<UserChange['kind'], string> = {
  created: 'USER_CREATE',
  // Reactivation and every other change: USER_UPDATE, with `active` before and after among the changes.
  updated: 'USER_UPDATE',
  deactivated: 'USER_DEACTIVATE',
  'password-changed': 'PASSWORD_CHANGE',
  'password-reset': 'PASSWORD_RESET',
  'password-reset-by-email': 'PASSWORD_RESET_BY_EMAIL',
  'signed-out-elsewhere': 'SIGN_OUT_ELSEWHERE',
};

/**
 * Appends to the per-institution hash chains, always inside the caller's transaction: an entry
 * exists exactly when its change does. It joins the workflow engine's transactions and user creation.
 */
@Injectable()
@ChangeParticipantRole('audit')
export class AuditService implements OnModuleInit, ChangeParticipant {
  constructor(
    private readonly repo: AuditRepository,
    private readonly users: UsersService,
  ) {}

  onModuleInit(): void {
    this.users.onUserChange((em, change) => this.recordUserChange(em, change));
  }

  /**
   * Account changes go to the user's institution's log and the acting admin's. Ids, roles and the
   * active flag only: the log is immutable, so no names, e-mail addresses or password material go in.
   */
  private recordUserChange(em: EntityManager, c: UserChange): Promise<void> {
    const { user, meta } = c;
    // A reset through an e-mailed link is the user acting on their own account (the link proved it).
    const byLink = c.kind === 'password-reset-by-email';
    const actor = byLink ? { id: user.id, institutionId: user.institutionId } : c.actor;
    const self = c.kind === 'password-changed' || c.kind === 'signed-out-elsewhere' || byLink;
    const base = { userId: user.id, institutionId: user.institutionId };
    return this.record(em, [user.institutionId, ...(actor && !self ? [actor.institutionId] : [])], {
      action: USER_ACTIONS[c.kind],
      // A password change or ending one's other sessions: the user acting on their own account, in no
      // particular role.
      actor: actor ? { id: actor.id, institutionId: actor.institutionId, role: self ? null : 'admin' } : null,
      data:
        c.kind === 'created'
          ? { ...base, roles: user.roles }
          : self || c.kind === 'password-reset'
            ? byLink
              ? { ...base, via: 'email' }
              : base
            : { ...base, changes: c.changes },
      meta,
    });
  }

  /** Writes the record into each listed institution's chain (duplicates removed), in the caller's transaction. */
  async record(em: EntityManager, institutionIds: string[], rec: AuditRecord): Promise<void> {
    const ids = [...new Set(institutionIds)].sort();
    const entry = {
      proposalId: rec.proposalId ?? null,
      proposalReference: rec.proposalReference ?? null,
      actorId: rec.actor?.id ?? null,
      actorInstitutionId: rec.actor?.institutionId ?? null,
      actorRole: rec.actor?.role ?? null,
      action: rec.action,
      fromState: rec.fromState ?? null,
      toState: rec.toState ?? null,
      revision: rec.revision ?? null,
      data: rec.data ?? {},
      requestId: rec.meta.requestId,
      clientIp: rec.meta.ip,
    };
    // seq and time are only known once the chain heads are locked, inside the statement that appends:
    // the canonical content is encoded here with unique markers in their place.
    const nonce = randomUUID();
    const markers = { seq: `@@seq-${nonce}@@`, at: `@@at-${nonce}@@` };
    const templates = ids.map((institutionId) => ({
      institutionId,
      canonical: canonicalContent({
        ...entry,
        institutionId,
        seq: markers.seq as unknown as number,
        at: markers.at,
      }),
    }));
    await this.repo.append(em, entry, templates, markers);
    noteAuditAppends(em, rec.action, ids.length);
  }

  /** Logs involved in a proposal change: lead, partners before and after, and the actor's institution. */
  static involved(change: ProposalChange): string[] {
    return [
      change.after.leadInstitutionId,
      ...change.after.partnerInstitutionIds,
      ...(change.before?.partnerInstitutionIds ?? []),
      change.actor.institutionId,
    ];
  }

  async inTransaction(em: EntityManager, change: ProposalChange): Promise<void> {
    const { before, after, actor } = change;
    let action: string;
    let data: Record<string, unknown>;
    if (change.kind === 'created') {
      action = 'CREATE';
      // The content itself stays in the proposal (and each submitted revision); the log names what was there.
      data = {
        partnerInstitutionIds: after.partnerInstitutionIds,
        contentFields: Object.keys(after.content).sort(),
      };
    } else if (change.kind === 'edited') {
      action = 'EDIT';
      data = {
        changes: [
          ...diffJson(change.before.content, after.content, 'content'),
          ...diffJson(
            change.before.partnerInstitutionIds,
            after.partnerInstitutionIds,
            'partnerInstitutionIds',
          ),
        ],
      };
    } else {
      action = change.event.type;
      // The decision's payload as its schema validated it: whatever fields the workflow version declares.
      data = { ...change.event.payload };
      // A deputy's decision names the colleague it was taken for (DESIGN 10.5).
      const principal = actor.actingFor?.[change.actingRole];
      if (principal) data.onBehalfOf = principal;
    }
    await this.record(em, AuditService.involved(change), {
      action,
      proposalId: after.id,
      proposalReference: after.reference,
      actor: actorOf(actor, change.actingRole),
      fromState: before?.state ?? null,
      toState: after.state,
      revision: after.revision,
      data,
      meta: change.meta,
    });
  }
}

function actorOf(user: AuthUser, role: string) {
  return { id: user.id, institutionId: user.institutionId, role };
}
