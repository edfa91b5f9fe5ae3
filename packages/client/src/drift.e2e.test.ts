import { generateKeyPairSync } from 'node:crypto';
import { MockAgent } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createD1Client, type D1Client, type LogFields, type ResponseDrift } from './index.js';
import { createTestEnvironment, type TestEnvironment } from './testing/index.js';

describe('response validation against the spec', () => {
  let env: TestEnvironment;
  let d1: D1Client;
  const reported: ResponseDrift[][] = [];
  const warnings: [string, LogFields][] = [];

  beforeAll(async () => {
    env = await createTestEnvironment();
    d1 = createD1Client({
      ...env.clientOptions,
      onDrift: (drift) => reported.push([...drift]),
      logger: { warn: (event, fields) => warnings.push([event, fields]) },
    });
    await d1.cards.register('card-1', {
      consumerId: 'c',
      cardProductId: 'p',
      card: { pan: '4111111111111111', exp: '1229' },
    });
  });
  afterEach(() => {
    env.server.clearFaults();
    reported.length = 0;
    warnings.length = 0;
  });
  afterAll(async () => {
    await d1?.close();
    await env?.close();
  });

  it('is on by default outside production and finds nothing in conforming answers', async () => {
    const result = await d1.cards.get('card-1');
    expect(result).toMatchObject({ ok: true, drift: [] });
    expect(reported).toEqual([]);
  });

  it('reports drift with operation and JSON pointer, and still returns the data', async () => {
    env.server.inject({
      operationId: 'getCard',
      respond: { status: 200, body: { cardId: 42, consumerId: 'not valid!', threeDSsupport: 'yes' } },
    });
    const result = await d1.cards.get('card-1');
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.data).toMatchObject({ cardId: 42, threeDSsupport: 'yes' });
    const pointers = result.drift.map((d) => d.pointer).sort();
    expect(pointers).toEqual(['/cardId', '/consumerId', '/threeDSsupport']);
    expect(result.drift[0]).toMatchObject({ operationId: 'getCard', status: 200 });
    expect(reported).toEqual([result.drift]);
    expect(warnings.filter(([event]) => event === 'd1.response.drift')).toHaveLength(3);
    // Messages describe the rule, never the value D1 sent.
    expect(result.drift.map((d) => d.message).join(' ')).not.toMatch(/not valid|yes|42/);
  });

  it('reports a missing required property deep in a list', async () => {
    env.server.inject({
      operationId: 'getPhysicalCardProductionStatus',
      respond: {
        status: 200,
        body: { operations: [{ operationId: 'op1', operation: 'PRODUCE', status: 'PENDING', cardId: 'c' }] },
      },
    });
    await d1.physicalCards.order('card-9', {
      distributionChannel: 'INSTANT',
      persoStation: 'K1',
      services: {
        issuance: 'CREATION',
        delivery: 'x',
        cardCarrier: 'x',
        packaging: 'x',
        pinMailer: false,
        alphaCard: false,
      },
      paymentApplication: { config: 'c', odaKeyIndex: 1, derivationKeyIndex: 1 },
      card: { pan: '4111111111111111', exp: '2906', panSequenceNumber: '00' },
    });
    const result = await d1.physicalCards.status('card-9');
    expect(result.drift).toEqual([
      expect.objectContaining({ pointer: '/operations/0/startTime', message: 'is required but missing' }),
    ]);
  });

  it('does not count unknown fields or new values of open enums as drift', async () => {
    env.server.inject({
      operationId: 'getPhysicalCardProductionStatus',
      respond: {
        status: 200,
        body: {
          futureField: { nested: true },
          operations: [
            {
              operationId: 'op1',
              operation: 'TELEPORT',
              status: 'QUEUED_ON_MARS',
              startTime: '2026-01-01T00:00:00Z',
              cardId: 'card-9',
              details: { status: 'CARD_PROD_ON_HOLD', carrierPigeon: 'yes' },
            },
          ],
        },
      },
    });
    const result = await d1.physicalCards.status('card-9');
    expect(result).toMatchObject({ ok: true, drift: [] });
  });

  it('reports an empty success body where the spec declares one, and a body where none is declared', async () => {
    env.server.inject({ operationId: 'getCard', respond: { status: 200 } });
    const empty = await d1.cards.get('card-1');
    expect(empty).toMatchObject({ ok: true, data: undefined });
    expect(empty.drift).toEqual([
      expect.objectContaining({ pointer: '', message: expect.stringContaining('empty') }),
    ]);
  });

  it('can be switched off', async () => {
    const quiet = createD1Client({
      ...env.clientOptions,
      validateResponses: false,
      onDrift: (d) => reported.push([...d]),
    });
    try {
      env.server.inject({ operationId: 'getCard', respond: { status: 200, body: { cardId: 42 } } });
      expect(await quiet.cards.get('card-1')).toMatchObject({ ok: true, drift: [] });
      expect(reported).toEqual([]);
    } finally {
      await quiet.close();
    }
  });
});

describe('named environments', () => {
  const json = { headers: { 'content-type': 'application/json' } };

  it('maps production to D1 hosts with each spec keeping its server path, and validates nothing there', async () => {
    const agent = new MockAgent();
    agent.disableNetConnect();
    const d1Host = agent.get('https://api.d1.thalescloud.io');
    d1Host
      .intercept({ path: '/authz/v1/oauth2/token', method: 'POST' })
      .reply(200, { access_token: 'tok', expires_in: 900, token_type: 'Bearer' }, json);
    d1Host
      .intercept({ path: '/banking/v2/issuers/ISSUER0001/cards/card-1', method: 'GET' })
      .reply(200, { cardId: 42 }, json);
    d1Host
      .intercept({
        path: '/banking/v1/issuers/ISSUER0001/physicalCards/card-1/productionStatus',
        method: 'GET',
      })
      .reply(404, '', {});
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const d1 = createD1Client({
      environment: 'production',
      issuerId: 'ISSUER0001',
      dispatcher: agent,
      assertionKey: { kid: 'k1', privateKey },
    });
    try {
      expect(await d1.cards.get('card-1')).toMatchObject({ ok: true, data: { cardId: 42 }, drift: [] });
      expect(await d1.physicalCards.status('card-1')).toMatchObject({ ok: false, status: 404 });
      agent.assertNoPendingInterceptors();
    } finally {
      await agent.close();
    }
  });

  it('uses the develop host for every spec, validating responses', async () => {
    const agent = new MockAgent();
    agent.disableNetConnect();
    const host = agent.get('https://develop-api.d1-dev.thalescloud.io');
    host
      .intercept({ path: '/authz/v1/oauth2/token', method: 'POST' })
      .reply(200, { access_token: 'tok', expires_in: 900, token_type: 'Bearer' }, json);
    host
      .intercept({ path: '/banking/v2/issuers/ISSUER0001/cards/card-1', method: 'GET' })
      .reply(200, { cardId: 42 }, json);
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const d1 = createD1Client({
      environment: 'develop',
      issuerId: 'ISSUER0001',
      dispatcher: agent,
      assertionKey: { kid: 'k1', privateKey },
    });
    try {
      const result = await d1.cards.get('card-1');
      expect(result.drift.map((d) => d.pointer)).toEqual(['/cardId']);
    } finally {
      await agent.close();
    }
  });
});
