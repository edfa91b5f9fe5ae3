import { request } from 'node:http';
import express from 'express';
import fc from 'fast-check';
import { decodeProtectedHeader, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashClientSecret } from './client-secret.js';
import { KeyRing } from './key-ring.js';
import { p256 } from './test-support/keys.js';
import { type Listening, listen, rawRequest } from './test-support/servers.js';
import {
  createTokenEndpoint,
  TOKEN_ENDPOINT_PATH,
  type TokenEndpointEvent,
  type TokenEndpointOptions,
} from './token-endpoint.js';

const FAST = { logN: 10, r: 8, p: 1 };
const ISSUER = 'https://issuer.example/authz/d1/v1';
const AUDIENCE = 'https://issuer.example/d1';
const ring = new KeyRing({ current: p256('as-k1') });
const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
const D1 = basic('d1-client', 'd1-secret');
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

let server: Listening;
let clock = Date.UTC(2026, 0, 15, 12);
const events: TokenEndpointEvent[] = [];

async function endpoint(extra: Partial<TokenEndpointOptions> = {}) {
  return createTokenEndpoint({
    clients: [
      {
        clientId: 'd1-client',
        secretHash: await hashClientSecret('d1-secret', FAST),
        scopes: ['pin:read', 'cards'],
      },
      { clientId: 'other', secretHash: await hashClientSecret('other-secret', FAST), scopes: ['pin:read'] },
    ],
    keys: ring,
    issuer: ISSUER,
    audience: AUDIENCE,
    throttle: { maxFailures: 3, windowMs: 60_000 },
    now: () => clock,
    onEvent: (event) => events.push(event),
    ...extra,
  });
}

beforeAll(async () => {
  const app = express();
  app.post(TOKEN_ENDPOINT_PATH, await endpoint());
  app.all('/any-method', await endpoint());
  app.post('/body-credentials', await endpoint({ allowBodyCredentials: true }));
  app.post('/pre-parsed', express.urlencoded({ extended: false }), await endpoint());
  const broken = { resolve: () => undefined, signingKey: { kid: 'x', privateKey: p256('x').publicKey } };
  app.post('/broken', await endpoint({ keys: broken as unknown as KeyRing }));
  server = await listen(app);
});
afterAll(() => server.close());

async function post(
  body: string | Uint8Array,
  headers: Record<string, string> = { ...FORM, authorization: D1 },
  path = TOKEN_ENDPOINT_PATH,
) {
  const response = await fetch(`${server.url}${path}`, { method: 'POST', headers, body });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
}

describe('token endpoint: success', () => {
  it('issues an ES256 access token in the OUT-v1-Auth2 response shape', async () => {
    const { status, headers, body } = await post('grant_type=client_credentials');
    expect(status).toBe(200);
    expect(headers.get('cache-control')).toBe('no-store');
    expect(headers.get('pragma')).toBe('no-cache');
    expect(Object.keys(body).sort()).toEqual([
      'access_token',
      'expires_at',
      'expires_in',
      'scope',
      'token_type',
    ]);
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: '900', scope: 'pin:read cards' });
    expect(body.expires_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    expect(Date.parse(body.expires_at)).toBe(clock + 900_000);

    expect(decodeProtectedHeader(body.access_token)).toEqual({ alg: 'ES256', kid: 'as-k1', typ: 'at+jwt' });
    const { payload } = await jwtVerify(body.access_token, ring.resolve('as-k1')!, {
      algorithms: ['ES256'],
      issuer: ISSUER,
      audience: AUDIENCE,
      currentDate: new Date(clock),
    });
    expect(payload).toMatchObject({
      sub: 'd1-client',
      client_id: 'd1-client',
      scope: 'pin:read cards',
      iat: clock / 1000,
      exp: clock / 1000 + 900,
    });
    expect(payload.jti).toMatch(/^[0-9a-f-]{36}$/);
    expect(events.at(-1)).toEqual({ type: 'issued', clientId: 'd1-client', scope: 'pin:read cards' });
  });

  it('grants a requested subset of the allowed scopes', async () => {
    const { body } = await post('grant_type=client_credentials&scope=cards+cards');
    expect(body.scope).toBe('cards');
  });

  it('treats an empty scope as omitted and accepts a charset parameter', async () => {
    const headers = { 'content-type': 'application/x-www-form-urlencoded; charset=UTF-8', authorization: D1 };
    const { status, body } = await post('grant_type=client_credentials&scope=', headers);
    expect([status, body.scope]).toEqual([200, 'pin:read cards']);
  });

  it('works behind express.urlencoded and still refuses repeated parameters there', async () => {
    expect((await post('grant_type=client_credentials', undefined, '/pre-parsed')).status).toBe(200);
    const repeated = await post(
      'grant_type=client_credentials&grant_type=client_credentials',
      undefined,
      '/pre-parsed',
    );
    expect([repeated.status, repeated.body.error]).toEqual([400, 'invalid_request']);
  });

  it('applies its 8 KiB limit to a body express.urlencoded (100 KiB by default) already parsed', async () => {
    const large = await post(
      `grant_type=client_credentials&pad=${'x'.repeat(10_000)}`,
      undefined,
      '/pre-parsed',
    );
    expect([large.status, large.body.error]).toEqual([400, 'invalid_request']);
    expect(large.body.error_description).toBe('The request body is too large');
  });
});

describe('token endpoint: RFC 6749 §5.2 errors', () => {
  it.each([
    ['missing grant_type', 'scope=cards', 'invalid_request'],
    ['empty grant_type', 'grant_type=', 'invalid_request'],
    ['repeated grant_type', 'grant_type=client_credentials&grant_type=client_credentials', 'invalid_request'],
    ['repeated scope', 'grant_type=client_credentials&scope=a&scope=b', 'invalid_request'],
    ['the password grant', 'grant_type=password&username=a&password=b', 'unsupported_grant_type'],
    [
      'the jwt-bearer grant',
      'grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer',
      'unsupported_grant_type',
    ],
    ['a scope the client may not have', 'grant_type=client_credentials&scope=pin:write', 'invalid_scope'],
    ['a malformed scope', 'grant_type=client_credentials&scope=%22quoted%22', 'invalid_scope'],
  ])('answers 400 for %s', async (_name, body, error) => {
    const response = await post(body);
    expect(response.status).toBe(400);
    expect(response.body).toEqual({ error, error_description: expect.any(String) });
    expect(response.headers.get('cache-control')).toBe('no-store');
  });

  it.each([
    ['JSON', { 'content-type': 'application/json' }, '{"grant_type":"client_credentials"}'],
    ['text/plain', { 'content-type': 'text/plain' }, 'grant_type=client_credentials'],
    ['no content type', {}, new TextEncoder().encode('grant_type=client_credentials')],
    ['a latin-1 charset', { 'content-type': 'application/x-www-form-urlencoded; charset=iso-8859-1' }, 'x=1'],
    ['a compressed body', { ...FORM, 'content-encoding': 'gzip' }, 'grant_type=client_credentials'],
    ['an oversized body', FORM, `grant_type=client_credentials&pad=${'x'.repeat(10_000)}`],
  ])('answers 400 invalid_request for %s', async (_name, headers, body) => {
    const response = await post(body, { ...headers, authorization: D1 });
    expect([response.status, response.body.error]).toEqual([400, 'invalid_request']);
  });

  it('answers 405 to other methods', async () => {
    const response = await fetch(`${server.url}/any-method`, {
      method: 'GET',
      headers: { authorization: D1 },
    });
    expect([response.status, response.headers.get('allow')]).toEqual([405, 'POST']);
  });

  it.each([
    ['missing', undefined],
    ['not Basic', 'Bearer abc'],
    ['not base64', 'Basic ***'],
    ['without a colon', `Basic ${Buffer.from('d1-client').toString('base64')}`],
    ['with an empty secret', basic('d1-client', '')],
    ['with non-ASCII', basic('d1-client', 'sécret')],
    ['with the wrong secret', basic('d1-client', 'd1-secret-wrong')],
    ['for an unknown client', basic('ghost', 'd1-secret')],
    ['for a client id nobody could configure', basic('has space', 'd1-secret')],
  ])(
    'answers 401 invalid_client with a Basic challenge when Basic credentials are %s',
    async (_name, auth) => {
      const headers: Record<string, string> = { ...FORM };
      if (auth) headers.authorization = auth;
      const response = await post('grant_type=client_credentials', headers);
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe('Basic realm="d1kit"');
      expect(response.body).toEqual({
        error: 'invalid_client',
        error_description: 'Client authentication failed',
      });
    },
  );

  it('answers 401, not 500, to raw non-ASCII bytes in the Authorization header', async () => {
    const { status, headers } = await new Promise<{ status: number; headers: Record<string, unknown> }>(
      (resolve, reject) => {
        const url = new URL(`${server.url}${TOKEN_ENDPOINT_PATH}`);
        const req = request(
          { host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: FORM },
          (res) => {
            res.resume();
            resolve({ status: res.statusCode ?? 0, headers: res.headers });
          },
        );
        req.on('error', reject);
        req.setHeader('authorization', 'Basic \xff\xfe\xe9:x');
        req.end('grant_type=client_credentials');
      },
    );
    expect(status).toBe(401);
    expect(headers['www-authenticate']).toBe('Basic realm="d1kit"');
  });

  it('refuses a request with more than one Authorization header (Node would keep only the first)', async () => {
    const response = await rawRequest(`${server.url}${TOKEN_ENDPOINT_PATH}`, {
      method: 'POST',
      headers: { ...FORM, authorization: [D1, basic('other', 'other-secret')] },
      body: 'grant_type=client_credentials',
    });
    expect(response.status).toBe(400);
    expect(JSON.parse(response.body)).toMatchObject({ error: 'invalid_request' });
  });

  it('refuses body credentials unless enabled, and two authentication methods at once', async () => {
    const inBody = 'grant_type=client_credentials&client_id=d1-client&client_secret=d1-secret';
    expect((await post(inBody, FORM)).status).toBe(401);
    expect((await post(inBody, FORM, '/body-credentials')).status).toBe(200);
    expect((await post(inBody, { ...FORM, authorization: D1 }, '/body-credentials')).status).toBe(400);
    const otherId = 'grant_type=client_credentials&client_id=other';
    expect((await post(otherId)).body.error).toBe('invalid_request');
    expect((await post('grant_type=client_credentials&client_id=d1-client')).status).toBe(200);
  });

  it('answers 500 server_error without details when signing fails', async () => {
    const response = await post('grant_type=client_credentials', undefined, '/broken');
    expect(response).toMatchObject({ status: 500, body: { error: 'server_error' } });
  });

  it('never answers 500 to arbitrary bodies and headers', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ maxLength: 200 }),
        fc.option(
          fc.string({ maxLength: 80 }).map((s) => s.replace(/[^\x20-\x7E]/g, '')),
          { nil: undefined },
        ),
        fc.constantFrom('application/x-www-form-urlencoded', 'application/json', 'multipart/form-data'),
        async (body, auth, contentType) => {
          const headers: Record<string, string> = { 'content-type': contentType };
          if (auth !== undefined) headers.authorization = auth;
          const { status } = await post(body, headers, '/any-method');
          expect([400, 401, 429]).toContain(status);
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('token endpoint: throttling', () => {
  it('throttles per client id and caller, so failures from one caller cannot lock out another', async () => {
    const app = express();
    app.post('/t', await endpoint({ callerKey: (req) => String(req.headers['x-test-caller']) }));
    const local = await listen(app);
    try {
      const send = (caller: string, auth: string) =>
        fetch(`${local.url}/t`, {
          method: 'POST',
          headers: { ...FORM, authorization: auth, 'x-test-caller': caller },
          body: 'grant_type=client_credentials',
        });
      for (let i = 0; i < 3; i++)
        expect((await send('attacker', basic('d1-client', 'guess'))).status).toBe(401);
      expect((await send('attacker', D1)).status).toBe(429);
      expect((await send('d1', D1)).status).toBe(200);
    } finally {
      await local.close();
    }
  });

  it('answers 429 with Retry-After after repeated failures, even to the right secret, until the window passes', async () => {
    const app = express();
    app.post('/t', await endpoint());
    const local = await listen(app);
    try {
      const send = (auth: string) =>
        fetch(`${local.url}/t`, {
          method: 'POST',
          headers: { ...FORM, authorization: auth },
          body: 'grant_type=client_credentials',
        });
      for (let i = 0; i < 3; i++) expect((await send(basic('d1-client', 'guess'))).status).toBe(401);
      const blocked = await send(D1);
      expect(blocked.status).toBe(429);
      expect(blocked.headers.get('retry-after')).toBe('60');
      expect(await blocked.json()).toMatchObject({ error: 'invalid_client' });
      // Unknown ids are throttled the same way, so 429 does not reveal which ids exist.
      for (let i = 0; i < 3; i++) expect((await send(basic('ghost', 'guess'))).status).toBe(401);
      expect((await send(basic('ghost', 'guess'))).status).toBe(429);
      // Other clients are not affected.
      expect((await send(basic('other', 'other-secret'))).status).toBe(200);
      clock += 60_000;
      expect((await send(D1)).status).toBe(200);
      // Parallel guesses cannot overrun the limit while their scrypt checks are still running.
      const burst = await Promise.all(Array.from({ length: 10 }, () => send(basic('d1-client', 'guess'))));
      const statuses = burst.map((response) => response.status).sort();
      expect(statuses).toEqual([401, 401, 401, 429, 429, 429, 429, 429, 429, 429]);
    } finally {
      await local.close();
    }
  });
});
