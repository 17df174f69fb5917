import { useQuery } from '@tanstack/react-query';
import { api, unwrap, type Institution } from '../api/client';

/** Institutions rarely change: read once in ten minutes, unless the page needs them `fresh` (on arrival). */
export function useInstitutions({ fresh = false }: { fresh?: boolean } = {}) {
  return useQuery({
    queryKey: ['institutions'],
    queryFn: () => unwrap(api.GET('/api/institutions')),
    staleTime: fresh ? 0 : 10 * 60_000,
  });
}

export function institutionName(list: Institution[] | undefined, id: string | null | undefined): string {
  if (!id) return '—';
  return list?.find((i) => i.id === id)?.name ?? id;
}
