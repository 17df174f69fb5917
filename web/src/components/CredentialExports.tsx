import { Alert, Button, Group, List, Paper, Stack, Text, Title } from '@mantine/core';
import { useMutation, useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api, ApiError, unwrap, type Proposal } from '../api/client';
import { errorMessage, Loading } from './states';

const KINDS = [
  { kind: 'ob3-achievement', label: 'exports.ob3Achievement' },
  { kind: 'ob3-endorsement', label: 'exports.ob3Endorsement' },
  { kind: 'elm', label: 'exports.elm' },
] as const;
type Kind = (typeof KINDS)[number]['kind'];

/** States in which the server exports the micro-credential. */
export const EXPORTABLE_STATES: Proposal['state'][] = ['approved', 'published', 'retired'];

/** One export as JSON-LD; the session cookie goes along (same origin). */
async function fetchExport(id: string, kind: Kind): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(`/api/proposals/${encodeURIComponent(id)}/exports/${kind}`, {
      credentials: 'same-origin',
      headers: { Accept: 'application/ld+json, application/json' },
    });
  } catch {
    throw new ApiError(0, 'Network error', undefined);
  }
  if (!response.ok) {
    const problem = (await response.json().catch(() => ({}))) as { title?: string; detail?: string };
    throw new ApiError(response.status, problem.title ?? response.statusText, problem.detail);
  }
  return response.json();
}

/** Saves a document as a file through a temporary object URL. */
function saveFile(name: string, doc: unknown) {
  const blob = new Blob([JSON.stringify(doc, null, 2)], { type: 'application/ld+json' });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

export function CredentialExports({ proposal }: { proposal: Proposal }) {
  const { t } = useTranslation();
  const download = useMutation({
    mutationFn: async (kind: Kind) => {
      const doc = await fetchExport(proposal.id, kind);
      saveFile(`${proposal.reference}-${kind}.jsonld`, doc);
    },
  });
  // Whether the endorsement this service issues verifies (signature, key, state).
  const verification = useQuery({
    queryKey: ['endorsement-verification', proposal.id, proposal.version],
    queryFn: async () => {
      const endorsement = await fetchExport(proposal.id, 'ob3-endorsement');
      return unwrap(
        api.POST('/api/credentials/verify', {
          body: endorsement as never,
        }),
      );
    },
  });
  return (
    <Paper
      withBorder
      p="md"
      component="section"
      aria-labelledby="exports-heading"
      data-testid="credential-exports"
    >
      <Stack gap="sm">
        <Title order={2} size="h3" id="exports-heading">
          {t('exports.title')}
        </Title>
        <Text size="sm">{t('exports.explain')}</Text>
        <Group>
          {KINDS.map(({ kind, label }) => (
            <Button
              key={kind}
              variant="outline"
              onClick={() => download.mutate(kind)}
              loading={download.isPending && download.variables === kind}
              aria-label={t('exports.downloadLabel', { format: t(label) })}
            >
              {t(label)}
            </Button>
          ))}
        </Group>
        {download.isError && (
          <Alert color="red.9" variant="outline" role="alert">
            {errorMessage(download.error, t)}
          </Alert>
        )}
        <div aria-live="polite">
          {verification.isPending ? (
            <Loading />
          ) : verification.isError ? (
            <Alert color="red.9" variant="outline" role="alert">
              {t('exports.verifyFailed')}: {errorMessage(verification.error, t)}
            </Alert>
          ) : verification.data.verified ? (
            <Alert color="green.9" variant="outline" data-testid="endorsement-verified">
              {t('exports.verified')}
            </Alert>
          ) : (
            <Alert
              color="red.9"
              variant="outline"
              title={t('exports.notVerified')}
              data-testid="endorsement-not-verified"
            >
              <List size="sm">
                {verification.data.errors.map((e) => (
                  <List.Item key={e}>{e}</List.Item>
                ))}
              </List>
            </Alert>
          )}
        </div>
      </Stack>
    </Paper>
  );
}
