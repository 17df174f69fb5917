import { Alert, Anchor, Button, Stack, Text, TextInput } from '@mantine/core';
import { useMutation, useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { api, ApiError, fieldMessage, unwrap } from '../api/client';
import { CardPage } from '../components/CardPage';
import { errorMessage } from '../components/states';

/** Asks for a password reset link by e-mail (reached from the sign-in page). */
export default function ForgotPasswordPage() {
  const { t } = useTranslation();
  const settings = useQuery({
    queryKey: ['password-reset'],
    queryFn: () => unwrap(api.GET('/api/auth/password-reset')),
  });
  const [email, setEmail] = useState('');
  const ask = useMutation({
    mutationFn: (address: string) =>
      unwrap(api.POST('/api/auth/password-reset', { body: { email: address } })),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    ask.mutate(email.trim());
  };
  const err = ask.error;
  const emailError = fieldMessage(err, 'email');
  const unavailable = settings.data?.enabled === false || (err instanceof ApiError && err.status === 404);
  return (
    <CardPage title={t('reset.askTitle')}>
      <form onSubmit={submit} noValidate>
        <Stack>
          {unavailable ? (
            <Alert color="blue.9" variant="outline" role="status">
              {t('reset.unavailable')}
            </Alert>
          ) : ask.isSuccess ? (
            <Alert color="green.9" variant="outline" role="status" data-testid="reset-sent">
              {t('reset.sent', { email: ask.variables, minutes: settings.data?.minutes ?? 30 })}
            </Alert>
          ) : (
            <>
              <Text>{t('reset.askExplain')}</Text>
              {err && !emailError && (
                <Alert color="red.9" variant="outline" role="alert">
                  {err instanceof ApiError && err.status === 429 ? t('reset.tooMany') : errorMessage(err, t)}
                </Alert>
              )}
              <TextInput
                label={t('signIn.email')}
                type="email"
                autoComplete="username"
                required
                value={email}
                onChange={(e) => setEmail(e.currentTarget.value)}
                error={emailError}
              />
              <Button type="submit" loading={ask.isPending}>
                {t('reset.askSubmit')}
              </Button>
            </>
          )}
          <Text>
            <Anchor component={Link} to="/">
              {t('signInRefused.back')}
            </Anchor>
          </Text>
        </Stack>
      </form>
    </CardPage>
  );
}
