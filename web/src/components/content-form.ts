import type { Content } from '../api/client';

/** The proposal form as the user types it; converted to and from the API's content. */
export interface FormModel {
  partnerInstitutionIds: string[];
  title: string;
  summary: string;
  learningOutcomes: { description: string; escoSkillUri: string }[];
  ects: number | string;
  workloadHours: number | string;
  eqfLevel: string;
  assessmentType: string;
  assessmentDescription: string;
  participationForm: string;
  languages: string[];
  targetGroups: string[];
  strategicAreas: string[];
  qualityAssurance: string;
  prerequisites: string;
  thematicArea: string;
  stacksInto: string[];
  composedOf: string[];
  revenueShares: Record<string, number | string>;
}

export const EMPTY_MODEL: FormModel = {
  partnerInstitutionIds: [],
  title: '',
  summary: '',
  learningOutcomes: [{ description: '', escoSkillUri: '' }],
  ects: '',
  workloadHours: '',
  eqfLevel: '',
  assessmentType: '',
  assessmentDescription: '',
  participationForm: '',
  languages: [],
  targetGroups: [],
  strategicAreas: [],
  qualityAssurance: '',
  prerequisites: '',
  thematicArea: '',
  stacksInto: [],
  composedOf: [],
  revenueShares: {},
};

export function modelFromContent(content: Content, partners: string[]): FormModel {
  return {
    partnerInstitutionIds: partners,
    title: content.title ?? '',
    summary: content.summary ?? '',
    learningOutcomes: content.learningOutcomes?.length
      ? content.learningOutcomes.map((o) => ({
          description: o.description,
          escoSkillUri: o.escoSkillUri ?? '',
        }))
      : [{ description: '', escoSkillUri: '' }],
    ects: content.ects ?? '',
    workloadHours: content.workloadHours ?? '',
    eqfLevel: content.eqfLevel !== undefined ? String(content.eqfLevel) : '',
    assessmentType: content.assessment?.type ?? '',
    assessmentDescription: content.assessment?.description ?? '',
    participationForm: content.participationForm ?? '',
    languages: content.languages ?? [],
    targetGroups: content.targetGroups ?? [],
    strategicAreas: content.strategicAreas ?? [],
    qualityAssurance: content.qualityAssurance ?? '',
    prerequisites: content.prerequisites ?? '',
    thematicArea: content.thematicArea ?? '',
    stacksInto: content.stackability?.stacksInto ?? [],
    composedOf: content.stackability?.composedOf ?? [],
    revenueShares: Object.fromEntries(
      (content.revenueShares ?? []).map((s) => [s.institutionId ?? '', s.percent ?? '']),
    ),
  };
}

const num = (v: number | string): number | undefined =>
  v === '' || v === null || v === undefined || Number.isNaN(Number(v)) ? undefined : Number(v);
const text = (v: string): string | undefined => (v.trim() === '' ? undefined : v);

/**
 * The content to send. A new draft leaves empty fields out; an edit sends null for them (a JSON merge
 * patch: null removes the field), so clearing a field in the form clears it on the server. Given the
 * model the edit started from, an edit sends only the fields the user changed: a field the form shows
 * the same way it found it (say, an empty `stackability` object) is left as it is on the server.
 */
export function contentFromModel(
  m: FormModel,
  lead: string,
  asPatch: boolean,
  since?: FormModel,
): Record<string, unknown> {
  if (asPatch && since) {
    const before = contentFromModel(since, lead, true);
    const after = contentFromModel(m, lead, true);
    return Object.fromEntries(
      Object.entries(after).filter(([k, v]) => JSON.stringify(v) !== JSON.stringify(before[k])),
    );
  }
  const outcomes = m.learningOutcomes
    .filter((o) => o.description.trim() !== '' || o.escoSkillUri.trim() !== '')
    .map((o) => ({
      description: o.description,
      ...(o.escoSkillUri.trim() ? { escoSkillUri: o.escoSkillUri.trim() } : {}),
    }));
  const involved = [lead, ...m.partnerInstitutionIds];
  const shares = involved
    .filter((id) => num(m.revenueShares[id] ?? '') !== undefined)
    .map((id) => ({ institutionId: id, percent: num(m.revenueShares[id]) as number }));
  // The server merges a patch into nested objects too (RFC 7386): an emptied member of an object that
  // stays is sent as null, or the old value would survive the edit.
  const member = <T>(key: string, value: T | undefined) =>
    value !== undefined ? { [key]: value } : asPatch ? { [key]: null } : {};
  const assessment =
    m.assessmentType || m.assessmentDescription.trim()
      ? {
          ...member('type', m.assessmentType || undefined),
          ...member('description', text(m.assessmentDescription) ? m.assessmentDescription : undefined),
        }
      : undefined;
  const stackability =
    m.stacksInto.length || m.composedOf.length
      ? {
          ...member('stacksInto', m.stacksInto.length ? m.stacksInto : undefined),
          ...member('composedOf', m.composedOf.length ? m.composedOf : undefined),
        }
      : undefined;
  const fields: Record<string, unknown> = {
    title: text(m.title),
    summary: text(m.summary),
    learningOutcomes: outcomes.length ? outcomes : undefined,
    ects: num(m.ects),
    workloadHours: num(m.workloadHours),
    eqfLevel: num(m.eqfLevel),
    assessment,
    participationForm: m.participationForm || undefined,
    languages: m.languages.length ? m.languages : undefined,
    targetGroups: m.targetGroups.length ? m.targetGroups : undefined,
    strategicAreas: m.strategicAreas.length ? m.strategicAreas : undefined,
    qualityAssurance: text(m.qualityAssurance),
    prerequisites: text(m.prerequisites),
    thematicArea: text(m.thematicArea),
    stackability,
    revenueShares: shares.length ? shares : undefined,
  };
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) {
    if (v !== undefined) out[k] = v;
    else if (asPatch) out[k] = null;
  }
  return out;
}

/** The running total of the revenue shares typed so far. */
export function sharesTotal(m: FormModel, involved: string[]): number {
  return involved.reduce((sum, id) => sum + (num(m.revenueShares[id] ?? '') ?? 0), 0);
}

export interface Merged {
  model: FormModel;
  /** Fields both sides changed differently: the user's value is kept; theirs is offered. */
  conflicts: (keyof FormModel)[];
  /** Fields only the other person changed: their value is now in the form. */
  taken: (keyof FormModel)[];
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * A three-way merge of the form after a stale save: `base` is what the user started from, `mine` what
 * they typed, `theirs` the newer version someone else saved. A field only one side changed takes that
 * side's value; a field both changed the same way is settled; one both changed differently keeps the
 * user's value and is reported as a conflict.
 */
export function mergeModels(base: FormModel, mine: FormModel, theirs: FormModel): Merged {
  const model = { ...mine };
  const conflicts: (keyof FormModel)[] = [];
  const taken: (keyof FormModel)[] = [];
  for (const key of Object.keys(mine) as (keyof FormModel)[]) {
    const mineChanged = !same(mine[key], base[key]);
    const theirsChanged = !same(theirs[key], base[key]);
    if (!theirsChanged || same(mine[key], theirs[key])) continue;
    if (!mineChanged) {
      (model as Record<string, unknown>)[key] = theirs[key];
      taken.push(key);
    } else conflicts.push(key);
  }
  return { model, conflicts, taken };
}
