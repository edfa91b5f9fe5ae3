import { generateKeyPairSync, type KeyObject, sign } from 'node:crypto';

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

/** Signs any header and payload with ES256 directly, for tokens jose itself would refuse to produce. */
export function signRaw(header: unknown, payload: unknown, privateKey: KeyObject): string {
  const input = `${b64json(header)}.${b64json(payload)}`;
  const signature = sign('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' });
  return `${input}.${signature.toString('base64url')}`;
}
