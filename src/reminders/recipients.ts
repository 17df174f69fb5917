import type { EntityManager } from 'typeorm';
import type { PendingParty } from '../../workflows/types.js';
import { DELEGABLE_ROLES } from '../auth/auth-user.js';

export interface Recipient {
  id: string;
  email: string;
}

/** Users who must act for a pending party (open accounts only), and whoever stands in for one of them now as a deputy (review roles). */
export async function partyMembers(em: EntityManager, party: PendingParty): Promise<Recipient[]> {
  const members = await holders(em, party);
  if (!DELEGABLE_ROLES.includes(party.role) || members.length === 0) return members;
  const deputies: Recipient[] = await em.query(
    `SELECT DISTINCT u.id, u.email FROM deputies d
     JOIN users u ON u.id = d.deputy_id JOIN users p ON p.id = d.principal_id
     WHERE d.principal_id = ANY ($1::uuid[]) AND d.starts_at <= now() AND d.ends_at > now()
       AND u.institution_id = p.institution_id AND u.active`,
    [members.map((m) => m.id)],
  );
  const ids = new Set(members.map((m) => m.id));
  return [...members, ...deputies.filter((d) => !ids.has(d.id))].sort((a, b) => (a.id < b.id ? -1 : 1));
}

/** Users holding the party's role at its institution (or its country's agencies). */
async function holders(em: EntityManager, party: PendingParty): Promise<Recipient[]> {
  if (party.kind === 'agency') {
    return em.query(
      `SELECT u.id, u.email FROM users u JOIN institutions i ON i.id = u.institution_id
       WHERE i.kind = 'agency' AND i.country = $1 AND $2 = ANY (u.roles) AND u.active ORDER BY u.id`,
      [party.country, party.role],
    );
  }
  if (party.institutionId === null) {
    return em.query(
      `SELECT id, email FROM users WHERE $1 = ANY (roles) AND active AND ($2::text IS NULL OR institution_id <> $2) ORDER BY id`,
      [party.role, party.excludedInstitutionId],
    );
  }
  return em.query(
    `SELECT id, email FROM users WHERE institution_id = $1 AND $2 = ANY (roles) AND active ORDER BY id`,
    [party.institutionId, party.role],
  );
}

/** Who is alerted on escalation: admins of the party's institution (or its country's agencies) and alliance admins; open accounts only. */
export async function escalationRecipients(em: EntityManager, party: PendingParty): Promise<Recipient[]> {
  return em.query(
    `SELECT DISTINCT u.id, u.email FROM users u JOIN institutions i ON i.id = u.institution_id
     WHERE 'admin' = ANY (u.roles) AND u.active
       AND (i.kind = 'alliance'
            OR ($1::text IS NOT NULL AND i.id = $1)
            OR ($2::text IS NOT NULL AND i.kind = 'agency' AND i.country = $2))
     ORDER BY u.id`,
    [party.institutionId, party.kind === 'agency' ? party.country : null],
  );
}

/** The institution logs a reminder concerns besides the proposal's own: the party's institution(s). */
export async function partyInstitutions(em: EntityManager, party: PendingParty): Promise<string[]> {
  if (party.kind === 'agency') {
    const rows: Array<{ id: string }> = await em.query(
      `SELECT id FROM institutions WHERE kind = 'agency' AND country = $1`,
      [party.country],
    );
    return rows.map((r) => r.id);
  }
  return party.institutionId ? [party.institutionId] : [];
}
