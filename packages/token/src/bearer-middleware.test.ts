import express, { type RequestHandler } from 'express';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearerAuth, extractBearerToken, getBearerAuth } from './bearer-middleware.js';
import { createBearerVerifier } from './bearer-verifier.js';
import type { TokenError } from './errors.js';
import { KeyRing } from './key-ring.js';
import { p256 } from './test-support/keys.js';
import { type Listening, listen, rawRequest } from './test-support/servers.js';

const ISS = 'https://issuer.example/authz/d1/v1';
const AUD = 'https://issuer.example/d1';
const key = p256('as-k1');
const verifier = createBearerVerifier({ keys: new KeyRing({ current: key }), issuer: ISS, audience: AUD });
const failures: string[] = [];
let server: Listening;

function token(scope = 'pin:read', claims: Record<string, unknown> = {}) {
  const now = Math.floor(Date.now() / 1000);
  const payload = { iss: ISS, aud: AUD, sub: 'd1-client', iat: now, exp: now + 900, scope, ...claims };
  return new SignJWT(payload)
    .setProtectedHeader({ alg: 'ES256', kid: 'as-k1', typ: 'at+jwt' })
    .sign(key.privateKey);
}

const echo: RequestHandler = (_req, res) => {
  const auth = getBearerAuth(res);
  res.json({
    mode: auth?.mode,
    authenticated: auth?.authenticated,
    clientId: auth?.authenticated ? auth.clientId : null,
  });
};

beforeAll(async () => {
  const onFailure = (error: TokenError) => failures.push(`${error.code}:${error.reason ?? ''}`);
  const app = express();
  app.get('/required', bearerAuth({ mode: 'required', verifier, onFailure }), echo);
  app.get('/optional', bearerAuth({ mode: 'optional', verifier, onFailure }), echo);
  app.get('/off', bearerAuth({ mode: 'off' }), echo);
  app.get('/pin', bearerAuth({ mode: 'required', verifier, scope: 'pin:read', onFailure }), echo);
  app.put(
    '/pin',
    bearerAuth({ mode: 'required', verifier, scope: ['pin:read', 'pin:write'], onFailure }),
    echo,
  );
  app.get('/optional-pin', bearerAuth({ mode: 'optional', verifier, scope: 'pin:write' }), echo);
  server = await listen(app);
});
afterAll(() => server.close());

async function call(path: string, authorization?: string, method = 'GET') {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: authorization ? { authorization } : {},
  });
  return {
    status: response.status,
    challenge: response.headers.get('www-authenticate'),
    body: (await response.json()) as Record<string, unknown>,
  };
}

describe('bearerAuth', () => {
  it('required: passes a valid token and exposes the verified client', async () => {
    expect(await call('/required', `Bearer ${await token()}`)).toMatchObject({
      status: 200,
      body: { mode: 'required', authenticated: true, clientId: 'd1-client' },
    });
  });

  it('tolerates `Bearer: <t>` and a lowercase scheme', async () => {
    const t = await token();
    expect((await call('/required', `Bearer: ${t}`)).status).toBe(200);
    expect((await call('/required', `bearer ${t}`)).status).toBe(200);
  });

  it('required: 401 without an error code when no token was sent', async () => {
    expect(await call('/required')).toEqual({
      status: 401,
      challenge: 'Bearer realm="d1kit"',
      body: { error: 'invalid_token', message: 'An access token is required' },
    });
  });

  it.each([
    ['a garbage token', 'Bearer not-a-jwt'],
    ['a Basic header', 'Basic ZDE6c2VjcmV0'],
    ['two tokens', 'Bearer a.b.c d.e.f'],
    ['an empty bearer', 'Bearer '],
  ])('answers 401 invalid_token in D1 error shape to %s', async (_name, authorization) => {
    expect(await call('/required', authorization)).toEqual({
      status: 401,
      challenge: 'Bearer realm="d1kit", error="invalid_token"',
      body: { error: 'invalid_token', message: 'The access token is invalid' },
    });
  });

  it('reports the typed reason to onFailure without the token', async () => {
    failures.length = 0;
    const expired = await token('pin:read', { exp: Math.floor(Date.now() / 1000) - 3600 });
    await call('/required', `Bearer ${expired}`);
    expect(failures).toEqual(['BEARER_INVALID:exp']);
  });

  it('optional: lets a request without a token through, but still refuses a bad one', async () => {
    expect(await call('/optional')).toMatchObject({
      status: 200,
      body: { mode: 'optional', authenticated: false },
    });
    expect((await call('/optional', 'Bearer x.y.z')).status).toBe(401);
    expect((await call('/optional', `Bearer ${await token()}`)).body.authenticated).toBe(true);
    expect((await call('/optional-pin')).status).toBe(200);
    expect((await call('/optional-pin', `Bearer ${await token()}`)).status).toBe(403);
  });

  it('off: relies on mTLS alone and ignores any Authorization header', async () => {
    expect(await call('/off')).toMatchObject({ status: 200, body: { mode: 'off', authenticated: false } });
    expect((await call('/off', 'Bearer garbage')).status).toBe(200);
  });

  it('per-route scope: 403 insufficient_scope when a required scope is missing', async () => {
    const readOnly = `Bearer ${await token('pin:read')}`;
    expect((await call('/pin', readOnly)).status).toBe(200);
    expect(await call('/pin', readOnly, 'PUT')).toEqual({
      status: 403,
      challenge: 'Bearer realm="d1kit", error="insufficient_scope", scope="pin:read pin:write"',
      body: { error: 'insufficient_scope', message: 'The access token lacks a required scope' },
    });
    expect((await call('/pin', `Bearer ${await token('pin:read pin:write')}`, 'PUT')).status).toBe(200);
  });

  it('requires the mode to be written down', () => {
    for (const options of [{}, { mode: 'sometimes' }, undefined, { mode: 'required' }]) {
      expect(() => bearerAuth(options as never)).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    }
    expect(() => bearerAuth({ mode: 'required', verifier, scope: 'bad scope' })).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID' }),
    );
  });
});

describe('extractBearerToken', () => {
  it.each([
    [undefined, undefined],
    ['', undefined],
    ['Bearer abc', 'abc'],
    ['Bearer:   abc  ', 'abc'],
    ['Bearer abc=', 'abc='],
    ['Bearerabc', null],
    ['Token abc', null],
    ['Bearer a"b', null],
    [['Bearer a'], null],
  ])('%j -> %j', (header, expected) => {
    expect(extractBearerToken(header)).toBe(expected);
  });
});

describe('bearerAuth: repeated Authorization headers', () => {
  it('refuses two Authorization headers even when the first holds a valid token', async () => {
    const valid = `Bearer ${await token()}`;
    for (const path of ['/required', '/optional']) {
      const response = await rawRequest(`${server.url}${path}`, {
        method: 'GET',
        headers: { authorization: [valid, 'Bearer forged'] },
      });
      expect(response.status).toBe(401);
      expect(JSON.parse(response.body)).toMatchObject({ error: 'invalid_token' });
    }
  });
});
