import { Alert, Anchor, Text } from '@mantine/core';
import { CardPage } from '../components/CardPage';
import { useTranslation } from 'react-i18next';
import { Link, useSearchParams } from 'react-router';

const REASONS = [
  'sign-in-expired',
  'state-mismatch',
  'provider-error',
  'token-rejected',
  'provider-unavailable',
  'missing-claims',
  'email-not-verified',
  'unknown-organisation',
  'account-closed',
] as const;

/** Where a refused university sign-in lands (the server redirects here with ?reason=…). */
export function SignInRefusedPage() {
  const { t } = useTranslation();
  const [params] = useSearchParams();
  const reason = params.get('reason');
  const known = REASONS.find((r) => r === reason);
  return (
    <CardPage title={t('signInRefused.title')} maw={520}>
      <Alert color="red.9" variant="outline" role="alert" data-testid="refused-reason">
        {known ? t(`signInRefused.reason.${known}`) : t('signInRefused.reason.unknown')}
      </Alert>
      <Text>
        <Anchor component={Link} to="/">
          {t('signInRefused.back')}
        </Anchor>
      </Text>
    </CardPage>
  );
}
