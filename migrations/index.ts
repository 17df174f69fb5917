// Every migration, in order. Listed explicitly (not globbed) so the same list works from dist/, from
// the CLI and under Jest. Never edit a migration that has landed: add a new one.
import { Foundation1795800000000 } from './1795800000000-foundation.js';
import { Proposals1795810000000 } from './1795810000000-proposals.js';
import { AuditLog1795820000000 } from './1795820000000-audit-log.js';
import { Reminders1795830000000 } from './1795830000000-reminders.js';
import { QualityVisibility1795840000000 } from './1795840000000-quality-visibility.js';
import { Accounts1795850000000 } from './1795850000000-accounts.js';

export const migrations = [
  Foundation1795800000000,
  Proposals1795810000000,
  AuditLog1795820000000,
  Reminders1795830000000,
  QualityVisibility1795840000000,
  Accounts1795850000000,
];
