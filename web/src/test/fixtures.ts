import type { Institution, Me } from '../api/client';

/** A JSON answer as the API gives it: problem+json from 400 on. */
export const json = (body: unknown, status = 200): Response =>
  new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': status < 400 ? 'application/json' : 'application/problem+json' },
  });

/** The signed-in administrator of this institution. */
export function adminOf(institution: Institution): Me {
  return {
    id: '00000000-0000-4000-8000-000000000001',
    email: `admin@${institution.id}.example`,
    displayName: 'Admin',
    institutionId: institution.id,
    roles: ['admin'],
    active: true,
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    institution,
    waitingForRoles: false,
    actingFor: [],
    canNameDeputies: false,
  };
}
