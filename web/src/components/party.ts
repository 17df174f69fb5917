import type { TFunction } from 'i18next';
import type { Proposal } from '../api/client';
import { countryName } from '../format';

type Party = Pick<Proposal['pending'][number], 'kind' | 'institutionId' | 'country'>;

/** Who a pending party is, in words: "Partner Heidelberg University", "National agency of Denmark". */
export function partyName(
  party: Party,
  t: TFunction,
  institution: (id: string | null | undefined) => string,
) {
  if (party.kind === 'agency') return t('party.agency', { country: countryName(party.country ?? '') });
  if (party.kind === 'quality') return t('party.quality');
  return t(`party.${party.kind}`, { name: institution(party.institutionId), defaultValue: party.kind });
}

/**
 * The same words for a party known only by its key, as analytics reports it ("partner-uhd",
 * "agency-cz", "quality", "publisher"). A key it cannot read is shown as it is.
 */
export function partyKeyName(
  key: string | null | undefined,
  t: TFunction,
  institution: (id: string | null | undefined) => string,
) {
  if (!key) return '—';
  // The analytics' publisher party is always the lead institution's administrators.
  if (key === 'publisher') return t('party.publisherLead');
  if (key === 'quality') return t('party.quality');
  const m = /^([a-z]+)-(.+)$/.exec(key);
  if (!m) return key;
  const [, kind, rest] = m;
  if (kind === 'agency') return t('party.agency', { country: countryName(rest.toUpperCase()) });
  // A kind a workflow version adds is named when it has words, and shown as its key when not.
  return t(`party.${kind}`, { name: institution(rest), defaultValue: key });
}
