import { useQuery } from '@tanstack/react-query';
import { api, unwrap, type Institution } from '../api/client';

export function useInstitutions() {
  return useQuery({
    queryKey: ['institutions'],
    queryFn: () => unwrap(api.GET('/api/institutions')),
    staleTime: 10 * 60_000,
  });
}

export function institutionName(list: Institution[] | undefined, id: string | null | undefined): string {
  if (!id) return '—';
  return list?.find((i) => i.id === id)?.name ?? id;
}
