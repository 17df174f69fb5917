import { Center, Paper, Stack, Title } from '@mantine/core';
import type { ReactNode } from 'react';
import { useDocumentTitle } from './document-title';

/** A page of its own outside the application's shell (sign-in, reset, refusals): one card, centred. */
export function CardPage({
  title,
  maw = 460,
  children,
}: {
  title: string;
  maw?: number;
  children: ReactNode;
}) {
  useDocumentTitle(title);
  return (
    <Center component="main" mih="100vh" p="md" id="main">
      <Paper withBorder shadow="sm" p="xl" w="100%" maw={maw}>
        <Stack>
          <Title order={1} size="h2">
            {title}
          </Title>
          {children}
        </Stack>
      </Paper>
    </Center>
  );
}
