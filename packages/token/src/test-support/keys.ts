import { generateKeyPairSync, type KeyObject } from 'node:crypto';

export interface TestKeyPair {
  readonly kid: string;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
}

/** A throwaway ES256 key pair for one test. */
export function p256(kid: string): TestKeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { kid, privateKey, publicKey };
}

/** Base64url of a JSON value, for hand-built (forged) JWTs. */
export function b64json(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}
