// Every migration, in order. Listed explicitly (not globbed) so the same list works from dist/, from
// the CLI and under Jest. Never edit a migration that has landed: add a new one.
import { Foundation1795800000000 } from './1795800000000-foundation.js';
import { Proposals1795810000000 } from './1795810000000-proposals.js';
import { AuditLog1795820000000 } from './1795820000000-audit-log.js';
import { Reminders1795830000000 } from './1795830000000-reminders.js';
import { QualityVisibility1795840000000 } from './1795840000000-quality-visibility.js';
import { Accounts1795850000000 } from './1795850000000-accounts.js';
import { IdempotencyKeys1795860000000 } from './1795860000000-idempotency-keys.js';
import { QueriesAtScale1795870000000 } from './1795870000000-queries-at-scale.js';
import { Credentials1795880000000 } from './1795880000000-credentials.js';
import { Catalogue1795890000000 } from './1795890000000-catalogue.js';
import { SsoDeputies1795900000000 } from './1795900000000-sso-deputies.js';
import { DecisionPayloads1795910000000 } from './1795910000000-decision-payloads.js';
import { AccountChangeNotify1795920000000 } from './1795920000000-account-change-notify.js';
import { StageTimes1795930000000 } from './1795930000000-stage-times.js';
import { WaitingOrder1795940000000 } from './1795940000000-waiting-order.js';
import { CatalogueThematicArea1795950000000 } from './1795950000000-catalogue-thematic-area.js';
import { PasswordResetLinks1795960000000 } from './1795960000000-password-reset-links.js';
import { OutboxVoid1795970000000 } from './1795970000000-outbox-void.js';
import { RevokedTokens1795980000000 } from './1795980000000-revoked-tokens.js';
import { CatalogueAlignmentConditions1795990000000 } from './1795990000000-catalogue-alignment-conditions.js';

export const migrations = [
  Foundation1795800000000,
  Proposals1795810000000,
  AuditLog1795820000000,
  Reminders1795830000000,
  QualityVisibility1795840000000,
  Accounts1795850000000,
  IdempotencyKeys1795860000000,
  QueriesAtScale1795870000000,
  Credentials1795880000000,
  Catalogue1795890000000,
  SsoDeputies1795900000000,
  DecisionPayloads1795910000000,
  AccountChangeNotify1795920000000,
  StageTimes1795930000000,
  WaitingOrder1795940000000,
  CatalogueThematicArea1795950000000,
  PasswordResetLinks1795960000000,
  OutboxVoid1795970000000,
  RevokedTokens1795980000000,
  CatalogueAlignmentConditions1795990000000,
];
