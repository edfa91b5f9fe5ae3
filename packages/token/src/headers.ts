/**
 * True when the request carried more than one Authorization header line. Node keeps only the first in
 * `req.headers`, while a proxy in front may have judged the request by another, so such a request is
 * ambiguous and refused (RFC 6749 §2.3, RFC 6750 §3.1: one authentication method per request).
 */
export function hasRepeatedAuthorization(req: { readonly rawHeaders?: readonly string[] }): boolean {
  const raw = req.rawHeaders;
  if (!Array.isArray(raw)) return false;
  let count = 0;
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i]?.toLowerCase() === 'authorization' && ++count > 1) return true;
  }
  return false;
}
