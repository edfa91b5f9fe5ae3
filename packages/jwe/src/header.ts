import { decodeBase64urlStrict } from './base64url.js';
import { JweError } from './errors.js';
import { isP256Point } from './p256.js';
import {
  ALLOWED_HEADER_MEMBERS,
  D1_JWE_PROFILE,
  EPK_MEMBERS,
  IV_BYTES,
  MAX_KID_LENGTH,
  TAG_BYTES,
} from './profile.js';

export interface CheckedCompactJwe {
  /** The recipient key id from the protected header. */
  readonly kid: string;
}

function malformed(message: string): JweError {
  return new JweError('JWE_MALFORMED', message);
}

function parseProtectedHeader(encoded: string): Record<string, unknown> {
  const bytes = decodeBase64urlStrict(encoded);
  if (!bytes || bytes.length === 0) throw malformed('JWE protected header is not canonical base64url');
  let header: unknown;
  try {
    header = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw malformed('JWE protected header is not JSON');
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    throw malformed('JWE protected header is not a JSON object');
  }
  return header as Record<string, unknown>;
}

function checkMembers(header: Record<string, unknown>): void {
  if (header.alg !== D1_JWE_PROFILE.alg) {
    throw new JweError('JWE_ALG_NOT_ALLOWED', `JWE "alg" must be ${D1_JWE_PROFILE.alg}`);
  }
  if (header.enc !== D1_JWE_PROFILE.enc) {
    throw new JweError('JWE_ENC_NOT_ALLOWED', `JWE "enc" must be ${D1_JWE_PROFILE.enc}`);
  }
  if (Object.hasOwn(header, 'zip'))
    throw new JweError('JWE_ZIP_NOT_ALLOWED', 'compressed JWEs ("zip") are refused');
  if (Object.hasOwn(header, 'crit')) {
    throw new JweError(
      'JWE_CRIT_NOT_ALLOWED',
      'the D1 profile defines no critical header extensions ("crit")',
    );
  }
  for (const name of Object.keys(header)) {
    if (!ALLOWED_HEADER_MEMBERS.has(name)) {
      throw new JweError(
        'JWE_HEADER_NOT_ALLOWED',
        'JWE protected header has a member outside the D1 profile',
      );
    }
  }
  for (const name of ['typ', 'cty'] as const) {
    if (header[name] !== undefined && typeof header[name] !== 'string')
      throw malformed(`JWE "${name}" must be a string`);
  }
  for (const name of ['apu', 'apv'] as const) {
    const value = header[name];
    if (value !== undefined && (typeof value !== 'string' || decodeBase64urlStrict(value) === undefined)) {
      throw malformed(`JWE "${name}" must be base64url`);
    }
  }
}

function checkKid(header: Record<string, unknown>): string {
  const { kid } = header;
  if (kid === undefined) throw new JweError('JWE_KID_MISSING', 'JWE protected header has no "kid"');
  if (typeof kid !== 'string' || kid.length === 0 || kid.length > MAX_KID_LENGTH) {
    throw malformed(`JWE "kid" must be a string of 1 to ${MAX_KID_LENGTH} characters`);
  }
  return kid;
}

function checkEpk(epk: unknown): void {
  const invalid = (why: string) => new JweError('JWE_EPK_INVALID', `JWE "epk" ${why}`);
  if (typeof epk !== 'object' || epk === null || Array.isArray(epk))
    throw invalid('is missing or not a JSON object');
  const members = Object.keys(epk);
  if (members.length !== EPK_MEMBERS.size || members.some((name) => !EPK_MEMBERS.has(name))) {
    throw invalid('must have exactly kty, crv, x and y');
  }
  const { kty, crv, x, y } = epk as Record<string, unknown>;
  if (kty !== 'EC' || crv !== D1_JWE_PROFILE.crv) throw invalid(`must be an EC key on ${D1_JWE_PROFILE.crv}`);
  const xBytes = typeof x === 'string' ? decodeBase64urlStrict(x) : undefined;
  const yBytes = typeof y === 'string' ? decodeBase64urlStrict(y) : undefined;
  if (!xBytes || !yBytes || !isP256Point(xBytes, yBytes))
    throw invalid(`is not a point on ${D1_JWE_PROFILE.crv}`);
}

function checkBinaryParts(encryptedKey: string, iv: string, ciphertext: string, tag: string): void {
  if (encryptedKey !== '') throw malformed('JWE encrypted key must be empty for direct ECDH-ES');
  if (decodeBase64urlStrict(iv)?.length !== IV_BYTES)
    throw malformed(`JWE IV must be ${IV_BYTES} bytes of base64url`);
  if (decodeBase64urlStrict(tag)?.length !== TAG_BYTES) {
    throw malformed(`JWE authentication tag must be ${TAG_BYTES} bytes of base64url`);
  }
  if (decodeBase64urlStrict(ciphertext) === undefined)
    throw malformed('JWE ciphertext is not canonical base64url');
}

/**
 * Every refusal that needs no key and no crypto, before jose sees the string: size, shape, strict
 * base64url, the header allow-list, the kid, and the ephemeral key being a real P-256 point.
 */
export function checkCompactJwe(input: unknown): CheckedCompactJwe {
  if (typeof input !== 'string') throw malformed('a compact JWE must be a string');
  if (input.length > D1_JWE_PROFILE.maxCompactLength) {
    throw new JweError(
      'JWE_TOO_LONG',
      `compact JWE is longer than ${D1_JWE_PROFILE.maxCompactLength} characters`,
    );
  }
  const parts = input.split('.');
  if (parts.length !== 5) throw malformed('a compact JWE has exactly five dot-separated parts');
  const [encodedHeader, encryptedKey, iv, ciphertext, tag] = parts as [
    string,
    string,
    string,
    string,
    string,
  ];
  const header = parseProtectedHeader(encodedHeader);
  checkMembers(header);
  const kid = checkKid(header);
  checkEpk(header.epk);
  checkBinaryParts(encryptedKey, iv, ciphertext, tag);
  return { kid };
}
