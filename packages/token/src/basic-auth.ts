import { redacting } from './redact.js';

/** Logs with `clientSecret: '[redacted]'`. */
export interface BasicCredentials {
  readonly ok: true;
  readonly clientId: string;
  readonly clientSecret: string;
}

export interface BasicAuthFailure {
  readonly ok: false;
  readonly reason: 'missing' | 'scheme' | 'encoding' | 'format';
}

const MAX_HEADER_LENGTH = 4096;
const PRINTABLE_ASCII = /^[\x20-\x7E]*$/;
const BASIC = /^basic +([A-Za-z0-9+/_-]+={0,2}) *$/i;

/**
 * Decodes base64 strictly: Node's decoder skips characters it does not know, so the input is
 * re-encoded and compared. The contract's text says "base64URL" while its example is standard base64,
 * so both alphabets are accepted, padded or not.
 */
function decodeStrictBase64(text: string): Buffer | undefined {
  const unpadded = text.replace(/=+$/, '').replace(/-/g, '+').replace(/_/g, '/');
  if (unpadded.length % 4 === 1) return undefined;
  const bytes = Buffer.from(unpadded, 'base64');
  return bytes.toString('base64').replace(/=+$/, '') === unpadded ? bytes : undefined;
}

/** Parses `Authorization: Basic base64(clientId:clientSecret)` (RFC 7617); every bad shape is a typed failure. */
export function parseBasicAuthorization(header: unknown): BasicCredentials | BasicAuthFailure {
  if (typeof header !== 'string' || header.trim() === '') return { ok: false, reason: 'missing' };
  if (header.length > MAX_HEADER_LENGTH || !PRINTABLE_ASCII.test(header))
    return { ok: false, reason: 'encoding' };
  const match = BASIC.exec(header);
  if (!match) return { ok: false, reason: 'scheme' };
  const bytes = decodeStrictBase64(match[1] as string);
  if (!bytes) return { ok: false, reason: 'encoding' };
  const decoded = bytes.toString('latin1');
  // Control characters and anything beyond ASCII are refused rather than guessed at.
  if (!PRINTABLE_ASCII.test(decoded)) return { ok: false, reason: 'encoding' };
  const colon = decoded.indexOf(':');
  if (colon <= 0 || colon === decoded.length - 1) return { ok: false, reason: 'format' };
  const credentials: BasicCredentials = {
    ok: true,
    clientId: decoded.slice(0, colon),
    clientSecret: decoded.slice(colon + 1),
  };
  return redacting(credentials, ['clientSecret']);
}
