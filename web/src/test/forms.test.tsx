import { MantineProvider } from '@mantine/core';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { MemoryRouter } from 'react-router';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  contentFromModel,
  EMPTY_MODEL,
  mergeModels,
  modelFromContent,
  sharesTotal,
} from '../components/content-form';
import { countryName, fieldLabel, valueLabel } from '../format';
import { ISCED_DETAILED, ISCED_F, iscedLabel, iscedName } from '../isced';
import { ApiError, fieldMessage } from '../api/client';
import '../i18n';
import { SignInPage } from '../pages/SignInPage';
import { NewPasswordInput } from '../components/NewPasswordInput';

describe('proposal form model', () => {
  it('leaves empty fields out of a new draft and sends null for them in an edit', () => {
    const model = { ...EMPTY_MODEL, title: 'Data Literacy', ects: 5, languages: ['en'] };
    expect(contentFromModel(model, 'cuni', false)).toEqual({
      title: 'Data Literacy',
      ects: 5,
      languages: ['en'],
    });
    const patch = contentFromModel(model, 'cuni', true);
    expect(patch.title).toBe('Data Literacy');
    expect(patch.summary).toBeNull();
    expect(patch.revenueShares).toBeNull();
  });

  it('sends only the fields the user changed in an edit, leaving what the form cannot show as it was', () => {
    // Content with an empty stackability object: the form shows it as two empty lists.
    const loaded = modelFromContent(
      { title: 'Data Literacy', prerequisites: 'None', stackability: { stacksInto: [], composedOf: [] } },
      ['uhd'],
    );
    const edited = { ...loaded, prerequisites: 'A bachelor degree', summary: '' };
    expect(contentFromModel(edited, 'cuni', true, loaded)).toEqual({ prerequisites: 'A bachelor degree' });
    expect(contentFromModel({ ...edited, title: '' }, 'cuni', true, loaded)).toEqual({
      prerequisites: 'A bachelor degree',
      title: null,
    });
    expect(contentFromModel(loaded, 'cuni', true, loaded)).toEqual({});
  });

  it('clears an emptied member of a nested object that stays, as a merge patch must', () => {
    const loaded = modelFromContent(
      {
        assessment: { type: 'project', description: 'A plan' },
        stackability: { stacksInto: ['MC-2026-0001'], composedOf: ['MC-2026-0002'] },
      },
      [],
    );
    const edited = { ...loaded, assessmentDescription: '', composedOf: [] };
    expect(contentFromModel(edited, 'cuni', true, loaded)).toEqual({
      assessment: { type: 'project', description: null },
      stackability: { stacksInto: ['MC-2026-0001'], composedOf: null },
    });
    // A new draft has nothing to clear: empty members are left out.
    expect(contentFromModel(edited, 'cuni', false)).toMatchObject({
      assessment: { type: 'project' },
      stackability: { stacksInto: ['MC-2026-0001'] },
    });
    expect(contentFromModel(edited, 'cuni', false).assessment).not.toHaveProperty('description');
  });

  it('keeps an ESCO URI only where one was typed and drops blank outcomes', () => {
    const model = {
      ...EMPTY_MODEL,
      learningOutcomes: [
        { description: 'Plan data', escoSkillUri: ' http://data.europa.eu/esco/skill/abc ' },
        { description: 'Assess data', escoSkillUri: '' },
        { description: '  ', escoSkillUri: '' },
      ],
    };
    expect(contentFromModel(model, 'cuni', false).learningOutcomes).toEqual([
      { description: 'Plan data', escoSkillUri: 'http://data.europa.eu/esco/skill/abc' },
      { description: 'Assess data' },
    ]);
  });

  it('sends revenue shares only for the lead and current partners, and totals them as typed', () => {
    const model = {
      ...EMPTY_MODEL,
      partnerInstitutionIds: ['uhd'],
      revenueShares: { cuni: 60, uhd: '30', su: 10 },
    };
    expect(sharesTotal(model, ['cuni', 'uhd'])).toBe(90);
    expect(contentFromModel(model, 'cuni', false).revenueShares).toEqual([
      { institutionId: 'cuni', percent: 60 },
      { institutionId: 'uhd', percent: 30 },
    ]);
  });

  it('round-trips the content of a saved proposal', () => {
    const content = {
      title: 'T',
      summary: 'S',
      learningOutcomes: [{ description: 'D' }],
      ects: 2.5,
      eqfLevel: 6,
      assessment: { type: 'project' as const, description: 'P' },
      participationForm: 'online' as const,
      languages: ['en' as const],
      targetGroups: ['master' as const],
      strategicAreas: ['data-literacy' as const],
      qualityAssurance: 'Q',
      stackability: { stacksInto: ['MC-2026-0001'] },
      revenueShares: [
        { institutionId: 'cuni', percent: 50 },
        { institutionId: 'uhd', percent: 50 },
      ],
    };
    expect(contentFromModel(modelFromContent(content, ['uhd']), 'cuni', false)).toEqual(content);
  });
});

describe('sign-in form', () => {
  afterEach(() => vi.unstubAllGlobals());

  const renderSignIn = () =>
    render(
      <MantineProvider>
        <QueryClientProvider client={new QueryClient()}>
          <MemoryRouter>
            <SignInPage />
          </MemoryRouter>
        </QueryClientProvider>
      </MantineProvider>,
    );

  it('says the service is unavailable when the server cannot be reached', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => Promise.reject(new TypeError('Failed to fetch'))),
    );
    renderSignIn();
    await userEvent.type(screen.getByLabelText(/E-mail/), 'a@b.eu');
    await userEvent.type(screen.getByLabelText(/^Password/), 'x');
    await userEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByText(/The service is unavailable/)).toBeInTheDocument();
  });

  it('says at each field what is missing, and sends nothing, when the form is empty', async () => {
    const fetch = vi.fn(async () => new Response('{}', { status: 204 }));
    vi.stubGlobal('fetch', fetch);
    renderSignIn();
    const calls = fetch.mock.calls.length; // the page's own questions (university sign-in, reset)
    await userEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByText('Enter your e-mail address.')).toBeInTheDocument();
    expect(screen.getByText('Enter your password.')).toBeInTheDocument();
    expect(screen.getByLabelText(/E-mail/)).toHaveFocus();
    expect(fetch.mock.calls.length).toBe(calls);
  });
});

describe('field labels of the revision diff', () => {
  it('names ISCED-F fields by code, an unlisted code after the field above it, and every listed code under its parent', () => {
    expect(iscedLabel('0613')).toBe('0613 Software and applications development and analysis');
    expect(iscedName('06')).toBe('Information and Communication Technologies (ICTs)');
    // 0688: the ICT field's inter-disciplinary programmes, not listed on their own.
    expect(iscedLabel('0688')).toBe('0688 Information and Communication Technologies (ICTs)');
    expect(iscedLabel('9999')).toBe('9999');
    expect(iscedLabel(null)).toBe('—');
    // 11 broad fields, 29 narrow and 80 detailed, each below one that exists.
    const codes = Object.keys(ISCED_F);
    expect([2, 3, 4].map((n) => codes.filter((c) => c.length === n).length)).toEqual([11, 29, 80]);
    expect(ISCED_DETAILED.every((c) => ISCED_F[c.slice(0, 3)] && ISCED_F[c.slice(0, 2)])).toBe(true);
  });

  it('names coded values of a change: assessment types, target groups, languages and countries', () => {
    expect(valueLabel('content.assessment.type', 'project')).toBe('Project');
    expect(valueLabel('content.targetGroups', ['master', 'doctoral'])).toBe('Master, Doctoral');
    expect(valueLabel('content.languages[1]', 'cs')).toBe('Czech');
    expect(valueLabel('content.title', 'project')).toBe('project');
    expect(valueLabel('content.ects', 4)).toBe('4');
    expect(valueLabel('content.summary', null)).toBe('—');
    expect(valueLabel('content.participationForm', 'hybrid-2030')).toBe('hybrid-2030');
    expect(countryName('CZ')).toBe('Czechia');
  });

  it('names nested fields and list items in words, counting items from one', () => {
    expect(fieldLabel('content.learningOutcomes[1].escoSkillUri')).toBe('Learning outcomes › 2 › ESCO skill');
    expect(fieldLabel('content.assessment.description')).toBe('Assessment › Description');
    expect(fieldLabel('partnerInstitutionIds[0]')).toBe('Partner institutions › 1');
    expect(fieldLabel('content.stackability.stacksInto[0]')).toBe('Stackability › Stacks into › 1');
  });

  it('keeps the name of a field it does not know', () => {
    expect(fieldLabel('content.microFormat.level')).toBe('microFormat › level');
  });
});

describe('new password field', () => {
  it('marks itself invalid for assistive technology when it shows an error', () => {
    render(
      <MantineProvider>
        <NewPasswordInput value="short" onChange={() => undefined} error="Too short." />
      </MantineProvider>,
    );
    const input = screen.getByLabelText(/^New password/);
    expect(input).toHaveAttribute('aria-invalid', 'true');
    expect(input).toHaveAccessibleDescription(/Too short\./);
  });
});

describe('field messages', () => {
  it('shows the server’s message under its field without repeating the field’s name', () => {
    const error = new ApiError(400, 'Invalid', undefined, [
      { field: 'newPassword', message: 'newPassword must be at least 12 characters' },
      { field: 'roles[1]', message: 'each role must be one of proposer, admin' },
    ]);
    expect(fieldMessage(error, 'newPassword')).toBe('Must be at least 12 characters');
    expect(fieldMessage(error, 'roles')).toBe('Each role must be one of proposer, admin');
    expect(fieldMessage(error, 'email')).toBeUndefined();
    expect(fieldMessage(new Error('x'), 'email')).toBeUndefined();
  });

  it('says an empty field the way a form does, not in the server’s words for API clients', () => {
    const error = new ApiError(400, 'Invalid', undefined, [
      { field: 'email', message: 'email must be longer than or equal to 1 characters' },
      { field: 'displayName', message: 'displayName must not be blank' },
      { field: 'roles', message: 'roles must contain at least 1 elements' },
    ]);
    expect(fieldMessage(error, 'email')).toBe('Required.');
    expect(fieldMessage(error, 'displayName')).toBe('Required.');
    expect(fieldMessage(error, 'roles')).toBe('Choose at least one.');
  });
});

describe('merging the form after someone else saved', () => {
  const base = { ...EMPTY_MODEL, title: 'Data Literacy', summary: 'Old summary', ects: 5 };

  it('takes what only they changed and keeps what only I changed', () => {
    const mine = { ...base, summary: 'My summary' };
    const theirs = { ...base, title: 'Data Literacy for Scholars', languages: ['en'] };
    expect(mergeModels(base, mine, theirs)).toEqual({
      model: { ...base, summary: 'My summary', title: 'Data Literacy for Scholars', languages: ['en'] },
      conflicts: [],
      taken: ['title', 'languages'],
    });
  });

  it('keeps my value where we both changed a field differently, and reports it', () => {
    const mine = { ...base, title: 'Mine', ects: 6 };
    const theirs = { ...base, title: 'Theirs', ects: 6 };
    const merged = mergeModels(base, mine, theirs);
    expect(merged.model.title).toBe('Mine');
    expect(merged.conflicts).toEqual(['title']);
    expect(merged.taken).toEqual([]);
  });
});
