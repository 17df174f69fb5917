import { useTranslation } from 'react-i18next';
import { api, unwrap } from '../api/client';
import { PersonPicker } from './PersonPicker';

/** Picks an open account of one's own institution by name or e-mail (to name a deputy). */
export function ColleaguePicker({
  value,
  onChange,
  error,
}: {
  value: string | null;
  onChange: (id: string | null) => void;
  error?: string;
}) {
  const { t } = useTranslation();
  return (
    <PersonPicker
      queryKey="colleagues"
      search={async (q) =>
        (await unwrap(api.GET('/api/me/colleagues', { params: { query: { q, limit: 50 } } }))).items
      }
      label={t('me.deputies.colleague')}
      description={t('me.deputies.colleagueHelp')}
      nothingFound={t('me.deputies.noColleagues')}
      required
      value={value}
      onChange={onChange}
      error={error}
    />
  );
}
