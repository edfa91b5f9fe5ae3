import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIssuerApp } from './issuer-router.js';
import {
  CLIENT_ID,
  CLIENT_SECRET,
  ISSUER_ID,
  startTestIssuer,
  type TestIssuer,
  testTokenEndpoint,
} from './test-support.js';

const TOKEN = '/authz/d1/v1/oauth2/token';
const ACTIVATE = `/cms/api/v1/issuers/${ISSUER_ID}/physicalCards/card-1/activate`;
const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
const form = { 'content-type': 'application/x-www-form-urlencoded' };

const handlers = { ActivateCard: async () => ({ status: 204 as const }) };

describe('issueOutboundToken over HTTPS + mTLS', () => {
  let issuer: TestIssuer;
  beforeAll(async () => {
    issuer = await startTestIssuer({ handlers, auth: { bearer: 'optional' } });
  });
  afterAll(() => issuer?.close());

  it('issues a token with the OAuth headers the spec requires, passing response validation', async () => {
    const reply = await issuer.call('POST', TOKEN, {
      headers: { ...form, authorization: basic(CLIENT_ID, CLIENT_SECRET), 'x-correlation-id': 'tok-1' },
      raw: 'grant_type=client_credentials',
    });
    expect(reply.status).toBe(200);
    expect(reply.headers['cache-control']).toBe('no-store');
    expect(reply.headers.pragma).toBe('no-cache');
    expect(reply.headers['x-correlation-id']).toBe('tok-1');
    const body = reply.json();
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: '900' });
    expect(String(body.access_token).split('.')).toHaveLength(3);
  });

  it.each([
    [
      'wrong secret',
      { ...form, authorization: basic(CLIENT_ID, 'wrong-secret-value') },
      'grant_type=client_credentials',
      401,
      'invalid_client',
    ],
    ['no credentials', form, 'grant_type=client_credentials', 401, 'invalid_client'],
    [
      'unsupported grant',
      { ...form, authorization: basic(CLIENT_ID, CLIENT_SECRET) },
      'grant_type=password',
      400,
      'unsupported_grant_type',
    ],
    [
      'missing grant',
      { ...form, authorization: basic(CLIENT_ID, CLIENT_SECRET) },
      'scope=x',
      400,
      'invalid_request',
    ],
    [
      'JSON body',
      { 'content-type': 'application/json', authorization: basic(CLIENT_ID, CLIENT_SECRET) },
      '{"grant_type":"client_credentials"}',
      400,
      'invalid_request',
    ],
    [
      'repeated parameter',
      { ...form, authorization: basic(CLIENT_ID, CLIENT_SECRET) },
      'grant_type=client_credentials&grant_type=client_credentials',
      400,
      'invalid_request',
    ],
  ])('answers %s with the RFC 6749 error the spec declares', async (_label, headers, raw, status, error) => {
    const reply = await issuer.call('POST', TOKEN, { headers, raw });
    expect([reply.status, reply.json().error]).toEqual([status, error]);
    expect(reply.text).not.toContain(CLIENT_SECRET);
    expect(issuer.logger.entries.some((e) => e.fields.event === 'response.invalid')).toBe(false);
  });

  it('answers 405 for GET on the token path', async () => {
    expect((await issuer.call('GET', TOKEN)).status).toBe(405);
  });

  it('optional mode: no token passes, a bad token does not', async () => {
    expect((await issuer.call('POST', ACTIVATE)).status).toBe(204);
    expect((await issuer.call('POST', ACTIVATE, { token: 'garbage' })).status).toBe(401);
    expect((await issuer.call('POST', ACTIVATE, { token: await issuer.token() })).status).toBe(204);
  });

  it('logs token events without secrets or tokens', () => {
    const text = JSON.stringify(issuer.logger.entries);
    expect(text).toContain('token.issued');
    expect(text).not.toContain(CLIENT_SECRET);
    expect(text).not.toMatch(/eyJ[A-Za-z0-9_-]{20,}/);
  });
});

describe('bearer modes and scopes', () => {
  it('off: the Authorization header is not looked at, and there is no token endpoint unless configured', async () => {
    const issuer = await startTestIssuer({ handlers, auth: { bearer: 'off', tokenEndpoint: undefined } });
    try {
      expect((await issuer.call('POST', ACTIVATE, { token: 'garbage' })).status).toBe(204);
      expect(
        (await issuer.call('POST', TOKEN, { headers: form, raw: 'grant_type=client_credentials' })).status,
      ).toBe(404);
    } finally {
      await issuer.close();
    }
  });

  it('answers 403 insufficient_scope when the token lacks a required scope', async () => {
    const issuer = await startTestIssuer({ handlers, auth: { bearer: 'required', scope: 'notifications' } });
    try {
      const reply = await issuer.call('POST', ACTIVATE, { token: await issuer.token() });
      expect([reply.status, reply.json().error]).toEqual([403, 'insufficient_scope']);
    } finally {
      await issuer.close();
    }
  });

  it('refuses auth configurations that cannot work', async () => {
    const tokenEndpoint = await testTokenEndpoint();
    const cases: unknown[] = [
      { mtls: 'off', bearer: 'required' },
      { mtls: 'off', bearer: 'sometimes', tokenEndpoint },
      { bearer: 'off' },
      { mtls: 'off', bearer: 'optional', tokenEndpoint, bearerCacheSeconds: 3600 },
    ];
    for (const auth of cases) {
      await expect(
        createIssuerApp({ handlers, auth: auth as never }),
        JSON.stringify(auth),
      ).rejects.toMatchObject({
        name: 'ServerError',
        code: 'CONFIG_INVALID',
      });
    }
  });
});
