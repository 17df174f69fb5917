import { Alert, Button, Group, Modal, Stack } from '@mantine/core';
import { useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../api/client';
import { errorMessage } from './states';

/** A dialog's failure. Field problems are said under their fields; the alert only points at them. */
export function DialogError({ error }: { error: unknown }) {
  const { t } = useTranslation();
  if (!error) return null;
  return (
    <Alert color="red.9" variant="outline" role="alert">
      {error instanceof ApiError && error.errors.length > 0 ? t('event.checkFields') : errorMessage(error, t)}
    </Alert>
  );
}

/** A dialog's action: the request, whether it is running, and why it failed (kept for the fields). */
export function useSend<T>(request: () => Promise<T>, onDone: (result: T) => void) {
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const send = async () => {
    setBusy(true);
    setError(null);
    try {
      onDone(await request());
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  // A check made before sending (a field left empty) replaces an earlier answer's failure.
  const reset = () => setError(null);
  return { send, error, busy, reset };
}

/** The frame of a form in a dialog: title, failure, fields, Cancel and the action's button. */
export function FormDialog({
  title,
  submitLabel,
  danger,
  action,
  onClose,
  children,
}: {
  title: string;
  submitLabel: string;
  danger?: boolean;
  action: { send: () => Promise<void>; error: unknown; busy: boolean };
  onClose: () => void;
  children: ReactNode;
}) {
  const { t } = useTranslation();
  return (
    <Modal opened onClose={onClose} title={title} closeButtonProps={{ 'aria-label': t('common.close') }}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void action.send();
        }}
        noValidate
      >
        <Stack>
          <DialogError error={action.error} />
          {children}
          <Group justify="flex-end">
            <Button variant="outline" onClick={onClose}>
              {t('common.cancel')}
            </Button>
            <Button type="submit" loading={action.busy} color={danger ? 'red.9' : undefined}>
              {submitLabel}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
