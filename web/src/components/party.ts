import type { TFunction } from 'i18next';
import type { Proposal } from '../api/client';
import { countryName } from '../format';

type Party = Proposal['pending'][number];

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
