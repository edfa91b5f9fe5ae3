// Shared fixtures for this package's tests: a real HTTPS + mTLS server around createIssuerApp, an undici
// client presenting the dev PKI's client certificate, JWE keys for both sides and a capturing logger.
import { generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { DecryptionKeySet, RecipientKey } from '@d1kit/jwe';
import { generateKeyPair, importDecryptionKeySet, importRecipientKey } from '@d1kit/jwe';
import {
  createDevPki,
  createMtlsAgent,
  createMtlsServerOptions,
  type DevPki,
  d1CommonNameRule,
} from '@d1kit/mtls';
import { hashClientSecret, KeyRing, type TokenEndpointOptions } from '@d1kit/token';
import type { Agent } from 'undici';
import { request } from 'undici';
import type { IssuerAuthOptions } from './auth.js';
import { createIssuerApp, type IssuerServerOptions } from './issuer-router.js';
import type { ServerLogger } from './logger.js';

export const ISSUER_ID = 'D1KITDEV01';
export const CLIENT_ID = 'd1-tenant';
export const CLIENT_SECRET = 'a-long-test-secret-value';

export interface LogEntry {
  readonly level: 'info' | 'warn' | 'error';
  readonly message: string;
  readonly fields: Readonly<Record<string, unknown>>;
}

export function captureLogger(): ServerLogger & { readonly entries: LogEntry[] } {
  const entries: LogEntry[] = [];
  const at = (level: LogEntry['level']) => (fields: Readonly<Record<string, unknown>>, message: string) =>
    entries.push({ level, message, fields });
  return { entries, info: at('info'), warn: at('warn'), error: at('error') };
}

export interface TestKeys {
  /** The issuer's private keys: what the server decrypts D1's requests with. */
  readonly issuerDecryption: DecryptionKeySet;
  /** The issuer's public key, as D1 holds it (tests encrypt requests to it). */
  readonly issuerRecipient: RecipientKey;
  /** D1's public key, as the issuer holds it. */
  readonly d1Recipient: RecipientKey;
  /** D1's private key (tests decrypt responses with it). */
  readonly d1Decryption: DecryptionKeySet;
}

export async function createTestKeys(): Promise<TestKeys> {
  const [issuer, d1] = await Promise.all([generateKeyPair(), generateKeyPair()]);
  const [issuerDecryption, issuerRecipient, d1Recipient, d1Decryption] = await Promise.all([
    importDecryptionKeySet([issuer.privateJwk]),
    importRecipientKey(issuer.publicJwk),
    importRecipientKey(d1.publicJwk),
    importDecryptionKeySet([d1.privateJwk]),
  ]);
  return { issuerDecryption, issuerRecipient, d1Recipient, d1Decryption };
}

export async function testTokenEndpoint(): Promise<TokenEndpointOptions> {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return {
    clients: [
      { clientId: CLIENT_ID, secretHash: await hashClientSecret(CLIENT_SECRET, { logN: 10, r: 8, p: 1 }) },
    ],
    keys: new KeyRing({ current: { kid: 'token-k1', privateKey } }),
    issuer: 'https://issuer.test/authz/d1/v1',
    audience: 'https://issuer.test',
  };
}

export interface Reply {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly text: string;
  json(): Record<string, unknown>;
}

export interface CallOptions {
  readonly headers?: Readonly<Record<string, string>>;
  /** JSON-encoded unless `raw` is given. */
  readonly body?: unknown;
  readonly raw?: string | Buffer;
  readonly token?: string;
}

export interface TestIssuer {
  readonly url: string;
  readonly pki: DevPki;
  readonly agent: Agent;
  readonly logger: ReturnType<typeof captureLogger>;
  call(method: string, path: string, options?: CallOptions): Promise<Reply>;
  /** Asks the token endpoint for a token with the test client's Basic credentials. */
  token(): Promise<string>;
  close(): Promise<void>;
}

let sharedPki: Promise<DevPki> | undefined;
/** One CA per test file is enough; P-256 keys take milliseconds. */
export function testPki(): Promise<DevPki> {
  sharedPki ??= createDevPki();
  return sharedPki;
}

export async function startTestIssuer(
  options: Omit<IssuerServerOptions, 'auth' | 'logger'> & { readonly auth?: Partial<IssuerAuthOptions> },
): Promise<TestIssuer> {
  const pki = await testPki();
  const logger = captureLogger();
  const auth: IssuerAuthOptions = {
    mtls: { rules: [d1CommonNameRule({ issuerIds: [ISSUER_ID] })] },
    bearer: 'optional',
    tokenEndpoint: await testTokenEndpoint(),
    ...options.auth,
  };
  const app = await createIssuerApp({ ...options, auth, logger });
  const server: Server = createServer(createMtlsServerOptions(pki.serverTls), app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  server.keepAliveTimeout = 1000;
  const url = `https://localhost:${(server.address() as AddressInfo).port}`;
  const agent = createMtlsAgent(pki.clientTls, { keepAliveTimeout: 1000 });

  async function call(method: string, path: string, callOptions: CallOptions = {}): Promise<Reply> {
    const headers: Record<string, string> = { ...callOptions.headers };
    if (callOptions.token) headers.authorization = `Bearer ${callOptions.token}`;
    let body: string | Buffer | undefined = callOptions.raw;
    if (body === undefined && callOptions.body !== undefined) {
      body = JSON.stringify(callOptions.body);
      headers['content-type'] ??= 'application/json';
    }
    const response = await request(`${url}${path}`, {
      method: method as 'GET',
      headers,
      body,
      dispatcher: agent,
    });
    const text = await response.body.text();
    return {
      status: response.statusCode,
      headers: response.headers as Reply['headers'],
      text,
      json: () => JSON.parse(text) as Record<string, unknown>,
    };
  }

  return {
    url,
    pki,
    agent,
    logger,
    call,
    async token() {
      const basic = Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString('base64');
      const reply = await call('POST', '/authz/d1/v1/oauth2/token', {
        headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
        raw: 'grant_type=client_credentials',
      });
      if (reply.status !== 200) throw new Error(`token endpoint answered ${reply.status}`);
      return String(reply.json().access_token);
    },
    async close() {
      await agent.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
