import { CompactEncrypt, compactDecrypt, errors } from 'jose';
import { DecryptionKeySet } from './decryption-key-set.js';
import { describeKid, JweError } from './errors.js';
import { checkCompactJwe } from './header.js';
import { findDecryptionKey, takeEncryptionKey } from './internal.js';
import { D1_JWE_PROFILE } from './profile.js';
import { RecipientKey } from './recipient-key.js';

const encoder = new TextEncoder();

// jose enforces these itself as well; the pre-checks in header.js only make refusals cheaper and clearer.
const JOSE_DECRYPT_OPTIONS = {
  keyManagementAlgorithms: [D1_JWE_PROFILE.alg],
  contentEncryptionAlgorithms: [D1_JWE_PROFILE.enc],
  maxDecompressedLength: 0,
};

export interface DecryptedJwe {
  readonly plaintext: Uint8Array;
  /** The kid of the key that decrypted it (useful to spot peers still on an old key). */
  readonly kid: string;
}

/** Encrypts to the recipient under the D1 profile and returns the compact serialisation. */
export async function encrypt(plaintext: Uint8Array | string, recipient: RecipientKey): Promise<string> {
  if (!(recipient instanceof RecipientKey))
    throw new JweError('KEY_INVALID', 'recipient must come from importRecipientKey');
  const bytes = typeof plaintext === 'string' ? encoder.encode(plaintext) : plaintext;
  if (!(bytes instanceof Uint8Array))
    throw new JweError('JWE_ENCRYPTION_FAILED', 'plaintext must be a string or bytes');
  // The compact form is always longer than the plaintext, so an oversized one is refused before any
  // key agreement or AES pass over possibly megabytes of data.
  if (bytes.byteLength > D1_JWE_PROFILE.maxCompactLength) throw tooLarge();
  let compact: string;
  try {
    compact = await new CompactEncrypt(bytes)
      .setProtectedHeader({ alg: D1_JWE_PROFILE.alg, enc: D1_JWE_PROFILE.enc, kid: recipient.kid })
      .encrypt(recipient[takeEncryptionKey]());
  } catch {
    throw new JweError('JWE_ENCRYPTION_FAILED', 'JWE encryption failed');
  }
  if (compact.length > D1_JWE_PROFILE.maxCompactLength) throw tooLarge();
  return compact;
}

function tooLarge(): JweError {
  return new JweError(
    'PLAINTEXT_TOO_LARGE',
    `plaintext is too large: the JWE would exceed ${D1_JWE_PROFILE.maxCompactLength} characters`,
  );
}

/**
 * Decrypts a compact JWE of the D1 profile. Cheap structural refusals come first (no crypto for junk),
 * then jose runs its own full set of checks with the profile's algorithm allow-lists.
 */
export async function decrypt(jwe: string, keys: DecryptionKeySet): Promise<DecryptedJwe> {
  if (!(keys instanceof DecryptionKeySet))
    throw new JweError('KEY_SET_INVALID', 'keys must come from importDecryptionKeySet');
  const { kid } = checkCompactJwe(jwe);
  const key = keys[findDecryptionKey](kid);
  if (!key) throw new JweError('JWE_KID_UNKNOWN', `no decryption key with kid ${describeKid(kid)}`);
  try {
    const { plaintext } = await compactDecrypt(jwe, key, JOSE_DECRYPT_OPTIONS);
    return { plaintext, kid };
  } catch (error) {
    throw fromJoseError(error);
  }
}

function fromJoseError(error: unknown): JweError {
  if (error instanceof errors.JOSEAlgNotAllowed)
    return new JweError('JWE_ALG_NOT_ALLOWED', 'JWE algorithm not allowed');
  if (error instanceof errors.JWEInvalid) return new JweError('JWE_MALFORMED', 'JWE is malformed');
  // Wrong key, tampering and anything else look the same from outside: no oracle, no low-level text.
  return new JweError('JWE_DECRYPTION_FAILED', 'JWE decryption failed');
}
