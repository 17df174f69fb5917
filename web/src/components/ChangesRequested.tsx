import { Alert, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { HistoryEntry } from '../api/client';
import { formatDateTime } from '../format';

/** The latest send-back to the lead in a proposal's history, if the proposal is there now. */
export function latestRequest(history: HistoryEntry[] | undefined, state: string): HistoryEntry | undefined {
  if (state !== 'changesRequested') return undefined;
  return [...(history ?? [])].reverse().find((h) => h.toState === 'changesRequested');
}

/**
 * What the reviewers asked for, on the proposal page and on the form where it is answered. `edited`
 * says whether the draft changed since the request (its revision moved on), so the next step is plain.
 */
export function ChangesRequested({
  request,
  institution,
  edited,
  onForm = false,
  forProposer = true,
}: {
  request: HistoryEntry;
  institution: string;
  edited: boolean;
  onForm?: boolean;
  /** Only the lead's proposers can answer it: others see the request without the next step. */
  forProposer?: boolean;
}) {
  const { t } = useTranslation();
  return (
    <Alert color="blue.9" variant="outline" mt="xs" title={t('proposal.changesRequestedTitle')}>
      <Text size="sm">
        {t('proposal.changesRequestedBy', { institution, date: formatDateTime(request.at) })}
      </Text>
      {request.comment && (
        <Text size="sm" mt={4} style={{ whiteSpace: 'pre-wrap' }}>
          {request.comment}
        </Text>
      )}
      {forProposer && (
        <Text size="sm" mt={4} fw={600}>
          {onForm
            ? t('proposal.changesRequestedOnForm')
            : edited
              ? t('proposal.changesRequestedEdited')
              : t('proposal.changesRequestedNext')}
        </Text>
      )}
    </Alert>
  );
}
