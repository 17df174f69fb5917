import { MantineProvider } from '@mantine/core';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { MemoryRouter } from 'react-router';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Institution, Me } from '../api/client';
import '../i18n';
import { adminOf, json } from './fixtures';
import UsersPage from '../pages/UsersPage';

const SU: Institution = {
  id: 'su',
  name: 'Sorbonne University',
  kind: 'university',
  country: 'FR',
  domains: [],
  passwordLoginDisabled: false,
  roles: ['proposer', 'reviewer', 'admin'],
};

const ME: Me = adminOf(SU);

describe('users page', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('names the institution a new account will belong to, and says a taken e-mail at its field', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async (request: Request) => {
        const path = new URL(request.url).pathname;
        if (path === '/api/institutions') return json([SU]);
        if (path === '/api/users' && request.method === 'GET') return json({ items: [], nextCursor: null });
        if (path === '/api/users' && request.method === 'POST')
          return json(
            {
              status: 409,
              title: 'Conflict',
              type: 'urn:microcred:problem:email-taken',
              detail: 'A user with this e-mail already exists',
              // As the server names the field: in English, replaced by the app's own words.
              errors: [{ field: 'email', message: 'A user with this e-mail already exists' }],
            },
            409,
          );
        return json({ status: 404, title: 'Not Found' }, 404);
      }),
    );
    render(
      <MantineProvider>
        <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
          <MemoryRouter>
            <UsersPage me={ME} />
          </MemoryRouter>
        </QueryClientProvider>
      </MantineProvider>,
    );
    await userEvent.click(await screen.findByRole('button', { name: 'Create user' }));
    const dialog = await screen.findByRole('dialog', { name: 'Create user at Sorbonne University' });
    await userEvent.type(within(dialog).getByRole('textbox', { name: /Name/ }), 'Paula Example');
    const email = within(dialog).getByRole('textbox', { name: /E-mail/ });
    await userEvent.type(email, 'paula@uni-bonn.de');
    await userEvent.type(within(dialog).getByLabelText(/^Initial password/), 'A-fine-passw0rd-here');
    await userEvent.click(within(dialog).getByRole('checkbox', { name: 'Reviewer' }));
    await userEvent.click(within(dialog).getByRole('button', { name: 'Create' }));
    expect(await within(dialog).findByText('Check the fields marked below.')).toBeInTheDocument();
    expect(email).toHaveAccessibleDescription(/already exists \(perhaps at another institution\)/);
    expect(email).toHaveFocus();
  });
});
