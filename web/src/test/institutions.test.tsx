import { MantineProvider } from '@mantine/core';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { MemoryRouter } from 'react-router';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Institution, Me } from '../api/client';
import '../i18n';
import { adminOf, json } from './fixtures';
import InstitutionsPage from '../pages/InstitutionsPage';

const INSTITUTIONS: Institution[] = [
  { id: 'aaq', name: 'Swiss Agency of Accreditation (AAQ)', kind: 'agency', country: 'CH', domains: [], passwordLoginDisabled: false },
  { id: '4euplus', name: '4EU+ Alliance', kind: 'alliance', country: null, domains: [], passwordLoginDisabled: false },
  { id: 'cuni', name: 'Charles University', kind: 'university', country: 'CZ', domains: ['cuni.cz'], passwordLoginDisabled: false },
  { id: 'uhd', name: 'Heidelberg University', kind: 'university', country: 'DE', domains: [], passwordLoginDisabled: true },
]; // prettier-ignore

const me = (institutionId: string): Me =>
  adminOf(INSTITUTIONS.find((i) => i.id === institutionId) as Institution);

/** The server: the institutions list, university sign-in configured, and `patch` for a PATCH. */
function serve(patch: (body: unknown) => Response = () => json(INSTITUTIONS[2])) {
  const sent: Array<{ method: string; path: string; body: unknown }> = [];
  const fetch = vi.fn(async (request: Request) => {
    const path = new URL(request.url).pathname;
    const body = request.method === 'GET' ? undefined : await request.json();
    sent.push({ method: request.method, path, body });
    if (path === '/api/institutions' && request.method === 'GET') return json(INSTITUTIONS);
    if (path === '/api/auth/oidc/config') return json({ enabled: true, loginUrl: '/api/auth/oidc/login' });
    if (request.method === 'PATCH') return patch(body);
    return json({ status: 404, title: 'Not Found' }, 404);
  });
  vi.stubGlobal('fetch', fetch);
  return sent;
}

const renderPage = (institutionId: string) =>
  render(
    <MantineProvider>
      <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
        <MemoryRouter>
          <InstitutionsPage me={me(institutionId)} />
        </MemoryRouter>
      </QueryClientProvider>
    </MantineProvider>,
  );

describe('institutions page', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('lists every institution with its domains and whether password sign-in is allowed', async () => {
    serve();
    renderPage('4euplus');
    const row = (await screen.findByRole('rowheader', { name: /Charles University/ })).closest('tr');
    // The alliance office, the universities, then the agencies.
    expect(screen.getAllByRole('rowheader').map((h) => h.firstChild?.textContent)).toEqual([
      '4EU+ Alliance',
      'Charles University',
      'Heidelberg University',
      'Swiss Agency of Accreditation (AAQ)',
    ]);
    expect(within(row as HTMLElement).getByText('cuni.cz')).toBeInTheDocument();
    expect(within(row as HTMLElement).getByText('Allowed')).toBeInTheDocument();
    const uhd = screen.getByRole('rowheader', { name: /Heidelberg University/ }).closest('tr');
    expect(within(uhd as HTMLElement).getByText('University account only')).toBeInTheDocument();
  });

  it('says at each field what is missing when a new institution is added empty, and sends nothing', async () => {
    const sent = serve();
    renderPage('4euplus');
    await userEvent.click(await screen.findByRole('button', { name: 'Add institution' }));
    const dialog = await screen.findByRole('dialog');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Add' }));
    expect(within(dialog).getAllByText('Required.')).toHaveLength(3);
    expect(sent.filter((s) => s.method === 'POST')).toEqual([]);
    // The first empty field takes focus, so that what is missing is heard.
    expect(within(dialog).getByRole('textbox', { name: /Name/ })).toHaveFocus();
    // Typing into a field clears its message.
    await userEvent.type(within(dialog).getByRole('textbox', { name: /Name/ }), 'University of Bologna');
    expect(within(dialog).getAllByText('Required.')).toHaveLength(2);
    // What was typed stays on Escape; Cancel discards it.
    await userEvent.keyboard('{Escape}');
    expect(screen.getByRole('dialog')).toBeInTheDocument();
    expect(within(dialog).getByRole('textbox', { name: /Name/ })).toHaveValue('University of Bologna');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
  });

  it('names the domain the server refused, as it was typed', async () => {
    const sent = serve(() =>
      json(
        {
          status: 400,
          title: 'Bad Request',
          code: 'validation-failed',
          detail: 'domains[1]: must be a domain name such as cuni.cz',
          errors: [{ field: 'domains[1]', message: 'must be a domain name such as cuni.cz' }],
        },
        400,
      ),
    );
    renderPage('4euplus');
    await userEvent.click(
      await screen.findByRole('button', { name: 'Sign-in settings of Charles University' }),
    );
    const dialog = await screen.findByRole('dialog');
    const domains = within(dialog).getByRole('textbox', { name: /Domains/ });
    await userEvent.clear(domains);
    await userEvent.type(domains, 'cuni.cz, bad_domain');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Save' }));
    expect(
      await within(dialog).findByText('bad_domain: must be a domain name such as cuni.cz'),
    ).toBeInTheDocument();
    // Focus goes to the refused field (the busy Save button had it), so the message is heard.
    expect(within(dialog).getByRole('textbox', { name: /Domains/ })).toHaveFocus();
    expect(sent.find((s) => s.method === 'PATCH')).toEqual({
      method: 'PATCH',
      path: '/api/institutions/cuni',
      // Only what changed: password sign-in may have been changed meanwhile by the institution's admin.
      body: { domains: ['cuni.cz', 'bad_domain'] },
    });
  });

  it('lets an institution’s admin change only its own password sign-in, not domains nor other institutions', async () => {
    const sent = serve(() => json({ ...INSTITUTIONS[2], passwordLoginDisabled: true }));
    renderPage('cuni');
    await screen.findByRole('rowheader', { name: /Charles University/ });
    // Its own institution first: the one row whose settings it may change.
    expect(screen.getAllByRole('rowheader')[0]).toHaveTextContent(/^Charles University/);
    expect(screen.queryByRole('button', { name: 'Add institution' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Sign-in settings of Heidelberg University' })).toBeNull();
    await userEvent.click(screen.getByRole('button', { name: 'Sign-in settings of Charles University' }));
    const dialog = await screen.findByRole('dialog');
    expect(within(dialog).queryByRole('textbox', { name: /Domains/ })).toBeNull();
    await userEvent.click(within(dialog).getByRole('checkbox', { name: /Only university sign-in/ }));
    await userEvent.click(within(dialog).getByRole('button', { name: 'Save' }));
    expect(
      await screen.findByText('The sign-in settings of Charles University were saved.'),
    ).toBeInTheDocument();
    expect(sent.find((s) => s.method === 'PATCH')?.body).toEqual({ passwordLoginDisabled: true });
  });

  it('keeps naming the refused domain as it was sent after the field is edited, and sends nothing unchanged', async () => {
    const sent = serve(() =>
      json(
        {
          status: 400,
          title: 'Bad Request',
          code: 'validation-failed',
          errors: [{ field: 'domains[0]', message: 'must be a domain name such as cuni.cz' }],
        },
        400,
      ),
    );
    renderPage('4euplus');
    await userEvent.click(
      await screen.findByRole('button', { name: 'Sign-in settings of Heidelberg University' }),
    );
    const dialog = await screen.findByRole('dialog');
    const domains = within(dialog).getByRole('textbox', { name: /Domains/ });
    await userEvent.type(domains, 'uni_heidelberg');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Save' }));
    await within(dialog).findByText('uni_heidelberg: must be a domain name such as cuni.cz');
    await userEvent.clear(domains);
    await userEvent.type(domains, 'uni-heidelberg.de');
    expect(
      within(dialog).getByText('uni_heidelberg: must be a domain name such as cuni.cz'),
    ).toBeInTheDocument();
    await userEvent.clear(domains);
    // Back to what the institution holds: nothing to send, the dialog just closes and claims nothing.
    const patches = sent.filter((s) => s.method === 'PATCH').length;
    await userEvent.click(within(dialog).getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(screen.queryByText(/were saved/)).toBeNull();
    expect(sent.filter((s) => s.method === 'PATCH').length).toBe(patches);
  });

  it('says a domain taken by another institution at the Domains field, and the alert points there', async () => {
    serve(() =>
      json(
        {
          status: 409,
          title: 'Conflict',
          type: 'urn:microcred:problem:domain-taken',
          code: 'domain-taken',
          detail: 'Already a domain of another institution: cuni.cz (cuni)',
          errors: [{ field: 'domains', message: 'Already a domain of another institution: cuni.cz (cuni)' }],
        },
        409,
      ),
    );
    renderPage('4euplus');
    await userEvent.click(
      await screen.findByRole('button', { name: 'Sign-in settings of Heidelberg University' }),
    );
    const dialog = await screen.findByRole('dialog');
    await userEvent.type(within(dialog).getByRole('textbox', { name: /Domains/ }), 'cuni.cz');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Save' }));
    expect(await within(dialog).findByText('Check the fields marked below.')).toBeInTheDocument();
    expect(within(dialog).getByRole('textbox', { name: /Domains/ })).toHaveAccessibleDescription(
      /Already a domain of another institution: cuni\.cz \(cuni\)/,
    );
  });
});
