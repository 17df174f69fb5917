import i18n from 'i18next';
import { describe, expect, it } from 'vitest';
import '../i18n';
import { partyKeyName, partyName } from '../components/party';

const t = i18n.t.bind(i18n) as never;
const names: Record<string, string> = { uhd: 'Heidelberg University', cuni: 'Charles University' };
const institution = (id: string | null | undefined) => (id ? (names[id] ?? id) : '—');

describe('party names', () => {
  it('name a party by its key in the same words as by the party itself', () => {
    const parties = [
      { key: 'partner-uhd', kind: 'partner', institutionId: 'uhd', country: null },
      { key: 'lead-cuni', kind: 'lead', institutionId: 'cuni', country: null },
      { key: 'agency-dk', kind: 'agency', institutionId: null, country: 'DK' },
      { key: 'quality', kind: 'quality', institutionId: null, country: null },
      { key: 'publisher-uhd', kind: 'publisher', institutionId: 'uhd', country: null },
      // Institution ids may hold a hyphen themselves.
      { key: 'partner-ai-dk', kind: 'partner', institutionId: 'ai-dk', country: null },
    ];
    for (const p of parties) expect(partyKeyName(p.key, t, institution)).toBe(partyName(p, t, institution));
    expect(partyKeyName('partner-uhd', t, institution)).toBe('Partner Heidelberg University');
    expect(partyKeyName('agency-dk', t, institution)).toBe('National agency of Denmark');
  });

  it('name the publisher key as the lead’s administrators, and show a key they cannot read as it is', () => {
    expect(partyKeyName('publisher', t, institution)).toBe('Administrators of the lead institution');
    expect(partyKeyName('panel-uhd', t, institution)).toBe('panel-uhd');
    expect(partyKeyName('odd', t, institution)).toBe('odd');
    expect(partyKeyName(null, t, institution)).toBe('—');
  });
});
