import { Alert, Anchor, Button, Stack, Text } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { api, fieldMessage, unwrap } from '../api/client';
import { CardPage } from '../components/CardPage';
import { NewPasswordInput } from '../components/NewPasswordInput';
import { errorMessage } from '../components/states';

/** The token of an e-mailed link: it comes in the fragment, which browsers never send to a server. */
function tokenFromAddress(): string | null {
  return /(?:^#|&)token=([A-Za-z0-9_-]+)/.exec(window.location.hash)?.[1] ?? null;
}

/** Where a reset link lands: choose a new password. */
export default function ResetPasswordPage() {
  const { t } = useTranslation();
  const [token] = useState(tokenFromAddress);
  const [newPassword, setNewPassword] = useState('');
  // Out of the address bar (and the history) once read.
  useEffect(() => {
    if (window.location.hash) window.history.replaceState(null, '', window.location.pathname);
  }, []);
  const confirm = useMutation({
    mutationFn: () =>
      unwrap(api.POST('/api/auth/password-reset/confirm', { body: { token: token ?? '', newPassword } })),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    confirm.mutate();
  };
  const err = confirm.error;
  const field = (name: string) => fieldMessage(err, name);
  const linkFailed = !token || !!field('token');
  return (
    <CardPage title={t('reset.title')}>
      <form onSubmit={submit} noValidate>
        <Stack>
          {confirm.isSuccess ? (
            <>
              <Alert color="green.9" variant="outline" role="status" data-testid="reset-done">
                {t('reset.done')}
              </Alert>
              <Button component={Link} to="/">
                {t('signIn.submit')}
              </Button>
            </>
          ) : linkFailed ? (
            <>
              <Alert color="red.9" variant="outline" role="alert">
                {token ? t('reset.linkExpired') : t('reset.noLink')}
              </Alert>
              <Text>
                <Anchor component={Link} to="/forgot-password">
                  {t('reset.askAgain')}
                </Anchor>
              </Text>
            </>
          ) : (
            <>
              {err && !field('newPassword') && (
                <Alert color="red.9" variant="outline" role="alert">
                  {errorMessage(err, t)}
                </Alert>
              )}
              <NewPasswordInput value={newPassword} onChange={setNewPassword} error={field('newPassword')} />
              <Button type="submit" loading={confirm.isPending}>
                {t('reset.submit')}
              </Button>
            </>
          )}
        </Stack>
      </form>
    </CardPage>
  );
}
