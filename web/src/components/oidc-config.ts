import { useQuery } from '@tanstack/react-query';
import { api, unwrap } from '../api/client';

/** Whether this service offers university sign-in (OIDC), and where it starts. */
export function useOidcConfig() {
  return useQuery({
    queryKey: ['oidc-config'],
    queryFn: () => unwrap(api.GET('/api/auth/oidc/config')),
  });
}
