import { Anchor, Table } from '@mantine/core';
import { Link } from 'react-router';

/** A table cell linking a proposal by its reference, which is one word: never broken over two lines. */
export function ReferenceCell({ id, reference }: { id: string; reference: string }) {
  return (
    <Table.Td style={{ whiteSpace: 'nowrap' }}>
      <Anchor component={Link} to={`/proposals/${id}`}>
        {reference}
      </Anchor>
    </Table.Td>
  );
}
