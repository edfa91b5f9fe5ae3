import { generateKeyPairSync } from 'node:crypto';
import { type GeneratedKeyPair, generateKeyPair, importDecryptionKeySet } from '@d1kit/jwe';
import { createDevPki, DEV_ISSUER_ID, type DevPki } from '@d1kit/mtls';
import type { SigningKeyInput } from '@d1kit/token';
import { createD1TestServer, type D1TestServer, type D1TestServerOptions } from './server.js';

/** Everything a test needs to talk to the simulator the way an issuer talks to D1. */
export interface TestEnvironment {
  readonly pki: DevPki;
  readonly issuerId: string;
  /** The issuer's ES256 assertion key (private half for the client; the server holds the public half). */
  readonly assertionKey: SigningKeyInput;
  /** D1's JWE key pair: the client encrypts to `publicJwk`, the server decrypts. */
  readonly d1Key: GeneratedKeyPair;
  readonly server: D1TestServer;
  /** The options createD1Client needs to reach this server. */
  readonly clientOptions: {
    readonly environment: string;
    readonly issuerId: string;
    readonly tls: DevPki['clientTls'];
    readonly assertionKey: SigningKeyInput;
    readonly d1EncryptionKey: GeneratedKeyPair['publicJwk'];
  };
  close(): Promise<void>;
}

/** Fresh keys, certificates and a listening simulator on 127.0.0.1 (close it when done). */
export async function createTestEnvironment(
  overrides: Partial<Omit<D1TestServerOptions, 'pki' | 'issuerId' | 'assertionKey' | 'd1Keys'>> = {},
): Promise<TestEnvironment> {
  const pki = await createDevPki();
  const issuerId = DEV_ISSUER_ID;
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const assertionKey: SigningKeyInput = { kid: 'issuer-assertion-1', privateKey };
  const d1Key = await generateKeyPair({ kid: 'd1-encryption-1' });
  const server = await createD1TestServer({
    ...overrides,
    pki,
    issuerId,
    assertionKey: { kid: assertionKey.kid, publicKey },
    d1Keys: await importDecryptionKeySet([d1Key.privateJwk]),
  });
  return {
    pki,
    issuerId,
    assertionKey,
    d1Key,
    server,
    clientOptions: {
      environment: server.url,
      issuerId,
      tls: pki.clientTls,
      assertionKey,
      d1EncryptionKey: d1Key.publicJwk,
    },
    close: () => server.close(),
  };
}
