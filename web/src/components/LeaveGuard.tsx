import { Button, Group, Modal, Text } from '@mantine/core';
import { useContext, useEffect, type RefObject } from 'react';
import { useTranslation } from 'react-i18next';
import { UNSAFE_DataRouterContext, useBlocker } from 'react-router';

/**
 * Asks before unsaved edits are left behind: closing or reloading the tab (the browser's own prompt)
 * and moving to another page of the app (a dialog). `leaving` is set when the form navigates itself
 * after saving. Component tests render pages without a data router; there only the tab prompt applies.
 */
export function LeaveGuard({ dirty, leaving }: { dirty: boolean; leaving: RefObject<boolean> }) {
  const dataRouter = useContext(UNSAFE_DataRouterContext);
  useEffect(() => {
    if (!dirty) return;
    const warn = (e: BeforeUnloadEvent) => e.preventDefault();
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, [dirty]);
  return dataRouter ? <InAppGuard dirty={dirty} leaving={leaving} /> : null;
}

function InAppGuard({ dirty, leaving }: { dirty: boolean; leaving: RefObject<boolean> }) {
  const { t } = useTranslation();
  const blocker = useBlocker(
    ({ currentLocation, nextLocation }) =>
      dirty && !leaving.current && currentLocation.pathname !== nextLocation.pathname,
  );
  const blocked = blocker.state === 'blocked';
  return (
    <Modal opened={blocked} onClose={() => blocker.reset?.()} title={t('form.leaveTitle')} centered>
      <Text size="sm">{t('form.leaveBody')}</Text>
      <Group justify="flex-end" mt="md">
        <Button variant="outline" onClick={() => blocker.reset?.()} data-autofocus>
          {t('form.stay')}
        </Button>
        <Button color="red.9" onClick={() => blocker.proceed?.()}>
          {t('form.leave')}
        </Button>
      </Group>
    </Modal>
  );
}
