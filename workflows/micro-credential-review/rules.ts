// Who may send which event, and which payload rules it must satisfy (DESIGN.md section 5).
// The machine's guards call exactly these functions, and so do the runtime's explanations
// (availableEvents, 403/409/422), so the two can never disagree. Pure and total: malformed
// input yields 'forbidden' or problems, never an exception.
import type { Actor, Problem, Role } from '../types.js';
import { checkSubmission, CONTENT_LIMITS } from './content.js';
import { REVIEW_EVENT_POLICIES } from './policy.js';
import {
  AGENCY_OUTCOMES,
  CRITERION_RESULTS,
  type ReviewContext,
  type ReviewEventType,
  type Submission,
} from './review-model.js';

export type Authorization = 'ok' | 'forbidden' | 'already-decided';

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Only well-formed actors can be authorized; anything else is simply forbidden. */
export function isActor(value: unknown): value is Actor {
  return (
    isPlainObject(value) &&
    typeof value.userId === 'string' &&
    typeof value.institutionId === 'string' &&
    typeof value.institutionKind === 'string' &&
    (value.country === null || typeof value.country === 'string') &&
    Array.isArray(value.roles)
  );
}

function holds(actor: Actor, ...roles: Role[]): boolean {
  // Several roles per user: any one that qualifies is enough.
  return roles.some((role) => actor.roles.includes(role));
}

/** Countries are compared upper case: ISO 3166-1 alpha-2 as stored in the institutions table. */
export function normalizeCountry(country: string): string {
  return country.trim().toUpperCase();
}

function isLead(actor: Actor, context: ReviewContext): boolean {
  return actor.institutionId === context.leadInstitutionId;
}

/**
 * Role + relation to the proposal + "has not decided yet on this revision".
 * Independent of the state: whether the event is handled at all is the machine's structure.
 */
export function authorize(eventType: string, context: ReviewContext, actor: unknown): Authorization {
  if (!isActor(actor)) return 'forbidden';
  switch (eventType as ReviewEventType) {
    case 'SUBMIT':
      return holds(actor, 'proposer') && isLead(actor, context) ? 'ok' : 'forbidden';
    case 'PARTNER_APPROVE':
    case 'PARTNER_REQUEST_CHANGES':
      if (!holds(actor, 'reviewer') || !context.partnerInstitutionIds.includes(actor.institutionId))
        return 'forbidden';
      return context.partnerApprovals.includes(actor.institutionId) ? 'already-decided' : 'ok';
    case 'QUALITY_APPROVE':
    case 'QUALITY_REQUEST_CHANGES':
    case 'QUALITY_REJECT':
      // Conflict of interest: the lead institution never reviews its own proposal.
      return holds(actor, 'quality_officer') && !isLead(actor, context) ? 'ok' : 'forbidden';
    case 'AGENCY_CONFIRM':
    case 'AGENCY_FLAG': {
      if (!holds(actor, 'agency_liaison') || actor.institutionKind !== 'agency' || actor.country === null)
        return 'forbidden';
      const country = normalizeCountry(actor.country);
      if (!context.involvedCountries.includes(country)) return 'forbidden';
      return context.agencyConfirmations.includes(country) ? 'already-decided' : 'ok';
    }
    case 'PUBLISH':
    case 'RETIRE':
      return holds(actor, 'admin') && (isLead(actor, context) || actor.institutionKind === 'alliance')
        ? 'ok'
        : 'forbidden';
    case 'WITHDRAW':
      return holds(actor, 'proposer', 'admin') && isLead(actor, context) ? 'ok' : 'forbidden';
    default:
      return 'forbidden';
  }
}

// ---------------------------------------------------------------------------------------------
// Payload rules
// ---------------------------------------------------------------------------------------------

/** Events whose table row says "comment required" (the policy says it once; the guards ask here). */
export const COMMENT_REQUIRED: readonly string[] = Object.entries(REVIEW_EVENT_POLICIES)
  .filter(([, policy]) => policy.commentRequired)
  .map(([type]) => type);

function optionalText(value: unknown, field: string, out: Problem[]): void {
  if (value === undefined || value === null) return;
  if (typeof value !== 'string') out.push({ field, message: 'must be a string' });
  else if (value.length > CONTENT_LIMITS.maxStringLength)
    out.push({ field, message: `must be at most ${CONTENT_LIMITS.maxStringLength} characters` });
}

function requiredText(value: unknown, field: string, out: Problem[]): void {
  // Blank or whitespace-only counts as missing: a decision needs a reason someone can read.
  if (value === undefined || value === null || (typeof value === 'string' && value.trim() === ''))
    out.push({ field, message: 'is required' });
  else optionalText(value, field, out);
}

function isIsoDateTime(value: unknown): value is string {
  return (
    typeof value === 'string' &&
    /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(value) &&
    !Number.isNaN(Date.parse(value))
  );
}

function submissionProblems(context: ReviewContext, event: Record<string, unknown>): Problem[] {
  const submission = event.submission;
  if (!isPlainObject(submission)) return [{ field: 'submission', message: 'is required' }];
  const { ectsMin, ectsMax } = submission;
  if (typeof ectsMin !== 'number' || typeof ectsMax !== 'number')
    return [{ field: 'submission', message: 'ectsMin and ectsMax are required' }];
  const s = submission as unknown as Submission;
  return checkSubmission({
    content: s.content,
    leadInstitutionId: context.leadInstitutionId,
    partnerInstitutionIds: s.partnerInstitutionIds,
    institutions: s.institutions,
    ectsMin,
    ectsMax,
  });
}

function criteriaProblems(event: Record<string, unknown>): Problem[] {
  const out: Problem[] = [];
  const catalogue = event.criteriaCatalogue;
  if (
    !Array.isArray(catalogue) ||
    catalogue.length === 0 ||
    !catalogue.every((id) => typeof id === 'string')
  ) {
    // An empty checklist would let anything through: refuse rather than approve unchecked.
    out.push({ field: 'criteriaCatalogue', message: 'the quality checklist is missing or empty' });
    return out;
  }
  const known = new Set<string>(catalogue);
  const criteria = event.criteria;
  if (!Array.isArray(criteria)) {
    out.push({ field: 'criteria', message: 'must list an assessment of every quality criterion' });
    return out;
  }
  const assessed = new Set<string>();
  criteria.forEach((item: unknown, i) => {
    const base = `criteria[${i}]`;
    if (!isPlainObject(item)) {
      out.push({ field: base, message: 'must be an object { criterion, result, note? }' });
      return;
    }
    for (const key of Object.keys(item))
      if (!['criterion', 'result', 'note'].includes(key))
        out.push({ field: `${base}.${key}`, message: 'unknown field' });
    const { criterion, result } = item;
    if (typeof criterion !== 'string') out.push({ field: `${base}.criterion`, message: 'is required' });
    else if (!known.has(criterion))
      out.push({ field: `${base}.criterion`, message: `unknown criterion "${criterion}"` });
    else if (assessed.has(criterion))
      out.push({
        field: `${base}.criterion`,
        message: `criterion "${criterion}" is assessed more than once`,
      });
    else assessed.add(criterion);
    if (typeof result !== 'string' || !(CRITERION_RESULTS as readonly string[]).includes(result))
      out.push({ field: `${base}.result`, message: `must be one of: ${CRITERION_RESULTS.join(', ')}` });
    else if (result === 'not-met')
      out.push({
        field: `${base}.result`,
        message: `criterion "${String(criterion)}" is not met: request changes or reject instead`,
      });
    optionalText(item.note, `${base}.note`, out);
  });
  const missing = catalogue.filter((id: string) => !assessed.has(id));
  if (missing.length > 0)
    out.push({ field: 'criteria', message: `criteria not assessed: ${[...new Set(missing)].join(', ')}` });
  return out;
}

function agencyConfirmProblems(event: Record<string, unknown>): Problem[] {
  const out: Problem[] = [];
  const outcome = event.outcome;
  if (typeof outcome !== 'string' || !(AGENCY_OUTCOMES as readonly string[]).includes(outcome))
    out.push({ field: 'outcome', message: `must be one of: ${AGENCY_OUTCOMES.join(', ')}` });
  if (outcome === 'aligned-with-conditions') requiredText(event.conditions, 'conditions', out);
  else optionalText(event.conditions, 'conditions', out);
  optionalText(event.nqfLevel, 'nqfLevel', out);
  optionalText(event.reference, 'reference', out);
  return out;
}

/**
 * The payload rules of an event, every problem at once. Authorization is not checked here
 * (see `authorize`), so a refusal can say precisely which of the two failed.
 */
export function ruleProblems(
  eventType: string,
  context: ReviewContext,
  event: unknown,
  commentRequired: readonly string[] = COMMENT_REQUIRED,
): Problem[] {
  if (!isPlainObject(event)) return [{ field: 'event', message: 'must be an object' }];
  const out: Problem[] = [];
  // The machine stores `at` as stageEnteredAt, so it must be a real timestamp.
  if (!isIsoDateTime(event.at)) out.push({ field: 'at', message: 'must be an ISO 8601 date-time' });
  if (commentRequired.includes(eventType)) requiredText(event.comment, 'comment', out);
  else optionalText(event.comment, 'comment', out);
  switch (eventType as ReviewEventType) {
    case 'SUBMIT':
      out.push(...submissionProblems(context, event));
      break;
    case 'QUALITY_APPROVE':
      out.push(...criteriaProblems(event));
      break;
    case 'AGENCY_CONFIRM':
      out.push(...agencyConfirmProblems(event));
      break;
    default:
      break;
  }
  return out;
}

/** What every guard of the machine asks: authorized and no rule problem. */
export function accepts(eventType: string, context: ReviewContext, event: unknown): boolean {
  return acceptsWith(authorize, ruleProblems)(eventType, context, event);
}

/** The guard of a version with rules of its own (a later version adding events). */
export function acceptsWith(
  authorizeEvent: (eventType: string, context: ReviewContext, actor: unknown) => Authorization,
  problemsOf: (eventType: string, context: ReviewContext, event: unknown) => Problem[],
): (eventType: string, context: ReviewContext, event: unknown) => boolean {
  return (eventType, context, event) => {
    const actor = isPlainObject(event) ? event.actor : undefined;
    return (
      authorizeEvent(eventType, context, actor) === 'ok' && problemsOf(eventType, context, event).length === 0
    );
  };
}

/** Sorted unique upper-case countries of the lead and the partners, from the institutions table. */
export function involvedCountries(
  leadInstitutionId: string,
  partnerInstitutionIds: readonly string[],
  institutions: readonly { id: string; country: string | null }[],
): string[] {
  const ids = new Set([leadInstitutionId, ...partnerInstitutionIds]);
  const countries = institutions
    .filter((institution) => ids.has(institution.id) && typeof institution.country === 'string')
    .map((institution) => normalizeCountry(institution.country as string))
    .filter((country) => country !== '');
  return [...new Set(countries)].sort();
}
