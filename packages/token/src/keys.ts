import { createPrivateKey, createPublicKey, type JsonWebKey, KeyObject, type webcrypto } from 'node:crypto';
import { TokenError } from './errors.js';

/** A key as operators hold it: a KeyObject, a WebCrypto key, a PEM text or a JWK. */
export type KeyInput = KeyObject | webcrypto.CryptoKey | string | JsonWebKey;

export interface SigningKeyInput {
  readonly kid: string;
  readonly privateKey: KeyInput;
}

export interface VerificationKeyInput {
  readonly kid: string;
  readonly publicKey: KeyInput;
}

/** An ES256 (P-256) private key with its `kid`, checked once when it is loaded. */
export interface SigningKey {
  readonly kid: string;
  readonly privateKey: KeyObject;
}

/** An ES256 (P-256) public key with its `kid`. */
export interface VerificationKey {
  readonly kid: string;
  readonly publicKey: KeyObject;
}

const KID = /^[\x21-\x7E]{1,256}$/;

/** Whether `kid` has the shape every key here must have (1-256 visible ASCII characters). */
export function isKid(kid: unknown): kid is string {
  return typeof kid === 'string' && KID.test(kid);
}

export function assertKid(kid: unknown): asserts kid is string {
  if (typeof kid !== 'string' || !KID.test(kid)) {
    throw new TokenError('KEY_INVALID', 'A key id (kid) must be 1-256 visible ASCII characters');
  }
}

function isCryptoKey(value: unknown): value is webcrypto.CryptoKey {
  // Node 20 exposes the class only as a global, not as `webcrypto.CryptoKey`.
  const CryptoKeyClass = (globalThis as { CryptoKey?: abstract new () => unknown }).CryptoKey;
  return CryptoKeyClass !== undefined && value instanceof CryptoKeyClass;
}

function toKeyObject(input: KeyInput, type: 'private' | 'public'): KeyObject {
  try {
    if (input instanceof KeyObject) return input;
    if (isCryptoKey(input)) return KeyObject.from(input);
    if (typeof input === 'string')
      return type === 'private' ? createPrivateKey(input) : createPublicKey(input);
    if (input && typeof input === 'object') {
      const jwk = input as JsonWebKey;
      if (type === 'private') return createPrivateKey({ key: jwk, format: 'jwk' });
      // Never let a private JWK stand in for a public one by accident: drop `d` before importing.
      const { d: _private, ...publicPart } = jwk;
      return createPublicKey({ key: publicPart, format: 'jwk' });
    }
  } catch {
    // The parser's message may quote key material, so it is not passed on.
  }
  throw new TokenError(
    'KEY_INVALID',
    `The ${type} key could not be read (expected PEM, JWK, KeyObject or CryptoKey)`,
  );
}

function assertP256(key: KeyObject, type: 'private' | 'public'): void {
  if (key.type !== type) {
    throw new TokenError('KEY_INVALID', `Expected a ${type} key but got a ${key.type} key`);
  }
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new TokenError('KEY_INVALID', 'ES256 needs an EC key on the P-256 curve');
  }
}

export function loadSigningKey(input: SigningKeyInput): SigningKey {
  assertKid(input?.kid);
  const privateKey = toKeyObject(input.privateKey, 'private');
  assertP256(privateKey, 'private');
  return Object.freeze({ kid: input.kid, privateKey });
}

export function loadVerificationKey(input: VerificationKeyInput): VerificationKey {
  assertKid(input?.kid);
  const publicKey = toKeyObject(input.publicKey, 'public');
  assertP256(publicKey, 'public');
  return Object.freeze({ kid: input.kid, publicKey });
}

/** The public half of a signing key, for the verifier side. */
export function publicKeyOf(key: SigningKey): VerificationKey {
  return Object.freeze({ kid: key.kid, publicKey: createPublicKey(key.privateKey) });
}

/** Anything that can map a `kid` to an ES256 public key (a KeyRing, or your own JWKS cache). */
export interface KeyResolver {
  resolve(kid: string): KeyObject | undefined;
}
