/** RFC 6749 §3.3 scope-token: printable ASCII except space, `"` and `\`. */
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

export function isScopeToken(value: unknown): value is string {
  return typeof value === 'string' && value.length <= 256 && SCOPE_TOKEN.test(value);
}

/**
 * Splits a space-delimited scope string. Returns undefined when any token is malformed; an empty
 * or all-space string gives an empty list. Duplicates collapse, order is kept.
 */
export function parseScope(value: string): string[] | undefined {
  if (value.length > 4096) return undefined;
  const tokens = value.split(' ').filter((token) => token !== '');
  if (!tokens.every(isScopeToken)) return undefined;
  return [...new Set(tokens)];
}
