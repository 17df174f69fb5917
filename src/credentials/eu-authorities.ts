// The EU Publications Office authority tables that ELM names countries and languages by
// (DOMAIN.md 3.4). Their codes are ISO 3166-1 alpha-3 and ISO 639-2/T, upper case. Only the codes
// this alliance can meet are listed: a country or language outside them is left out of the ELM
// document rather than given a guessed address.

export const COUNTRY_AUTHORITY = 'http://publications.europa.eu/resource/authority/country';
export const LANGUAGE_AUTHORITY = 'http://publications.europa.eu/resource/authority/language';

/** ISO 3166-1 alpha-2 → alpha-3: Europe (EU, EEA, Switzerland, the United Kingdom, their neighbours). */
const COUNTRIES: Record<string, string> = {
  AD: 'AND', AL: 'ALB', AM: 'ARM', AT: 'AUT', AZ: 'AZE', BA: 'BIH', BE: 'BEL', BG: 'BGR', BY: 'BLR',
  CH: 'CHE', CY: 'CYP', CZ: 'CZE', DE: 'DEU', DK: 'DNK', EE: 'EST', ES: 'ESP', FI: 'FIN', FR: 'FRA',
  GB: 'GBR', GE: 'GEO', GR: 'GRC', HR: 'HRV', HU: 'HUN', IE: 'IRL', IS: 'ISL', IT: 'ITA', LI: 'LIE',
  LT: 'LTU', LU: 'LUX', LV: 'LVA', MC: 'MCO', MD: 'MDA', ME: 'MNE', MK: 'MKD', MT: 'MLT', NL: 'NLD',
  NO: 'NOR', PL: 'POL', PT: 'PRT', RO: 'ROU', RS: 'SRB', RU: 'RUS', SE: 'SWE', SI: 'SVN', SK: 'SVK',
  SM: 'SMR', TR: 'TUR', UA: 'UKR', VA: 'VAT',
}; // prettier-ignore

/**
 * ISO 639-1 → ISO 639-2/T: the EU's official languages, the other languages of Europe, and the other
 * teaching languages the proposal form offers (Arabic, Chinese, Japanese).
 */
const LANGUAGES: Record<string, string> = {
  ar: 'ARA', ja: 'JPN', zh: 'ZHO',
  bg: 'BUL', bs: 'BOS', ca: 'CAT', cs: 'CES', cy: 'CYM', da: 'DAN', de: 'DEU', el: 'ELL', en: 'ENG',
  es: 'SPA', et: 'EST', eu: 'EUS', fi: 'FIN', fr: 'FRA', ga: 'GLE', gl: 'GLG', hr: 'HRV', hu: 'HUN',
  is: 'ISL', it: 'ITA', la: 'LAT', lb: 'LTZ', lt: 'LIT', lv: 'LAV', mk: 'MKD', mt: 'MLT', nb: 'NOB',
  nl: 'NLD', nn: 'NNO', no: 'NOR', pl: 'POL', pt: 'POR', ro: 'RON', ru: 'RUS', sk: 'SLK', sl: 'SLV',
  sq: 'SQI', sr: 'SRP', sv: 'SWE', tr: 'TUR', uk: 'UKR',
}; // prettier-ignore

/** The authority code of an ISO 3166-1 alpha-2 country, or null when it is not in the table. */
export function countryCode(alpha2: string | null | undefined): string | null {
  return (alpha2 && COUNTRIES[alpha2.toUpperCase()]) || null;
}

/** The authority code of an ISO 639-1 language, or null when it is not in the table. */
export function languageCode(iso6391: string): string | null {
  return LANGUAGES[iso6391.toLowerCase()] ?? null;
}
