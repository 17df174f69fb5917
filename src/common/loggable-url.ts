/** Free-text search parameters: whatever a person types, e-mail addresses and names included. */
const FREE_TEXT_PARAMS = new Set(['q']);
/** An e-mail address, written plainly or percent-encoded. */
const AT_SIGN = /@|%40/i;
const REDACTED = '[redacted]';

/**
 * The request URL as the log keeps it: the path and the query's parameter names, with free-text
 * values and anything holding an e-mail address replaced, so searching users by e-mail does not
 * leave the address in the log. Never throws: a malformed URL is logged as its redacted parts.
 */
export function loggableUrl(url: string): string {
  const q = url.indexOf('?');
  const path = (q < 0 ? url : url.slice(0, q))
    .split('/')
    .map((segment) => (AT_SIGN.test(segment) ? REDACTED : segment))
    .join('/');
  if (q < 0) return path;
  const params = new URLSearchParams(url.slice(q + 1));
  const kept: string[] = [];
  for (const [name, value] of params) {
    const hidden = FREE_TEXT_PARAMS.has(name) || AT_SIGN.test(value) || AT_SIGN.test(name);
    kept.push(
      `${AT_SIGN.test(name) ? REDACTED : encodeURIComponent(name)}=${hidden ? REDACTED : encodeURIComponent(value)}`,
    );
  }
  return kept.length ? `${path}?${kept.join('&')}` : path;
}
