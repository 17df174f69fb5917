import { Injectable, type PipeTransform } from '@nestjs/common';
import { DomainError, type FieldProblem } from '../common/domain-error.js';
import type { EventInput } from '../workflow/workflow-engine.service.js';

const EVENT_TYPE = /^[A-Z][A-Z_]{0,39}$/;

/**
 * The envelope of an event request: a JSON object with a `type` and an optional `expectedVersion`.
 * The payload fields are the workflow definition's business: the engine validates them against the
 * schema of the proposal's own workflow version (an older proposal may run on another version).
 */
@Injectable()
export class EventRequestPipe implements PipeTransform<unknown, EventInput> {
  transform(value: unknown): EventInput {
    if (value === null || typeof value !== 'object' || Array.isArray(value))
      throw new DomainError('validation-failed', 'Request body must be a JSON object', [
        { field: 'body', message: 'must be a JSON object' },
      ]);
    const body = value as Record<string, unknown>;
    const problems: FieldProblem[] = [];
    if (typeof body.type !== 'string' || !EVENT_TYPE.test(body.type))
      problems.push({ field: 'type', message: 'type must be an event name such as SUBMIT' });
    const v = body.expectedVersion;
    if (v !== undefined && !(typeof v === 'number' && Number.isInteger(v) && v >= 1))
      problems.push({
        field: 'expectedVersion',
        message: 'expectedVersion must be an integer of at least 1',
      });
    if (problems.length)
      throw new DomainError(
        'validation-failed',
        problems.map((p) => `${p.field}: ${p.message}`).join('; '),
        problems,
      );
    return body as EventInput;
  }
}
