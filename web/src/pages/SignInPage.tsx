import {
  Alert,
  Anchor,
  Button,
  Center,
  Divider,
  Paper,
  PasswordInput,
  Stack,
  TextInput,
  Title,
} from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useRef, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { api, ApiError, unwrap } from '../api/client';
import { errorMessage } from '../components/states';
import { useDocumentTitle } from '../components/document-title';
import { useOidcConfig } from '../components/oidc-config';

export function SignInPage() {
  const { t } = useTranslation();
  useDocumentTitle(t('signIn.title'));
  const queryClient = useQueryClient();
  // University sign-in is offered only when the server has it configured.
  const oidc = useOidcConfig();
  const oidcLoginUrl = oidc.data?.enabled ? oidc.data.loginUrl : null;
  const reset = useQuery({
    queryKey: ['password-reset'],
    queryFn: () => unwrap(api.GET('/api/auth/password-reset')),
  });
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  // Said at the field before anything is sent (the server's wording is for API clients).
  const [missing, setMissing] = useState<{ email?: boolean; password?: boolean }>({});
  const emailInput = useRef<HTMLInputElement>(null);
  const passwordInput = useRef<HTMLInputElement>(null);
  const signIn = useMutation({
    mutationFn: () => unwrap(api.POST('/api/auth/session', { body: { email: email.trim(), password } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['me'] }),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const now = { email: email.trim() === '', password: password === '' };
    setMissing(now);
    if (now.email) emailInput.current?.focus();
    else if (now.password) passwordInput.current?.focus();
    else signIn.mutate();
  };
  const error = signIn.error;
  const message =
    error instanceof ApiError && error.status === 401
      ? t('signIn.invalid')
      : error instanceof ApiError && error.status === 429
        ? t('signIn.tooMany', { count: Math.max(1, Math.ceil((error.retryAfterSeconds ?? 60) / 60)) })
        : error
          ? errorMessage(error, t)
          : null;
  return (
    <Center component="main" mih="100vh" p="md" id="main">
      <Stack w="100%" maw={420} align="center">
        <Paper withBorder shadow="sm" p="xl" w="100%">
          <form onSubmit={submit} noValidate>
            <Stack>
              <Title order={1} size="h2">
                {t('signIn.title')}
              </Title>
              <p style={{ margin: 0 }}>{t('app.name')}</p>
              {message && (
                <Alert color="red.9" variant="outline" role="alert">
                  {message}
                </Alert>
              )}
              <TextInput
                label={t('signIn.email')}
                type="email"
                autoComplete="username"
                required
                ref={emailInput}
                value={email}
                error={missing.email ? t('signIn.emailMissing') : undefined}
                onChange={(e) => {
                  setEmail(e.currentTarget.value);
                  setMissing((m) => ({ ...m, email: false }));
                }}
              />
              <PasswordInput
                label={t('signIn.password')}
                autoComplete="current-password"
                required
                ref={passwordInput}
                value={password}
                error={missing.password ? t('signIn.passwordMissing') : undefined}
                onChange={(e) => {
                  setPassword(e.currentTarget.value);
                  setMissing((m) => ({ ...m, password: false }));
                }}
                visibilityToggleButtonProps={{ 'aria-label': t('signIn.showPassword') }}
              />
              <Button type="submit" loading={signIn.isPending}>
                {t('signIn.submit')}
              </Button>
              {reset.data?.enabled && (
                <Anchor component={Link} to="/forgot-password" size="sm">
                  {t('reset.forgot')}
                </Anchor>
              )}
              {oidcLoginUrl && (
                <>
                  <Divider label={t('signIn.or')} labelPosition="center" />
                  {/* A plain link: the provider's pages need a full-page navigation. */}
                  <Button component="a" href={oidcLoginUrl} variant="outline" data-testid="oidc-sign-in">
                    {t('signIn.university')}
                  </Button>
                </>
              )}
            </Stack>
          </form>
        </Paper>
        <Anchor component={Link} to="/catalogue">
          {t('catalogue.browse')}
        </Anchor>
      </Stack>
    </Center>
  );
}
