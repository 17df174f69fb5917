import { Alert, Button, Group, Modal, Stack } from '@mantine/core';
import { useEffect, useRef, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../api/client';
import { errorMessage } from './states';

/** A dialog's failure. Field problems are said under their fields; the alert only points at them. */
function DialogError({ error, focusRef }: { error: unknown; focusRef?: React.Ref<HTMLDivElement> }) {
  const { t } = useTranslation();
  if (!error) return null;
  return (
    <Alert color="red.9" variant="outline" role="alert" ref={focusRef} tabIndex={-1}>
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

/**
 * The frame of a form in a dialog: title, failure, fields, Cancel and the action's button. While the
 * form holds typed text (`dirty`), Escape and a click beside the dialog keep it open; Cancel closes.
 */
export function FormDialog({
  title,
  submitLabel,
  danger,
  dirty = false,
  action,
  onClose,
  children,
}: {
  title: string;
  submitLabel: string;
  danger?: boolean;
  dirty?: boolean;
  action: { send: () => Promise<void>; error: unknown; busy: boolean };
  onClose: () => void;
  children: ReactNode;
}) {
  const { t } = useTranslation();
  const form = useRef<HTMLFormElement>(null);
  const alert = useRef<HTMLDivElement>(null);
  // The submit button is disabled while the request runs, so focus would fall out of the dialog when
  // it fails: it goes to the first field the server refused, else to the alert, so it is heard.
  useEffect(() => {
    if (!action.error) return;
    const field = form.current?.querySelector<HTMLElement>('[aria-invalid="true"]');
    if (field) field.focus();
    // A failure that names no field is announced by the alert; focus moves only if it left the form.
    else if (!form.current?.contains(document.activeElement)) alert.current?.focus();
  }, [action.error]);
  return (
    <Modal
      opened
      onClose={onClose}
      title={title}
      closeButtonProps={{ 'aria-label': t('common.close') }}
      closeOnEscape={!dirty}
      closeOnClickOutside={!dirty}
    >
      <form
        ref={form}
        onSubmit={(e) => {
          e.preventDefault();
          void action.send();
        }}
        noValidate
      >
        <Stack>
          <DialogError error={action.error} focusRef={alert} />
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

/**
 * A conflict that is about one field (a short name or a domain already taken) is shown at that field,
 * in the app's own words and language (the server names the field too, in English).
 */
export function conflictAt(code: string, field: string, message: (e: ApiError) => string) {
  return (e: unknown): never => {
    if (e instanceof ApiError && e.code === code)
      throw new ApiError(e.status, e.title, e.detail, [{ field, message: message(e) }], undefined, e.code);
    throw e;
  };
}
