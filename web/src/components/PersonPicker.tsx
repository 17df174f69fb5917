import { Select } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';

export interface Person {
  id: string;
  displayName: string;
  email: string;
}

interface Option {
  value: string;
  label: string;
}

const labelOf = (p: Pick<Person, 'displayName' | 'email'>) => `${p.displayName} (${p.email})`;

/**
 * Picks an account by name or e-mail. The server searches (an institution may have thousands of
 * staff); the list shows the first matches as one types. `known` labels a value chosen elsewhere
 * (e.g. by clicking a name in a table), which the current matches may not contain.
 */
export function PersonPicker({
  value,
  onChange,
  search: searchFn,
  queryKey,
  label,
  description,
  nothingFound,
  known,
  required,
  error,
  w,
}: {
  value: string | null;
  onChange: (id: string | null) => void;
  search: (q: string | undefined) => Promise<Person[]>;
  queryKey: string;
  label: string;
  description?: string;
  nothingFound: string;
  known?: Option | null;
  required?: boolean;
  error?: string;
  w?: number;
}) {
  const { t } = useTranslation();
  const [search, setSearch] = useState('');
  const [picked, setPicked] = useState<Option | null>(null);
  const chosen = known && known.value === value ? known : picked;
  // Once a person is chosen the box shows their label; that is not a new search.
  const term = search.trim() === chosen?.label ? '' : search.trim();
  const [q] = useDebouncedValue(term, 250);
  const people = useQuery({
    queryKey: [queryKey, q],
    queryFn: () => searchFn(q || undefined),
    placeholderData: keepPreviousData,
  });
  const options: Option[] = (people.data ?? []).map((p) => ({ value: p.id, label: labelOf(p) }));
  if (chosen && value === chosen.value && !options.some((o) => o.value === chosen.value))
    options.unshift(chosen);
  return (
    <Select
      label={label}
      description={description}
      required={required}
      searchable
      clearable={!required}
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
      nothingFoundMessage={people.isFetching ? t('common.loading') : nothingFound}
      w={w}
    />
  );
}
