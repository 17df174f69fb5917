import { Alert, Button, Center, Loader, Stack } from '@mantine/core';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../api/client';

export function Loading() {
  const { t } = useTranslation();
  return (
    <Center p="xl" role="status" aria-live="polite">
      <Loader aria-label={t('common.loading')} />
    </Center>
  );
}

/** What went wrong, in words a user can act on; an outage offers to try again. */
export function errorMessage(
  error: unknown,
  t: (key: string, opts?: Record<string, unknown>) => string,
): string {
  if (error instanceof ApiError) {
    if (error.unavailable) return t('errors.unavailable');
    if (error.status === 401) return t('errors.signedOut');
    if (error.status === 403) return t('errors.forbidden');
    if (error.status === 404) return t('errors.notFound');
    // Only a stale version is "someone else changed this"; other conflicts (the last admin, an event
    // no longer allowed) carry the server's own explanation.
    if (error.stale) return t('errors.conflict');
    return error.detail ?? error.title;
  }
  return t('errors.unexpected');
}

export function ErrorState({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const { t } = useTranslation();
  // A refused request (4xx) answers the same when asked again; only outages and time-outs are retried.
  const refused =
    error instanceof ApiError &&
    !error.unavailable &&
    error.status >= 400 &&
    error.status < 500 &&
    error.status !== 408 &&
    error.status !== 429;
  const retry = refused ? undefined : onRetry;
  return (
    <Alert color="red.9" variant="outline" title={t('errors.title')} role="alert">
      <Stack gap="xs" align="flex-start">
        <span>{errorMessage(error, t)}</span>
        {retry && (
          <Button size="xs" variant="outline" onClick={retry}>
            {t('common.retry')}
          </Button>
        )}
      </Stack>
    </Alert>
  );
}

/** A success said once, politely (role="status"), until the user closes it. */
export function Notice({ children, onClose }: { children: ReactNode; onClose: () => void }) {
  const { t } = useTranslation();
  return (
    <Alert
      color="teal.9"
      variant="outline"
      role="status"
      withCloseButton
      onClose={onClose}
      closeButtonLabel={t('common.close')}
    >
      {children}
    </Alert>
  );
}
