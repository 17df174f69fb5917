import i18n from './i18n';

const dateTime = () =>
  new Intl.DateTimeFormat(i18n.language === 'en' ? undefined : i18n.language, {
    dateStyle: 'medium',
    timeStyle: 'short',
  });

/** A date and time in the user's locale (the browser's). */
export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? '—' : dateTime().format(d);
}

/** How long ago, as whole days, hours or minutes ("3 days"). */
export function formatWaited(fromIso: string | undefined, now = Date.now()): string {
  if (!fromIso) return '—';
  const ms = Math.max(0, now - new Date(fromIso).getTime());
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 60) return i18n.t('duration.minutes', { count: minutes });
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return i18n.t('duration.hours', { count: hours });
  return i18n.t('duration.days', { count: Math.floor(hours / 24) });
}

/** A language's English name from its ISO 639-1 code ("cs" → "Czech"); the code when unknown. */
export function languageName(code: string): string {
  try {
    return new Intl.DisplayNames(['en'], { type: 'language' }).of(code) ?? code;
  } catch {
    return code;
  }
}

/** A country's name from its ISO 3166 code (CZ → Czechia); the code where the browser has no name. */
export function countryName(code: string): string {
  try {
    return new Intl.DisplayNames(['en'], { type: 'region' }).of(code) ?? code;
  } catch {
    return code;
  }
}

/**
 * A changed field's path in words: `content.learningOutcomes[1].escoSkillUri` → "Learning outcomes ›
 * 2 › ESCO skill". Unknown keys (a newer content version) keep their name.
 */
export function fieldLabel(path: string): string {
  const parts = path.replace(/^content\./, '').match(/[^.[\]]+/g) ?? [path];
  return parts
    .map((part, i) => {
      if (/^\d+$/.test(part)) return String(Number(part) + 1);
      const key = i === 0 ? `field.${part}` : `subfield.${part}`;
      return i18n.exists(key) ? i18n.t(key) : part;
    })
    .join(' › ');
}

/** Content fields whose values are codes with names in the catalogue: the family of their keys. */
const CODED_FIELDS: Array<[RegExp, string]> = [
  [/^content\.assessment\.type$/, 'assessment'],
  [/^content\.participationForm$/, 'participation'],
  [/^content\.targetGroups(\[\d+\])?$/, 'targetGroup'],
  [/^content\.strategicAreas(\[\d+\])?$/, 'strategicArea'],
];

/**
 * A changed field's value in words: `project` under `content.assessment.type` → "Project", language codes
 * → their names; other values as they are (objects as indented JSON), nothing as "—".
 */
export function valueLabel(field: string, value: unknown): string {
  if (value === undefined || value === null) return '—';
  const one = (v: unknown): string => {
    if (typeof v !== 'string') return JSON.stringify(v, null, 1);
    if (/^content\.languages(\[\d+\])?$/.test(field)) return languageName(v);
    const family = CODED_FIELDS.find(([re]) => re.test(field))?.[1];
    return family && i18n.exists(`${family}.${v}`) ? i18n.t(`${family}.${v}`) : v;
  };
  return Array.isArray(value) && value.every((v) => typeof v === 'string')
    ? value.map(one).join(', ')
    : one(value);
}
