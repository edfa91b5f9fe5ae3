import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createD1Client, type D1Client, D1ClientError } from './index.js';
import { createTestEnvironment, type TestEnvironment } from './testing/index.js';

const PAN = '4111111111111111';
const SERVICES = {
  issuance: 'CREATION',
  delivery: 'NO_SHIPMENT',
  cardCarrier: 'NO_CARRIER',
  packaging: 'NO_PACK',
  pinMailer: false,
  alphaCard: false,
} as const;
const APP = { config: 'vis-163', odaKeyIndex: 1, derivationKeyIndex: 2 };

/** Runs the call, expects INVALID_INPUT before anything reached the server, and returns the error. */
async function refused(env: TestEnvironment, call: () => Promise<unknown>): Promise<D1ClientError> {
  const before = env.server.requests.length;
  const error = await call().then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(D1ClientError);
  expect(env.server.requests.length).toBe(before);
  return error as D1ClientError;
}

describe('bad input fails before any request, naming the field and never the value', () => {
  let env: TestEnvironment;
  let d1: D1Client;

  beforeAll(async () => {
    env = await createTestEnvironment();
    d1 = createD1Client(env.clientOptions);
  });
  afterAll(async () => {
    await d1?.close();
    await env?.close();
  });

  it('refuses a PAN that is not 10-19 digits', async () => {
    const error = await refused(env, () =>
      d1.cards.register('card-1', {
        consumerId: 'c',
        cardProductId: 'p',
        card: { pan: '4111 1111 1111 1111', exp: '1229' },
      }),
    );
    expect(error).toMatchObject({ code: 'INVALID_INPUT', field: 'card.pan', operationId: 'registerCard' });
    expect(error.issues).toEqual([{ location: 'plaintext', pointer: '/card/pan', rule: 'pattern' }]);
    expect(error.message).not.toContain('4111');
  });

  it('refuses a PAN whose Luhn check digit is wrong', async () => {
    const error = await refused(env, () =>
      d1.cards.register('card-1', {
        consumerId: 'c',
        cardProductId: 'p',
        card: { pan: '4111111111111112', exp: '1229' },
      }),
    );
    expect(error.issues).toEqual([{ location: 'plaintext', pointer: '/card/pan', rule: 'luhn' }]);
    expect(error.message).not.toMatch(/\d{6,}/);
  });

  it('accepts a non-Luhn test PAN when the check is switched off', async () => {
    const lax = createD1Client({ ...env.clientOptions, checkPanLuhn: false });
    try {
      const result = await lax.cards.register('card-lax', {
        consumerId: 'c',
        cardProductId: 'p',
        card: { pan: '4111111111111112', exp: '1229' },
      });
      expect(result.ok).toBe(true);
    } finally {
      await lax.close();
    }
  });

  it('catches the MMYY / YYMM trap in both directions', async () => {
    // 2906 is June 2029 as YYMM, so as MMYY it names month 29.
    const credentials = await refused(env, () =>
      d1.cards.register('card-1', { consumerId: 'c', cardProductId: 'p', card: { pan: PAN, exp: '2906' } }),
    );
    expect(credentials).toMatchObject({ field: 'card.exp', issues: [{ rule: 'pattern' }] });
    // 0629 is June 2029 as MMYY, so as YYMM it names month 29.
    const order = await refused(env, () =>
      d1.physicalCards.order('card-1', {
        distributionChannel: 'INSTANT',
        persoStation: 'K1',
        services: SERVICES,
        paymentApplication: APP,
        card: { pan: PAN, exp: '0629', panSequenceNumber: '00' },
      }),
    );
    expect(order).toMatchObject({ field: 'card.exp', operationId: 'orderPhysicalCard' });
    const short = await refused(env, () =>
      d1.cards.register('card-1', { consumerId: 'c', cardProductId: 'p', card: { pan: PAN, exp: '129' } }),
    );
    expect(short.field).toBe('card.exp');
  });

  it('refuses unknown plaintext members instead of encrypting them', async () => {
    const error = await refused(env, () =>
      d1.cards.register('card-1', {
        consumerId: 'c',
        cardProductId: 'p',
        card: { pan: PAN, exp: '1229', pin: '1234' } as never,
      }),
    );
    // @d1kit/jwe points at the object that holds the extra member.
    expect(error.issues).toContainEqual({
      location: 'plaintext',
      pointer: '/card',
      rule: 'additionalProperties',
    });
  });

  it('refuses a cardId that breaks the path pattern, and an over-long one', async () => {
    const error = await refused(env, () => d1.cards.suspend('card/../1', { reasonCode: 'CARD_LOST' }));
    expect(error).toMatchObject({
      code: 'INVALID_INPUT',
      field: 'path.cardId',
      issues: [{ location: 'path', rule: 'pattern' }],
    });
    const long = await refused(env, () => d1.physicalCards.status('x'.repeat(49)));
    expect(long.field).toBe('path.cardId');
    const empty = await refused(env, () => d1.cards.get(''));
    expect(empty.field).toBe('path.cardId');
  });

  it('refuses a wrong issuerId override and a non-string path value', async () => {
    const error = await refused(env, () => d1.cards.get('card-1', { issuerId: 'SHORT' }));
    expect(error.field).toBe('path.issuerId');
    const typed = await refused(env, () => d1.cards.get(42 as never));
    expect(typed.issues).toEqual([{ location: 'path', pointer: '/cardId', rule: 'type' }]);
  });

  it('checks headers: the correlation id pattern, declared headers only, none the client owns', async () => {
    const correlation = await refused(env, () => d1.cards.get('card-1', { correlationId: 'has space' }));
    expect(correlation.field).toBe('header.x-correlation-id');
    const userId = await refused(env, () =>
      d1.cards.create(
        { consumerId: 'c', cardProductId: 'p' },
        { headers: { 'x-user-id': 'far-too-long-user-id' } },
      ),
    );
    expect(userId.field).toBe('header.x-user-id');
    const owned = await refused(env, () =>
      d1.cards.get('card-1', { headers: { authorization: 'Bearer x' } as never }),
    );
    expect(owned.issues[0]).toMatchObject({ location: 'header', rule: 'reserved' });
    const unknown = await refused(env, () =>
      d1.cards.get('card-1', { headers: { 'x-user-id': 'u', 'x-extra': '1' } as never }),
    );
    expect(unknown.issues).toEqual([{ location: 'header', pointer: '/x-extra', rule: 'undeclared' }]);
  });

  it('checks the body against the spec after the JWE is in place', async () => {
    const reason = await refused(env, () => d1.cards.suspend('card-1', { reasonCode: 'BORED' as never }));
    expect(reason).toMatchObject({ field: 'reasonCode', issues: [{ location: 'body', rule: 'enum' }] });
    const consumer = await refused(env, () =>
      d1.cards.create({ consumerId: 'not valid!', cardProductId: 'p' }),
    );
    expect(consumer.field).toBe('consumerId');
    const missing = await refused(env, () =>
      d1.physicalCards.order('card-1', {
        distributionChannel: 'INSTANT',
        services: SERVICES,
        paymentApplication: APP,
        card: { pan: PAN, exp: '2906', panSequenceNumber: '00' },
      } as never),
    );
    // The variant named by distributionChannel is the one checked: its own required field is reported.
    expect(missing.issues).toEqual([{ location: 'body', pointer: '/persoStation', rule: 'required' }]);
    const channel = await refused(env, () =>
      d1.physicalCards.order('card-1', { distributionChannel: 'DRONE', services: SERVICES } as never),
    );
    expect(channel.issues).toContainEqual({
      location: 'body',
      pointer: '/distributionChannel',
      rule: 'enum',
    });
    const noBody = await refused(env, () => d1.cards.suspend('card-1', undefined as never));
    expect(noBody.issues).toEqual([{ location: 'body', pointer: '', rule: 'required' }]);
  });

  it('wants exactly one of plaintext and encryptedData, and a well-formed JWE', async () => {
    const both = await refused(env, () =>
      d1.cards.register('card-1', {
        consumerId: 'c',
        cardProductId: 'p',
        card: { pan: PAN, exp: '1229' },
        encryptedData: 'a.b.c.d.e',
      } as never),
    );
    expect(both.issues).toEqual([{ location: 'body', pointer: '/card', rule: 'exclusive' }]);
    const neither = await refused(env, () =>
      d1.cards.register('card-1', { consumerId: 'c', cardProductId: 'p' } as never),
    );
    expect(neither.issues).toEqual([{ location: 'body', pointer: '/encryptedData', rule: 'required' }]);
    const junk = await refused(env, () =>
      d1.cards.register('card-1', { consumerId: 'c', cardProductId: 'p', encryptedData: 'not a jwe' }),
    );
    expect(junk.issues).toEqual([{ location: 'body', pointer: '/encryptedData', rule: 'compactJwe' }]);
  });

  it('needs the D1 encryption key only when plaintext is given', async () => {
    const { d1EncryptionKey: _key, ...withoutKey } = env.clientOptions;
    const keyless = createD1Client(withoutKey);
    try {
      const before = env.server.requests.length;
      await expect(
        keyless.cards.register('card-1', {
          consumerId: 'c',
          cardProductId: 'p',
          card: { pan: PAN, exp: '1229' },
        }),
      ).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
      expect(env.server.requests.length).toBe(before);
      expect((await keyless.cards.get('card-1')).status).toBe(404);
    } finally {
      await keyless.close();
    }
  });

  it('refuses an unknown or outbound operationId in d1.request', async () => {
    await expect(d1.request('issueOutboundToken' as never, {} as never)).rejects.toMatchObject({
      code: 'UNKNOWN_OPERATION',
    });
    await expect(d1.request('nope' as never, {} as never)).rejects.toMatchObject({
      code: 'UNKNOWN_OPERATION',
    });
  });
});

describe('createD1Client options', () => {
  let env: TestEnvironment;
  beforeAll(async () => {
    env = await createTestEnvironment();
  });
  afterAll(async () => {
    await env?.close();
  });

  const cases: [string, Record<string, unknown>][] = [
    ['plain http', { environment: 'http://localhost:1' }],
    ['a base URL with a query', { environment: 'https://localhost:1/?x=1' }],
    ['an unknown environment name', { environment: 'preprod' }],
    ['a short issuerId', { issuerId: 'ABC' }],
    ['both tls and dispatcher', { dispatcher: {} }],
    ['neither tls nor dispatcher', { tls: undefined }],
    [
      'both assertionKey and tokenProvider',
      { tokenProvider: { getToken: async () => ({}), invalidate: () => {} } },
    ],
    ['a zero timeout', { timeoutMs: 0 }],
    ['eleven attempts', { retry: { maxAttempts: 11 } }],
    ['a negative delay', { retry: { baseDelayMs: -1 } }],
  ];
  it.each(cases)('refuses %s', (_name, change) => {
    expect(() => createD1Client({ ...env.clientOptions, ...change } as never)).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID' }),
    );
  });

  it('wraps refusals of the mTLS and token packages as CONFIG_INVALID with their code', () => {
    const mismatched = { ...env.clientOptions.tls, key: env.pki.serverTls.key };
    expect(() => createD1Client({ ...env.clientOptions, tls: mismatched })).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID', reason: 'MTLS_KEY_CERT_MISMATCH' }),
    );
    const junk = { kid: 'k1', privateKey: 'not a key' };
    expect(() => createD1Client({ ...env.clientOptions, assertionKey: junk })).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID', reason: 'KEY_INVALID' }),
    );
  });

  it('reports an unusable D1 encryption key at first use, as a typed error', async () => {
    const d1 = createD1Client({
      ...env.clientOptions,
      d1EncryptionKey: { kty: 'EC', crv: 'P-256', x: 'AA', y: 'AA', kid: 'k' },
    });
    try {
      await expect(
        d1.cards.register('card-1', { consumerId: 'c', cardProductId: 'p', card: { pan: PAN, exp: '1229' } }),
      ).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
    } finally {
      await d1.close();
    }
  });

  it('refuses a bad per-call timeout', async () => {
    const d1 = createD1Client(env.clientOptions);
    try {
      await expect(d1.cards.get('card-1', { timeoutMs: -5 })).rejects.toMatchObject({
        code: 'CONFIG_INVALID',
      });
    } finally {
      await d1.close();
    }
  });
});
