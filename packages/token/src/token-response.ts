import { TokenError } from './errors.js';
import { redacting } from './redact.js';

/** What d1kit keeps from a D1 token response (IN-v1-Auth2 200). */
export interface InboundTokenResponse {
  readonly accessToken: string;
  readonly tokenType: 'Bearer';
  /** Seconds, when D1 sent `expires_in`. */
  readonly expiresInSeconds: number | undefined;
  readonly scope: string | undefined;
}

/** An access token goes into a header: visible ASCII only, so it cannot smuggle a CR/LF. */
const HEADER_SAFE_TOKEN = /^[\x21-\x7E]+$/;
const NUMERIC_STRING = /^[0-9]{1,9}$/;
const MAX_TOKEN_LENGTH = 16 * 1024;

function invalid(reason: string): TokenError {
  return new TokenError(
    'TOKEN_RESPONSE_INVALID',
    'The D1 token endpoint returned an unusable token response',
    {
      reason,
    },
  );
}

/** `expires_in` is a number in IN-v1-Auth2 but a string in OUT-v1-Auth2; accept either. */
function parseExpiresIn(value: unknown): number | undefined {
  if (value === undefined || value === null) return undefined;
  const seconds = typeof value === 'string' && NUMERIC_STRING.test(value) ? Number(value) : value;
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds <= 0) throw invalid('expires_in');
  return seconds;
}

export function parseInboundTokenResponse(text: string): InboundTokenResponse {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw invalid('json');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw invalid('json');
  const fields = body as Record<string, unknown>;
  const accessToken = fields.access_token;
  if (
    typeof accessToken !== 'string' ||
    accessToken.length > MAX_TOKEN_LENGTH ||
    !HEADER_SAFE_TOKEN.test(accessToken)
  ) {
    throw invalid('access_token');
  }
  // The schema has no required list; a missing token_type means Bearer, anything else is refused.
  const tokenType = fields.token_type;
  if (tokenType !== undefined && (typeof tokenType !== 'string' || tokenType.toLowerCase() !== 'bearer')) {
    throw invalid('token_type');
  }
  const parsed: InboundTokenResponse = {
    accessToken,
    tokenType: 'Bearer',
    expiresInSeconds: parseExpiresIn(fields.expires_in),
    scope: typeof fields.scope === 'string' ? fields.scope : undefined,
  };
  return redacting(parsed, ['accessToken']);
}
