import express from 'express';
import { decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearerAuth, getBearerAuth } from './bearer-middleware.js';
import { createBearerVerifier } from './bearer-verifier.js';
import { hashClientSecret } from './client-secret.js';
import { KeyRing } from './key-ring.js';
import { p256 } from './test-support/keys.js';
import { type Listening, listen } from './test-support/servers.js';
import { createTokenEndpoint, TOKEN_ENDPOINT_PATH } from './token-endpoint.js';

// One clock for the endpoint, the key ring and the verifier, moved by the tests.
let clock = Date.UTC(2026, 0, 15, 12);
const now = () => clock;
const ring = new KeyRing({ current: p256('k1'), now });
const ISS = 'https://issuer.example/authz/d1/v1';
const AUD = 'https://issuer.example/d1';
let server: Listening;

beforeAll(async () => {
  const FAST = { logN: 10, r: 8, p: 1 };
  const app = express();
  app.post(
    TOKEN_ENDPOINT_PATH,
    createTokenEndpoint({
      clients: [
        { clientId: 'd1', secretHash: await hashClientSecret('d1-secret', FAST), scopes: ['notifications'] },
        {
          clientId: 'someone-else',
          secretHash: await hashClientSecret('x-secret', FAST),
          scopes: ['notifications'],
        },
      ],
      keys: ring,
      issuer: ISS,
      audience: AUD,
      now,
    }),
  );
  const verifier = createBearerVerifier({ keys: ring, issuer: ISS, audience: AUD, clientIds: ['d1'], now });
  app.post(
    '/notifications/d1/v2/issuers/ISSUER0001/cards',
    bearerAuth({ mode: 'required', verifier, scope: 'notifications' }),
    (_req, res) => {
      const auth = getBearerAuth(res);
      res
        .status(204)
        .set('x-client', auth?.authenticated ? auth.clientId : '')
        .end();
    },
  );
  server = await listen(app);
});
afterAll(() => server.close());

async function getToken(id = 'd1', secret = 'd1-secret'): Promise<string> {
  const response = await fetch(`${server.url}${TOKEN_ENDPOINT_PATH}`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: 'grant_type=client_credentials',
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { access_token: string }).access_token;
}

async function notify(token: string) {
  const response = await fetch(`${server.url}/notifications/d1/v2/issuers/ISSUER0001/cards`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
  });
  return { status: response.status, client: response.headers.get('x-client') };
}

describe('outbound round trip: token endpoint → bearer middleware', () => {
  it('D1 gets a token with Basic credentials and calls the API with it', async () => {
    expect(await notify(await getToken())).toEqual({ status: 204, client: 'd1' });
  });

  it('refuses a valid token issued to another client', async () => {
    expect((await notify(await getToken('someone-else', 'x-secret'))).status).toBe(401);
  });

  it('keeps tokens signed with the previous key valid across a rotation until they expire', async () => {
    const before = await getToken();
    ring.rotate(p256('k2'));
    const after = await getToken();
    expect([decodeProtectedHeader(before).kid, decodeProtectedHeader(after).kid]).toEqual(['k1', 'k2']);
    expect((await notify(before)).status).toBe(204);
    expect((await notify(after)).status).toBe(204);

    clock += 899_000; // the old token's last second
    expect((await notify(before)).status).toBe(204);
    clock += 31_000; // past exp plus the 30 s tolerance
    expect((await notify(before)).status).toBe(401);

    clock += 3_900_000; // past the retention period: the old kid is gone from the ring
    expect(ring.resolve('k1')).toBeUndefined();
    expect(ring.kids()).toEqual(['k2']);
    expect((await notify(await getToken())).status).toBe(204);
  });
});
