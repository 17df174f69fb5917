import fc from 'fast-check';

type Schema = Record<string, unknown>;
export interface OpenApiDoc {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema> };
}
export interface Operation {
  parameters?: Array<{ name: string; in: string; required?: boolean; schema?: Schema }>;
  requestBody?: { content: Record<string, { schema: Schema }> };
  responses: Record<string, unknown>;
  security?: unknown[];
}

function resolve(doc: OpenApiDoc, s: Schema): Schema {
  if (typeof s.$ref === 'string')
    return resolve(doc, doc.components.schemas[s.$ref.split('/').pop() as string]);
  if (Array.isArray(s.allOf) && s.allOf.length === 1)
    return { ...resolve(doc, s.allOf[0] as Schema), ...s, allOf: undefined };
  return s;
}

/** Values that satisfy the schema (as far as a schema can say; business rules come on top). */
export function validArbitrary(doc: OpenApiDoc, schema: Schema, depth = 0): fc.Arbitrary<unknown> {
  const s = resolve(doc, schema);
  let arb: fc.Arbitrary<unknown>;
  if (Array.isArray(s.enum)) arb = fc.constantFrom(...(s.enum as unknown[]));
  else if (s.type === 'string') {
    if (s.format === 'uuid') arb = fc.uuid();
    else if (s.format === 'date-time')
      arb = fc
        .date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true })
        .map((d) => d.toISOString());
    else if (typeof s.pattern === 'string')
      arb = fc.stringMatching(new RegExp(s.pattern)).filter((x) => x.length <= 200);
    else
      arb = fc.string({
        minLength: Number(s.minLength ?? 0),
        maxLength: Math.min(Number(s.maxLength ?? 40), 40),
      });
  } else if (s.type === 'integer')
    arb = fc.integer({ min: Number(s.minimum ?? -1000), max: Number(s.maximum ?? 1000) });
  else if (s.type === 'number')
    arb = fc.double({ min: Number(s.minimum ?? -1000), max: Number(s.maximum ?? 1000), noNaN: true });
  else if (s.type === 'boolean') arb = fc.boolean();
  else if (s.type === 'array')
    arb =
      depth > 3
        ? fc.constant([])
        : fc.array(validArbitrary(doc, (s.items ?? {}) as Schema, depth + 1), { maxLength: 4 });
  else if (s.type === 'object' || s.properties) {
    const props = (s.properties ?? {}) as Record<string, Schema>;
    const required = (s.required ?? []) as string[];
    arb =
      depth > 3
        ? fc.constant({})
        : fc.record(
            Object.fromEntries(Object.entries(props).map(([k, v]) => [k, validArbitrary(doc, v, depth + 1)])),
            {
              requiredKeys: required.filter((k) => k in props),
            },
          );
  } else arb = fc.jsonValue({ maxDepth: 2 });
  return s.nullable ? fc.option(arb, { nil: null }) : arb;
}

const HOSTILE: unknown[] = [
  null, '', ' ', 0, -1, 1e308, -0, 2 ** 53 + 1, true, [], {}, 'x'.repeat(5000), '\u0000', '😀'.repeat(10), '<script>', "' OR 1=1 --",
  { $gt: '' }, [null], '../../etc/passwd', 'NaN', '1e400', '00000000-0000-0000-0000-000000000000',
]; // prettier-ignore

/** Valid bodies and bodies broken in the ways clients and attackers break them. */
export function mutatedArbitrary(doc: OpenApiDoc, schema: Schema): fc.Arbitrary<unknown> {
  const valid = validArbitrary(doc, schema);
  return fc.oneof(
    { weight: 2, arbitrary: valid },
    { weight: 1, arbitrary: fc.constantFrom(...HOSTILE) },
    {
      weight: 3,
      arbitrary: fc
        .tuple(valid, fc.string({ maxLength: 12 }), fc.constantFrom(...HOSTILE), fc.nat())
        .map(([v, key, junk, n]) => {
          if (!v || typeof v !== 'object' || Array.isArray(v)) return junk;
          const o = { ...(v as Record<string, unknown>) };
          const keys = Object.keys(o);
          switch (n % 3) {
            case 0: // a field of the wrong type or value
              if (keys.length) o[keys[n % keys.length]] = junk;
              else o[key || 'x'] = junk;
              break;
            case 1: // a required field missing
              if (keys.length) delete o[keys[n % keys.length]];
              break;
            default: // an unknown field
              o[key || 'unexpected'] = junk;
          }
          return o;
        }),
    },
  );
}
