import type { EntityManager, QueryRunner } from 'typeorm';

const PENDING = 'metrics:auditAppends';

/**
 * Notes audit entries appended inside `em`'s transaction. They are counted only when that transaction
 * commits (MetricsService listens for TypeORM's after-commit event), so a rolled-back change counts
 * nothing. Outside a transaction there is nothing to wait for and the note is dropped.
 */
export function noteAuditAppends(em: EntityManager, action: string, entries: number): void {
  const qr = em.queryRunner;
  if (!qr) return;
  const pending = (qr.data[PENDING] ??= {}) as Record<string, number>;
  pending[action] = (pending[action] ?? 0) + entries;
}

/** Takes (and clears) what was noted on this connection's transaction. */
export function takeAuditAppends(qr: QueryRunner): Record<string, number> {
  const pending = (qr.data?.[PENDING] ?? {}) as Record<string, number>;
  if (qr.data) delete qr.data[PENDING];
  return pending;
}
