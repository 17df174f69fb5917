import createClient from 'openapi-fetch';
import type { components, paths } from './schema';

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
});

/** A problem+json answer (or no answer at all: status 0) as an Error the UI can explain. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string | undefined,
    readonly errors: FieldProblem[] = [],
    readonly retryAfterSeconds?: number,
  ) {
    super(detail ?? title);
  }

  get unavailable(): boolean {
    return this.status === 0 || this.status === 502 || this.status === 503 || this.status === 504;
  }
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
  const problem = (typeof error === 'object' && error !== null ? error : {}) as {
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
