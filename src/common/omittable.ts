import { ValidateIf } from 'class-validator';

/**
 * A body field that may be left out. Unlike class-validator's `IsOptional`, `null` does not count as
 * left out: it is checked by the field's own rules (and refused by them), so it never reaches a service
 * that tells "not given" from a value by `undefined`.
 */
export const Omittable = (): PropertyDecorator =>
  ValidateIf((_object: object, value: unknown) => value !== undefined);
