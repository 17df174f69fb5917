import i18n from 'i18next';
import { describe, expect, it } from 'vitest';
import '../i18n';
import { localiseDiagram } from '../pages/WorkflowPage';

describe('workflow diagram', () => {
  it('names states and events in words while keeping the codes as Mermaid ids', () => {
    const source = [
      'stateDiagram-v2',
      '  [*] --> draft',
      '  draft --> partnerReview: SUBMIT',
      '  agencyAlignment --> changesRequested: AGENCY_FLAG',
      '  withdrawn --> [*]',
    ].join('\n');
    const out = localiseDiagram(source, i18n.t.bind(i18n) as never).split('\n');
    expect(out[0]).toBe('stateDiagram-v2');
    expect(out).toContain('  state "Partner review" as partnerReview');
    expect(out).toContain('  state "Changes requested" as changesRequested');
    expect(out).toContain('  draft --> partnerReview: Submit for review');
    expect(out).toContain('  agencyAlignment --> changesRequested: Flag as not aligned');
    expect(out).toContain('  withdrawn --> [*]');
    // No code is left for a reader: every event and state was named.
    expect(out.join('\n')).not.toMatch(/: [A-Z_]+$/m);
  });

  it('keeps an event or state it has no name for as it is, and strips characters Mermaid would parse', () => {
    const t = (key: string, opts?: Record<string, unknown>) =>
      key === 'events.X' ? 'Go: now; "really"' : String(opts?.defaultValue ?? key);
    const out = localiseDiagram('stateDiagram-v2\n  a --> b: X\n  b --> c: NEW_EVENT', t);
    expect(out).toContain('  a --> b: Go  now   really ');
    expect(out).toContain('  b --> c: NEW_EVENT');
    expect(out).toContain('  state "a" as a');
  });
});
