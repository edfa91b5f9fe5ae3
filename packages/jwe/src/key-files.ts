import { type DecryptionKeySet, importDecryptionKeySet } from './decryption-key-set.js';
import { describeKid, JweError } from './errors.js';
import type { KeyInput } from './jwk.js';
import { importRecipientKey, type RecipientKey } from './recipient-key.js';

const MAX_KEYS_IN_FILE = 64;

type KeyText =
  | { kind: 'jwks'; keys: readonly Readonly<Record<string, unknown>>[] }
  | { kind: 'single'; key: KeyInput };

/** Tells a JWKS, a single JWK and PEM apart. Never echoes the text: it may hold a private key. */
export function parseKeyText(text: string): KeyText {
  const trimmed = text.trim();
  if (!trimmed.startsWith('{')) return { kind: 'single', key: trimmed };
  let value: unknown;
  try {
    value = JSON.parse(trimmed);
  } catch {
    throw new JweError('KEY_INVALID', 'key text starts like JSON but is not valid JSON');
  }
  const record = value as Record<string, unknown>;
  if (!Object.hasOwn(record, 'keys')) return { kind: 'single', key: record };
  const { keys } = record;
  if (!Array.isArray(keys) || keys.length === 0 || keys.length > MAX_KEYS_IN_FILE) {
    throw new JweError('KEY_SET_INVALID', `JWKS "keys" must be an array of 1 to ${MAX_KEYS_IN_FILE} keys`);
  }
  if (keys.some((key) => typeof key !== 'object' || key === null || Array.isArray(key))) {
    throw new JweError('KEY_SET_INVALID', 'every JWKS entry must be a JWK object');
  }
  return { kind: 'jwks', keys };
}

/**
 * The encrypting side's key from a JWK, JWKS or PEM text. In a JWKS with several keys, `kid` picks one;
 * for PEM (which carries no kid) `kid` names it, else the RFC 7638 thumbprint is used.
 */
export async function loadRecipientKey(text: string, options: { kid?: string } = {}): Promise<RecipientKey> {
  const parsed = parseKeyText(text);
  if (parsed.kind === 'single') return importRecipientKey(parsed.key, options);
  const candidates =
    options.kid === undefined ? parsed.keys : parsed.keys.filter((key) => key.kid === options.kid);
  if (candidates.length === 0)
    throw new JweError('KEY_SET_INVALID', `JWKS has no key with kid ${describeKid(options.kid)}`);
  if (candidates.length > 1)
    throw new JweError('KEY_SET_INVALID', 'JWKS holds several keys: choose one by kid');
  return importRecipientKey(candidates[0]!, options);
}

/**
 * The decrypting side's keys from a JWK, JWKS or PEM text. `kid` names a single key (PEM has none);
 * `currentKid` picks the current key of a JWKS (default: its first key).
 */
export async function loadDecryptionKeySet(
  text: string,
  options: { kid?: string; currentKid?: string } = {},
): Promise<DecryptionKeySet> {
  const parsed = parseKeyText(text);
  if (parsed.kind === 'single') {
    const entry = options.kid === undefined ? parsed.key : { key: parsed.key, kid: options.kid };
    return importDecryptionKeySet(
      [entry],
      options.currentKid === undefined ? {} : { currentKid: options.currentKid },
    );
  }
  if (options.kid !== undefined)
    throw new JweError('KEY_SET_INVALID', 'kid names a single key; use currentKid with a JWKS');
  return importDecryptionKeySet(
    parsed.keys,
    options.currentKid === undefined ? {} : { currentKid: options.currentKid },
  );
}
