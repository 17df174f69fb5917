// ISCED-F 2013 (UNESCO, International Standard Classification of Education: Fields of education and
// training): the thematic area of a micro-credential, as the European Learning Model asks for it.
// Codes are 2 digits (broad field), 3 digits (narrow field) or 4 digits (detailed field).

/** Narrow fields and the detailed digits defined under each (a trailing 0 "not further defined" and 9
 * "not elsewhere classified" exist under every narrow field and are added below). */
const NARROW_FIELDS: Readonly<Record<string, string>> = {
  '001': '1',
  '002': '1',
  '003': '1',
  '011': '1234',
  '021': '12345',
  '022': '123',
  '023': '12',
  '031': '1234',
  '032': '12',
  '041': '1234567',
  '042': '1',
  '051': '12',
  '052': '12',
  '053': '123',
  '054': '12',
  '061': '123',
  '071': '123456',
  '072': '1234',
  '073': '12',
  '081': '12',
  '082': '1',
  '083': '1',
  '084': '1',
  '091': '1234567',
  '092': '123',
  '101': '12345',
  '102': '12',
  '103': '12',
  '104': '1',
};

const BROAD_FIELDS = ['00', '01', '02', '03', '04', '05', '06', '07', '08', '09', '10', '99'];

function buildCodes(): Set<string> {
  const codes = new Set<string>(BROAD_FIELDS);
  for (const [narrow, detailed] of Object.entries(NARROW_FIELDS)) {
    codes.add(narrow);
    for (const d of `0${detailed}9`) codes.add(`${narrow}${d}`);
  }
  // Inter-disciplinary programmes of each broad field (xx88), and "field unknown".
  for (const broad of BROAD_FIELDS.slice(0, 11)) codes.add(`${broad}88`);
  codes.add('9999');
  return codes;
}

export const ISCED_F_CODES: ReadonlySet<string> = buildCodes();

export function isIscedFCode(value: unknown): value is string {
  return typeof value === 'string' && ISCED_F_CODES.has(value);
}

/** "Field unknown": what an export names for a micro-credential approved before the field existed. */
export const ISCED_F_UNKNOWN = '9999';
