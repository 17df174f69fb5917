// DESIGN.md section 5, written out by hand for a cuni-led proposal with partners uhd (DE) and su
// (FR): the independent oracle the e2e suites compare the service with. Deliberately not derived
// from the machine, so a mistake in the machine cannot hide in the expectation.
import { actorSpec, type ActorName } from './review-world.js';

export const EVENT_TYPES = [
  'SUBMIT', 'PARTNER_APPROVE', 'PARTNER_REQUEST_CHANGES', 'QUALITY_APPROVE', 'QUALITY_REQUEST_CHANGES', 'QUALITY_REJECT',
  'AGENCY_CONFIRM', 'AGENCY_FLAG', 'PUBLISH', 'RETIRE', 'WITHDRAW',
] as const; // prettier-ignore

/** Which events each state takes at all (anything else: 409). */
export const STATE_EVENTS: Record<string, string[]> = {
  draft: ['SUBMIT', 'WITHDRAW'],
  partnerReview: ['PARTNER_APPROVE', 'PARTNER_REQUEST_CHANGES', 'WITHDRAW'],
  qualityReview: ['QUALITY_APPROVE', 'QUALITY_REQUEST_CHANGES', 'QUALITY_REJECT', 'WITHDRAW'],
  agencyAlignment: ['AGENCY_CONFIRM', 'AGENCY_FLAG', 'WITHDRAW'],
  changesRequested: ['SUBMIT', 'WITHDRAW'],
  approved: ['PUBLISH'],
  published: ['RETIRE'],
  retired: [],
  rejected: [],
  withdrawn: [],
};

export const LEAD = 'cuni';
export const PARTNERS = ['uhd', 'su'];
export const COUNTRY_OF: Record<string, string> = {
  cuni: 'CZ',
  uhd: 'DE',
  su: 'FR',
  unimi: 'IT',
  nau: 'CZ',
  gac: 'DE',
  hceres: 'FR',
  anvur: 'IT',
};
export const AGENCIES = ['nau', 'gac', 'hceres', 'anvur'];
export const INVOLVED_COUNTRIES = ['CZ', 'DE', 'FR'];

const has = (a: ActorName, role: string) => (actorSpec(a).roles as readonly string[]).includes(role);
const inst = (a: ActorName) => actorSpec(a).institutionId;

/** Role and relation allow this actor to send the event (whether the state takes it is separate). */
export function mayAct(event: string, a: ActorName): boolean {
  const i = inst(a);
  if (event === 'SUBMIT') return has(a, 'proposer') && i === LEAD;
  if (event.startsWith('PARTNER_')) return has(a, 'reviewer') && PARTNERS.includes(i);
  if (event.startsWith('QUALITY_')) return has(a, 'quality_officer') && i !== LEAD;
  if (event.startsWith('AGENCY_'))
    return has(a, 'agency_liaison') && AGENCIES.includes(i) && INVOLVED_COUNTRIES.includes(COUNTRY_OF[i]);
  if (event === 'PUBLISH' || event === 'RETIRE') return has(a, 'admin') && (i === LEAD || i === '4euplus');
  return (has(a, 'proposer') || has(a, 'admin')) && i === LEAD;
}

/**
 * Lead and partner users always; quality officers of any other university once quality review was
 * reached (they may decide there); agency users of involved countries once agency alignment was
 * reached; alliance users. Reaching agency alignment implies having passed quality review.
 */
export function sees(
  a: ActorName,
  reachedAgencyAlignment: boolean,
  reachedQualityReview: boolean = reachedAgencyAlignment,
): boolean {
  const i = inst(a);
  if (i === '4euplus') return true;
  if (AGENCIES.includes(i)) return reachedAgencyAlignment && INVOLVED_COUNTRIES.includes(COUNTRY_OF[i]);
  return i === LEAD || PARTNERS.includes(i) || (reachedQualityReview && has(a, 'quality_officer'));
}

export const REACHED_AGENCY = new Set(['agencyAlignment', 'approved', 'published', 'retired']);
export const REACHED_QUALITY = new Set(['qualityReview', ...REACHED_AGENCY]);

/** A body that passes the event's field rules, so refusals come from roles and states alone. */
export function eventBody(type: string, criteria: string[] = []): Record<string, unknown> {
  if (type === 'QUALITY_APPROVE')
    return { criteria: criteria.map((criterion) => ({ criterion, result: 'met' })) };
  if (type === 'AGENCY_CONFIRM') return { outcome: 'aligned' };
  if (
    [
      'PARTNER_REQUEST_CHANGES',
      'QUALITY_REQUEST_CHANGES',
      'QUALITY_REJECT',
      'AGENCY_FLAG',
      'RETIRE',
    ].includes(type)
  )
    return { comment: 'because' };
  return {};
}
