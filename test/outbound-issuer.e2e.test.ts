// D1 → issuer, end to end across the security packages: D1 (played here by undici with D1's client
// certificate and D1's JWE key) gets a token from the issuer's token endpoint with Basic credentials,
// reads a PIN, sets a PIN, activates a card and delivers notifications that the issuer stores in a real
// PostgreSQL database (PGlite on disk), which survive a restart of the issuer.
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  buildIso0PinBlock,
  decryptIso0Pin,
  encryptIso0Pin,
  generateKeyPair,
  importDecryptionKeySet,
  importRecipientKey,
} from '@d1kit/jwe';
import {
  createDevPki,
  createMtlsAgent,
  createMtlsServerOptions,
  DEV_ISSUER_ID,
  type DevPki,
  formatD1CommonName,
} from '@d1kit/mtls';
import { createIssuerApp, createNotificationHandler, SqlNotificationStore } from '@d1kit/server';
import { hashClientSecret, KeyRing } from '@d1kit/token';
import { PGlite } from '@electric-sql/pglite';
import { type Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ISSUER_ID = DEV_ISSUER_ID;
const D1_CLIENT_CN = formatD1CommonName({ issuerId: ISSUER_ID, environment: 'PPR' });
const PAN = '4111111111111111';
const CLIENT_ID = 'd1-tenant';
const CLIENT_SECRET = 'a-long-random-secret-for-the-d1-tenant-0123456789';

interface Issuer {
  readonly server: Server;
  readonly origin: string;
  readonly db: PGlite;
  readonly pins: Map<string, string>;
  readonly activated: Set<string>;
  readonly applied: string[];
}

let pki: DevPki;
let dataDir: string;
let d1Agent: Agent;
let keys: Awaited<ReturnType<typeof makeKeys>>;

async function makeKeys() {
  const issuerJwe = await generateKeyPair({ kid: 'issuer-jwe-1' });
  const d1Jwe = await generateKeyPair({ kid: 'd1-jwe-1' });
  const tokenKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  return {
    issuerDecryption: await importDecryptionKeySet([issuerJwe.privateJwk]),
    issuerPublic: await importRecipientKey(issuerJwe.publicJwk),
    d1Decryption: await importDecryptionKeySet([d1Jwe.privateJwk]),
    d1Public: await importRecipientKey(d1Jwe.publicJwk),
    tokenKeys: new KeyRing({ current: { kid: 'token-1', privateKey: tokenKey } }),
    secretHash: await hashClientSecret(CLIENT_SECRET),
  };
}

async function startIssuer(): Promise<Issuer> {
  const db = new PGlite(dataDir);
  const store = await SqlNotificationStore.open({ query: (sql, params) => db.query(sql, [...params]) });
  const pins = new Map<string, string>([['card-0001', buildIso0PinBlock('1234', PAN)]]);
  const activated = new Set<string>();
  const applied: string[] = [];
  const app = await createIssuerApp({
    auth: {
      mtls: { commonNames: [D1_CLIENT_CN] },
      bearer: 'required',
      tokenEndpoint: {
        clients: [{ clientId: CLIENT_ID, secretHash: keys.secretHash }],
        keys: keys.tokenKeys,
        issuer: 'https://issuer.test/authz/d1/v1',
        audience: 'https://issuer.test',
      },
    },
    keys: { decryption: keys.issuerDecryption, d1: keys.d1Public },
    logger: { info() {}, warn() {}, error() {} },
    handlers: {
      getCardPin: ({ params }) => {
        const pinBlock = pins.get(params.cardId);
        return pinBlock
          ? { status: 200, body: { type: 'ISO0', encryptedData: { pinBlock } } }
          : { status: 404, body: { error: 'CARD_NOT_FOUND' } };
      },
      setCardPin: ({ params, body }) => {
        pins.set(params.cardId, body.encryptedData.pinBlock);
        return { status: 204 };
      },
      ActivateCard: ({ params }) => {
        activated.add(params.cardId); // idempotent by contract: a second call is 204 too
        return { status: 204 };
      },
      notifyCardOperations: createNotificationHandler('notifyCardOperations', {
        store,
        onNotification: async (item, { superseded }) => {
          if (!superseded) applied.push(`${item.operationId}:${item.status}`);
        },
      }),
    },
  });
  const server = createServer(createMtlsServerOptions(pki.serverTls), app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, origin: `https://localhost:${port}`, db, pins, activated, applied };
}

async function stopIssuer(issuer: Issuer): Promise<void> {
  issuer.server.closeAllConnections();
  await new Promise<void>((resolve) => issuer.server.close(() => resolve()));
  await issuer.db.close();
}

async function call(
  issuer: Issuer,
  method: 'GET' | 'PUT' | 'POST',
  url: string,
  init: { token?: string; json?: unknown } = {},
) {
  const headers: Record<string, string> = { 'x-correlation-id': 'e2e-outbound' };
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  if (init.json !== undefined) headers['content-type'] = 'application/json';
  const res = await request(`${issuer.origin}${url}`, {
    method,
    headers,
    body: init.json === undefined ? undefined : JSON.stringify(init.json),
    dispatcher: d1Agent,
  });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers, body: text ? JSON.parse(text) : undefined };
}

async function fetchToken(issuer: Issuer, secret = CLIENT_SECRET) {
  const res = await request(`${issuer.origin}/authz/d1/v1/oauth2/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${CLIENT_ID}:${secret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: 'grant_type=client_credentials',
    dispatcher: d1Agent,
  });
  return { status: res.statusCode, body: (await res.body.json()) as Record<string, string> };
}

const pinPath = (cardId: string) => `/cms/api/v1/issuers/${ISSUER_ID}/cards/${cardId}/pin`;
const notification = (status: string, startTime: string) => ({
  operations: [
    {
      operationId: 'op-0001',
      operation: 'PRODUCE',
      status,
      startTime,
      cardId: 'card-0001',
      details: { status: 'CARD_PROD_REQUESTED' },
    },
  ],
});

describe('D1 calling the issuer over mTLS with tokens, JWE and a durable store', () => {
  beforeAll(async () => {
    pki = await createDevPki();
    keys = await makeKeys();
    dataDir = await mkdtemp(path.join(tmpdir(), 'd1kit-e2e-pg-'));
    d1Agent = createMtlsAgent(pki.clientTls);
  });
  afterAll(async () => {
    await d1Agent?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('serves the whole outbound flow and keeps notifications de-duplicated across a restart', async () => {
    let issuer = await startIssuer();
    try {
      expect((await fetchToken(issuer, 'wrong-secret')).status).toBe(401);
      const token = await fetchToken(issuer);
      expect(token.status).toBe(200);
      expect(token.body).toMatchObject({ token_type: 'Bearer', expires_in: expect.stringMatching(/^\d+$/) });
      const accessToken = token.body.access_token!;

      // Without the token the PIN is not handed out; with it, it arrives encrypted to D1's key.
      expect((await call(issuer, 'GET', pinPath('card-0001'))).status).toBe(401);
      const pin = await call(issuer, 'GET', pinPath('card-0001'), { token: accessToken });
      expect(pin.status).toBe(200);
      expect(pin.body.type).toBe('ISO0');
      expect(pin.body.encryptedData.split('.')).toHaveLength(5);
      expect(JSON.stringify(pin.body)).not.toContain(buildIso0PinBlock('1234', PAN));
      expect(await decryptIso0Pin(pin.body.encryptedData, keys.d1Decryption, PAN)).toBe('1234');

      // D1 pushes a new PIN encrypted to the issuer's key; a JWE for the wrong key is a 400.
      const newPin = await encryptIso0Pin({ pin: '987654', pan: PAN }, keys.issuerPublic);
      expect(
        (
          await call(issuer, 'PUT', pinPath('card-0001'), {
            token: accessToken,
            json: { type: 'ISO0', encryptedData: newPin },
          })
        ).status,
      ).toBe(204);
      expect(issuer.pins.get('card-0001')).toBe(buildIso0PinBlock('987654', PAN));
      const toWrongKey = await encryptIso0Pin({ pin: '1111', pan: PAN }, keys.d1Public);
      expect(
        (
          await call(issuer, 'PUT', pinPath('card-0001'), {
            token: accessToken,
            json: { type: 'ISO0', encryptedData: toWrongKey },
          })
        ).status,
      ).toBe(400);

      const activate = `/cms/api/v1/issuers/${ISSUER_ID}/physicalCards/card-0001/activate`;
      expect((await call(issuer, 'POST', activate, { token: accessToken })).status).toBe(204);
      expect((await call(issuer, 'POST', activate, { token: accessToken })).status).toBe(204);
      expect([...issuer.activated]).toEqual(['card-0001']);

      const notify = `/notifications/d1/v2/issuers/${ISSUER_ID}/cards`;
      const pending = notification('PENDING', '2026-06-01T10:00:00.000Z');
      expect((await call(issuer, 'POST', notify, { token: accessToken, json: pending })).status).toBe(204);
      expect((await call(issuer, 'POST', notify, { token: accessToken, json: pending })).status).toBe(204);
      expect(issuer.applied).toEqual(['op-0001:PENDING']);

      // The issuer restarts on the same database: a redelivery is still recognised, a new state is not.
      await stopIssuer(issuer);
      issuer = await startIssuer();
      const again = await fetchToken(issuer);
      const token2 = again.body.access_token!;
      expect((await call(issuer, 'POST', notify, { token: token2, json: pending })).status).toBe(204);
      const done = notification('SUCCESSFUL', '2026-06-01T10:05:00.000Z');
      expect((await call(issuer, 'POST', notify, { token: token2, json: done })).status).toBe(204);
      expect(issuer.applied).toEqual(['op-0001:SUCCESSFUL']);
    } finally {
      await stopIssuer(issuer);
    }
  });

  it('refuses a D1 caller whose certificate name is not allowed, before any token or body is looked at', async () => {
    const issuer = await startIssuer();
    const stranger = await pki.issue({ kind: 'client', commonName: 'someone-else' });
    const agent = createMtlsAgent(pki.tlsFor(stranger));
    try {
      const res = await request(`${issuer.origin}${pinPath('card-0001')}`, { dispatcher: agent });
      expect(res.statusCode).toBe(403);
      expect(await res.body.json()).toMatchObject({ error: expect.stringMatching(/^CLIENT_CERTIFICATE_/) });
    } finally {
      await agent.close();
      await stopIssuer(issuer);
    }
  });
});
