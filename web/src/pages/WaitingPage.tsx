import { Button, Center, Paper, Stack, Text, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { Me } from '../api/client';
import { useDocumentTitle } from '../components/document-title';

/** Shown instead of the app to a signed-in user who holds no roles yet. */
export function WaitingPage({
  me,
  onSignOut,
  signingOut,
}: {
  me: Me;
  onSignOut: () => void;
  signingOut: boolean;
}) {
  const { t } = useTranslation();
  useDocumentTitle(t('waiting.title'));
  return (
    <Center component="main" mih="100vh" p="md" id="main">
      <Paper withBorder shadow="sm" p="xl" w="100%" maw={520}>
        <Stack>
          <Title order={1} size="h2">
            {t('waiting.title')}
          </Title>
          <Text>{t('waiting.explain', { name: me.displayName, institution: me.institution.name })}</Text>
          <Button
            variant="outline"
            onClick={onSignOut}
            loading={signingOut}
            style={{ alignSelf: 'flex-start' }}
          >
            {t('nav.signOut')}
          </Button>
        </Stack>
      </Paper>
    </Center>
  );
}
