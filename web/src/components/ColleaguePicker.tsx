import { Select } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, unwrap } from '../api/client';

interface Option {
  value: string;
  label: string;
}

/**
 * Picks an open account of one's own institution by name or e-mail. The server searches (an
 * institution may have thousands of staff); the list shows the first matches as one types.
 */
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
  const [search, setSearch] = useState('');
  const [picked, setPicked] = useState<Option | null>(null);
  // Once a colleague is chosen the box shows their label; that is not a new search.
  const term = search.trim() === picked?.label ? '' : search.trim();
  const [q] = useDebouncedValue(term, 250);
  const colleagues = useQuery({
    queryKey: ['colleagues', q],
    queryFn: () =>
      unwrap(api.GET('/api/me/colleagues', { params: { query: { q: q || undefined, limit: 50 } } })),
    placeholderData: keepPreviousData,
  });
  const options: Option[] = (colleagues.data?.items ?? []).map((c) => ({
    value: c.id,
    label: `${c.displayName} (${c.email})`,
  }));
  if (picked && value === picked.value && !options.some((o) => o.value === picked.value))
    options.unshift(picked);
  return (
    <Select
      label={t('me.deputies.colleague')}
      description={t('me.deputies.colleagueHelp')}
      required
      searchable
      data={options}
      // The server has filtered already; filtering again would hide matches on the e-mail address.
      filter={({ options: all }) => all}
      value={value}
      onChange={(id, option) => {
        setPicked(option ? { value: option.value, label: option.label } : null);
        onChange(id);
      }}
      searchValue={search}
      onSearchChange={setSearch}
      error={error}
      nothingFoundMessage={colleagues.isFetching ? t('common.loading') : t('me.deputies.noColleagues')}
    />
  );
}
