import { describe, expect, it } from '@jest/globals';
import {
  cycleProblems,
  declaredEdges,
  kindOf,
  stackEntries,
  type StackEdge,
} from '../../src/catalogue/stackability.js';

const entries = (stacksInto: string[], composedOf: string[] = []) =>
  stackEntries({ stackability: { stacksInto, composedOf } });

describe('stackability entries', () => {
  it.each([
    ['MC-2026-0007', 'reference'],
    ['MC-2026-12345', 'reference'],
    ['https://www.cuni.cz/programmes/msc', 'programme'],
    ['http://www.cuni.cz/programmes/msc', 'invalid'],
    ['MC-26-1', 'invalid'],
    ['javascript:alert(1)', 'invalid'],
    ['a programme', 'invalid'],
  ])('classifies %s as %s', (value, kind) => {
    expect(kindOf(value)).toBe(kind);
  });

  it('names each entry by its field path and turns them into part → whole edges', () => {
    const list = entries(['MC-2026-0002'], ['MC-2026-0003', 7 as unknown as string]);
    expect(list.map((e) => e.field)).toEqual([
      'content.stackability.stacksInto[0]',
      'content.stackability.composedOf[0]',
    ]);
    expect(declaredEdges('MC-2026-0001', { stackability: { stacksInto: ['B'], composedOf: ['C'] } })).toEqual(
      [
        { part: 'MC-2026-0001', whole: 'B' },
        { part: 'C', whole: 'MC-2026-0001' },
      ],
    );
    expect(stackEntries({ stackability: null })).toEqual([]);
    expect(stackEntries(null)).toEqual([]);
  });
});

describe('cycles', () => {
  // MC-1 → MC-2 → MC-3 (parts count towards wholes).
  const chain: StackEdge[] = [
    { part: 'MC-2026-0001', whole: 'MC-2026-0002' },
    { part: 'MC-2026-0002', whole: 'MC-2026-0003' },
  ];

  it('accepts an entry that extends the graph without a cycle', () => {
    expect(cycleProblems('MC-2026-0009', entries(['MC-2026-0001'], []), chain)).toEqual([]);
    expect(cycleProblems('MC-2026-0009', entries(['MC-2026-0003'], ['MC-2026-0001']), chain)).toEqual([]);
  });

  it('names the entry that closes a cycle through others, in either list', () => {
    expect(cycleProblems('MC-2026-0009', entries(['MC-2026-0001'], ['MC-2026-0003']), chain)).toEqual([
      { field: 'content.stackability.stacksInto[0]', message: expect.stringMatching(/cycle/) },
      { field: 'content.stackability.composedOf[0]', message: expect.stringMatching(/cycle/) },
    ]);
    // A whole that already counts towards its own part, declared by the other side.
    expect(
      cycleProblems('MC-2026-0003', entries([], ['MC-2026-0004']), [
        ...chain,
        { part: 'MC-2026-0003', whole: 'MC-2026-0004' },
      ]),
    ).toEqual([{ field: 'content.stackability.composedOf[0]', message: expect.stringMatching(/cycle/) }]);
  });

  it('refuses a self-reference and ignores programmes', () => {
    expect(cycleProblems('MC-2026-0001', entries(['MC-2026-0001']), [])).toEqual([
      { field: 'content.stackability.stacksInto[0]', message: 'a micro-credential cannot stack into itself' },
    ]);
    expect(cycleProblems('MC-2026-0001', entries(['https://x.test/p']), chain)).toEqual([]);
  });
});
