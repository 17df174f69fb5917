import { Stack, Table, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api, unwrap } from '../api/client';
import { ErrorState, Loading } from '../components/states';
import { TableScroll } from '../components/TableScroll';
import { useDocumentTitle } from '../components/document-title';

export default function ChecklistPage() {
  const { t } = useTranslation();
  useDocumentTitle(t('checklist.title'));
  const criteria = useQuery({
    queryKey: ['quality-criteria'],
    queryFn: () => unwrap(api.GET('/api/quality-criteria')),
  });
  return (
    <Stack>
      <Title order={1}>{t('checklist.title')}</Title>
      <Text>{t('checklist.intro')}</Text>
      {criteria.isError ? (
        <ErrorState error={criteria.error} onRetry={() => void criteria.refetch()} />
      ) : criteria.isPending ? (
        <Loading />
      ) : (
        <TableScroll>
          <Table striped>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('checklist.criterion')}</Table.Th>
                <Table.Th>{t('checklist.question')}</Table.Th>
                <Table.Th>{t('checklist.group')}</Table.Th>
                <Table.Th>{t('checklist.source')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {criteria.data.map((c) => (
                <Table.Tr key={c.id}>
                  <Table.Th scope="row">{c.title}</Table.Th>
                  <Table.Td>{c.question}</Table.Td>
                  <Table.Td>{c.group}</Table.Td>
                  <Table.Td>{c.source}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </TableScroll>
      )}
    </Stack>
  );
}
