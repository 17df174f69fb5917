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
