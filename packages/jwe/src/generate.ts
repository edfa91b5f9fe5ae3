import { generateKeyPairSync } from 'node:crypto';
import { type EcPrivateJwk, type EcPublicJwk, type KeyOptions, toPrivateJwk } from './jwk.js';

export interface GeneratedKeyPair {
  readonly kid: string;
  /** Keep secret; this is what a {@link DecryptionKeySet} imports. */
  readonly privateJwk: EcPrivateJwk;
  /** Hand this to the peer (for D1: to the Thales Delivery Team at onboarding). */
  readonly publicJwk: EcPublicJwk;
}

/** A fresh P-256 key pair for the D1 profile; kid defaults to the RFC 7638 thumbprint. */
export async function generateKeyPair(options: KeyOptions = {}): Promise<GeneratedKeyPair> {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const privateJwk = await toPrivateJwk(privateKey, options);
  const { d: _secret, ...publicJwk } = privateJwk;
  return { kid: privateJwk.kid, privateJwk, publicJwk };
}
