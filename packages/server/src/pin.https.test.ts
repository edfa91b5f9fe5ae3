import { generateKeyPair, importRecipientKey, pinBlockPayload } from '@d1kit/jwe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIssuerApp } from './issuer-router.js';
import type { HandlerContext } from './operation-types.js';
import {
  createTestKeys,
  ISSUER_ID,
  startTestIssuer,
  type TestIssuer,
  type TestKeys,
  testTokenEndpoint,
} from './test-support.js';

const PIN_PATH = (cardId: string) => `/cms/api/v1/issuers/${ISSUER_ID}/cards/${cardId}/pin`;
const PIN_BLOCK = '041234FFFFFFFFFE';

let keys: TestKeys;
let issuer: TestIssuer;
let token: string;
const received: { pinBlock: string; type: string; context: HandlerContext }[] = [];

beforeAll(async () => {
  keys = await createTestKeys();
  issuer = await startTestIssuer({
    auth: { bearer: 'required' },
    keys: { decryption: keys.issuerDecryption, d1: keys.d1Recipient },
    handlers: {
      getCardPin: async ({ params }) => {
        if (params.cardId === 'unknown-card') return { status: 404, body: { error: 'CARD_NOT_FOUND' } };
        if (params.cardId === 'bad-plaintext') {
          return { status: 200, body: { type: 'ISO0', encryptedData: { pinBlock: 'not-hex' } } };
        }
        return { status: 200, body: { type: 'ISO0', encryptedData: { pinBlock: PIN_BLOCK } } };
      },
      setCardPin: async ({ body }, context) => {
        received.push({ pinBlock: body.encryptedData.pinBlock, type: body.type, context });
        return { status: 204 };
      },
    },
  });
  token = await issuer.token();
});
afterAll(() => issuer?.close());

describe('getCardPin over HTTPS + mTLS', () => {
  it('encrypts the returned PIN block to D1 and validates the wire body', async () => {
    const reply = await issuer.call('GET', PIN_PATH('card-1'), { token });
    expect(reply.status).toBe(200);
    const body = reply.json();
    expect(body.type).toBe('ISO0');
    expect(String(body.encryptedData).split('.')).toHaveLength(5);
    expect(reply.text).not.toContain(PIN_BLOCK);
    const header = JSON.parse(Buffer.from(String(body.encryptedData).split('.')[0]!, 'base64url').toString());
    expect(header).toMatchObject({ alg: 'ECDH-ES', enc: 'A256GCM', kid: keys.d1Recipient.kid });
    expect(await pinBlockPayload.decrypt(String(body.encryptedData), keys.d1Decryption)).toEqual({
      pinBlock: PIN_BLOCK,
    });
  });

  it('passes declared error answers through', async () => {
    const reply = await issuer.call('GET', PIN_PATH('unknown-card'), { token });
    expect([reply.status, reply.json()]).toEqual([404, { error: 'CARD_NOT_FOUND' }]);
  });

  it('answers 500 (and logs the pointer) when the handler returns a plaintext that breaks its schema', async () => {
    const reply = await issuer.call('GET', PIN_PATH('bad-plaintext'), {
      token,
      headers: { 'x-correlation-id': 'pin-bad' },
    });
    expect(reply.status).toBe(500);
    const logged = issuer.logger.entries.find(
      (e) => e.fields.correlationId === 'pin-bad' && e.level === 'error',
    );
    expect(logged?.fields).toMatchObject({ event: 'response.invalid', pointer: '/body/encryptedData' });
    expect(JSON.stringify(logged)).not.toContain('not-hex');
  });

  it('refuses a missing, malformed or forged bearer token with 401', async () => {
    const missing = await issuer.call('GET', PIN_PATH('card-1'));
    expect([missing.status, missing.json().error]).toEqual([401, 'invalid_token']);
    const [head, payload] = token.split('.');
    const forged = `${head}.${payload}.${'A'.repeat(86)}`;
    for (const bad of [forged, 'not-a-jwt', `${token}x`]) {
      const reply = await issuer.call('GET', PIN_PATH('card-1'), { token: bad });
      expect(reply.status).toBe(401);
      expect(reply.headers['www-authenticate']).toContain('invalid_token');
    }
    const basic = await issuer.call('GET', PIN_PATH('card-1'), {
      headers: { authorization: 'Basic Zm9vOmJhcg==' },
    });
    expect(basic.status).toBe(401);
  });

  it('accepts the `Bearer:` spelling one D1 example uses', async () => {
    const reply = await issuer.call('GET', PIN_PATH('card-1'), {
      headers: { authorization: `Bearer: ${token}` },
    });
    expect(reply.status).toBe(200);
  });
});

describe('setCardPin over HTTPS + mTLS', () => {
  it('decrypts the PIN block before the handler sees it and tells it who called', async () => {
    const encryptedData = await pinBlockPayload.encrypt({ pinBlock: PIN_BLOCK }, keys.issuerRecipient);
    const reply = await issuer.call('PUT', PIN_PATH('card-2'), {
      token,
      body: { type: 'ISO0', encryptedData },
    });
    expect(reply.status).toBe(204);
    const last = received.at(-1)!;
    expect([last.pinBlock, last.type]).toEqual([PIN_BLOCK, 'ISO0']);
    expect(last.context.client?.d1?.issuerId).toBe(ISSUER_ID);
    expect(last.context.bearer).toMatchObject({ authenticated: true, clientId: 'd1-tenant' });
    expect(last.context.operationId).toBe('setCardPin');
  });

  it('accepts an unknown PIN-block type (open enum)', async () => {
    const encryptedData = await pinBlockPayload.encrypt({ pinBlock: PIN_BLOCK }, keys.issuerRecipient);
    const reply = await issuer.call('PUT', PIN_PATH('card-2'), {
      token,
      body: { type: 'FUTURE_FORMAT', encryptedData },
    });
    expect(reply.status).toBe(204);
  });

  it('refuses JWEs it cannot use with 400 and the pointer of the field', async () => {
    const stranger = await importRecipientKey((await generateKeyPair()).publicJwk);
    const wrongKey = await pinBlockPayload.encrypt({ pinBlock: PIN_BLOCK }, stranger);
    const cases: [string, RegExp][] = [
      [wrongKey, /JWE_KID_UNKNOWN/],
      ['abc.def', /cannot be decrypted/],
      [
        `${(await pinBlockPayload.encrypt({ pinBlock: PIN_BLOCK }, keys.issuerRecipient)).slice(0, -4)}AAAA`,
        /JWE_/,
      ],
    ];
    for (const [encryptedData, reason] of cases) {
      const reply = await issuer.call('PUT', PIN_PATH('card-2'), {
        token,
        body: { type: 'ISO0', encryptedData },
      });
      expect(reply.status).toBe(400);
      expect(reply.json().error).toBe('INVALID_FIELD');
      expect(String(reply.json().message)).toMatch(/^\/body\/encryptedData: /);
      expect(String(reply.json().message)).toMatch(reason);
    }
  });

  it('refuses a decrypted PIN block that breaks the plaintext schema, naming the inner pointer only', async () => {
    const { encrypt } = await import('@d1kit/jwe');
    const encryptedData = await encrypt(JSON.stringify({ pinBlock: '1234' }), keys.issuerRecipient);
    const reply = await issuer.call('PUT', PIN_PATH('card-2'), {
      token,
      body: { type: 'ISO0', encryptedData },
    });
    expect(reply.status).toBe(400);
    expect(String(reply.json().message)).toContain('/pinBlock (pattern)');
    expect(reply.text).not.toContain('"1234"');
  });

  it('validates the outer body first', async () => {
    const missingType = await issuer.call('PUT', PIN_PATH('card-2'), {
      token,
      body: { encryptedData: 'a.b.c.d.e' },
    });
    expect([missingType.status, missingType.json().error]).toEqual([400, 'MISSING_FIELD']);
    const tooLong = await issuer.call('PUT', PIN_PATH('card-2'), {
      token,
      body: { type: 'ISO0', encryptedData: 'a'.repeat(8193) },
    });
    expect(String(tooLong.json().message)).toMatch(/^\/body\/encryptedData: must NOT have more than 8192/);
  });
});

describe('JWE key configuration', () => {
  it('refuses to start a PIN handler without the keys it needs', async () => {
    const tokenEndpoint = await testTokenEndpoint();
    const base = { auth: { mtls: 'off' as const, bearer: 'off' as const, tokenEndpoint } };
    await expect(
      createIssuerApp({
        ...base,
        handlers: { getCardPin: async () => ({ status: 404, body: { error: 'x' } }) },
      }),
    ).rejects.toMatchObject({ code: 'CONFIG_INVALID', message: expect.stringContaining('keys.d1') });
    await expect(
      createIssuerApp({ ...base, handlers: { setCardPin: async () => ({ status: 204 }) } }),
    ).rejects.toMatchObject({ code: 'CONFIG_INVALID', message: expect.stringContaining('keys.decryption') });
  });
});
