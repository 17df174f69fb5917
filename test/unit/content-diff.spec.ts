import { describe, expect, it } from '@jest/globals';
import { diffJson, mergePatch } from '../../src/proposals/content-diff.js';

describe('diffJson', () => {
  it('reports nothing for equal documents', () => {
    expect(diffJson({ a: 1, b: [1, { c: 'x' }] }, { b: [1, { c: 'x' }], a: 1 })).toEqual([]);
  });

  it('reports added, removed and changed fields with their paths, in a stable order', () => {
    const before = { title: 'A', ects: 5, languages: ['en'], assessment: { type: 'project' } };
    const after = {
      title: 'B',
      languages: ['en', 'fr'],
      assessment: { type: 'project', description: 'x' },
      eqfLevel: 6,
    };
    expect(diffJson(before, after)).toEqual([
      { field: 'assessment.description', change: 'added', after: 'x' },
      { field: 'ects', change: 'removed', before: 5 },
      { field: 'eqfLevel', change: 'added', after: 6 },
      { field: 'languages[1]', change: 'added', after: 'fr' },
      { field: 'title', change: 'changed', before: 'A', after: 'B' },
    ]);
  });

  it('descends into arrays of objects element by element', () => {
    const before = { learningOutcomes: [{ description: 'a' }, { description: 'b' }] };
    const after = { learningOutcomes: [{ description: 'a' }, { description: 'c' }] };
    expect(diffJson(before, after)).toEqual([
      { field: 'learningOutcomes[1].description', change: 'changed', before: 'b', after: 'c' },
    ]);
  });

  it('treats a change of type as one change of the whole field', () => {
    expect(diffJson({ x: [1] }, { x: { 0: 1 } })).toEqual([
      { field: 'x', change: 'changed', before: [1], after: { 0: 1 } },
    ]);
  });
});

describe('mergePatch (RFC 7386)', () => {
  it('merges objects, replaces arrays and removes keys set to null', () => {
    expect(
      mergePatch(
        { title: 'A', assessment: { type: 'project', description: 'd' }, languages: ['en'] },
        {
          assessment: { description: null },
          languages: ['fr'],
          ects: 3,
          title: null,
        },
      ),
    ).toEqual({ assessment: { type: 'project' }, languages: ['fr'], ects: 3 });
  });

  it('does not modify its inputs', () => {
    const target = { a: { b: 1 } };
    mergePatch(target, { a: { b: 2 } });
    expect(target).toEqual({ a: { b: 1 } });
  });
});
