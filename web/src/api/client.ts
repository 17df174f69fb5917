import createClient from 'openapi-fetch';
import type { components, paths } from './schema';
import i18n from '../i18n';

export type Schemas = components['schemas'];
export type Proposal = Schemas['ProposalDto'];
export type ProposalSummary = Schemas['ProposalSummaryDto'];
export type Content = NonNullable<Schemas['CreateProposalDto']['content']>;
export type HistoryEntry = Schemas['HistoryEntryDto'];
export type Me = Schemas['MeDto'];
export type Institution = Schemas['InstitutionDto'];
export type Notification = Schemas['NotificationDto'];
export type User = Schemas['UserDto'];
export type Role = User['roles'][number];
export type ProposalState = Proposal['state'];
export type EventBody = Schemas['ProposalEventDto'];
export type EventType = EventBody['type'];
export type AuditEntry = Schemas['AuditEntryDto'];
export type FieldProblem = Schemas['FieldProblemDto'];

/**
 * The API on this origin. The browser sends the HttpOnly session cookie itself (same origin), and an
 * Origin header on every change, which is what the server's CSRF rule checks.
 */
export const api = createClient<paths>({
  baseUrl: typeof window === 'undefined' ? 'http://localhost' : window.location.origin,
  credentials: 'same-origin',
  // Looked up at each call, not captured when this module loads: a test's stubbed fetch is the one used
  // (a captured one reached whatever listened on the test page's origin).
  fetch: (request: Request) => globalThis.fetch(request),
});

/** A problem+json answer (or no answer at all: status 0) as an Error the UI can explain. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string | undefined,
    readonly errors: FieldProblem[] = [],
    readonly retryAfterSeconds?: number,
    /** The problem's code (`urn:microcred:problem:<code>`), e.g. `stale-version` or `last-admin`. */
    readonly code?: string,
  ) {
    super(detail ?? title);
  }

  /** Someone else changed the resource since it was read (a stale expectedVersion). */
  get stale(): boolean {
    return this.status === 409 && this.code === 'stale-version';
  }

  get unavailable(): boolean {
    return this.status === 0 || this.status === 502 || this.status === 503 || this.status === 504;
  }
}

/**
 * The server's message for one field (or an item of it, `roles[1]`), to show under that field: its
 * leading field name ("newPassword must be…") is dropped, since the label already names the field.
 */
export function fieldMessage(error: unknown, field: string): string | undefined {
  if (!(error instanceof ApiError)) return undefined;
  const message = error.errors.find((e) => e.field === field || e.field.startsWith(`${field}[`))?.message;
  if (message === undefined) return undefined;
  const bare = message.startsWith(`${field} `) ? message.slice(field.length + 1) : message;
  // The server words rules for API clients ("must be longer than or equal to 1 characters"); an
  // empty field is said the way a form says it.
  if (EMPTY.test(bare)) return i18n.t('errors.required');
  if (NONE_CHOSEN.test(bare)) return i18n.t('errors.chooseOne');
  return bare.charAt(0).toUpperCase() + bare.slice(1);
}

const EMPTY = /(longer than or equal to 1 characters?|should not be empty|must not be blank)$/;
const NONE_CHOSEN = /must contain at least 1 elements?$/;

let sessionEnded: (() => void) | undefined;

/**
 * Called when any API answer says the session is gone (401): the account was closed, the password
 * changed elsewhere, the session expired. The app then shows the sign-in page at the same address,
 * instead of every page failing on its own. Sign-in itself answers 401 for a wrong password: not this.
 */
export function onSessionEnded(handler: () => void): void {
  sessionEnded = handler;
}

interface FetchResult<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/** Awaits an openapi-fetch call; the data on success, an ApiError otherwise (a network failure is status 0). */
export async function unwrap<T>(call: Promise<FetchResult<T>>): Promise<T> {
  let result: FetchResult<T>;
  try {
    result = await call;
  } catch {
    throw new ApiError(0, 'Network error', undefined);
  }
  const { data, error, response } = result;
  if (response.ok) return data as T;
  if (response.status === 401) {
    const path = new URL(response.url || '/', 'http://x').pathname;
    // /api/me is the question the handler asks (its 401 shows the sign-in page by itself).
    if (path !== '/api/me' && !path.startsWith('/api/auth/')) sessionEnded?.();
  }
  const problem = (typeof error === 'object' && error !== null ? error : {}) as {
    type?: string;
    title?: string;
    detail?: string;
    errors?: FieldProblem[];
  };
  const retryAfter = Number(response.headers.get('Retry-After'));
  throw new ApiError(
    response.status,
    problem.title ?? response.statusText,
    problem.detail,
    Array.isArray(problem.errors) ? problem.errors : [],
    Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined,
    typeof problem.type === 'string' ? problem.type.replace(/^urn:microcred:problem:/, '') : undefined,
  );
}

export const FINAL_STATES: ProposalState[] = ['retired', 'rejected', 'withdrawn'];
export const STATES: ProposalState[] = [
  'draft',
  'partnerReview',
  'qualityReview',
  'agencyAlignment',
  'changesRequested',
  'approved',
  'published',
  'retired',
  'rejected',
  'withdrawn',
];
export const ROLES: Role[] = ['proposer', 'reviewer', 'quality_officer', 'agency_liaison', 'admin'];

/** When the proposal entered its current state: the last history entry that moved it there. */
export function stageEnteredAt(history: HistoryEntry[] | undefined, state: string): string | undefined {
  if (!history) return undefined;
  for (let i = history.length - 1; i >= 0; i--) {
    const entry = history[i];
    if (entry.toState === state && entry.fromState !== state) return entry.at;
  }
  return history[0]?.at;
}
