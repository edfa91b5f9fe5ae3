import { encrypt, importRecipientKey } from '@d1kit/jwe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createD1Client, type D1Client } from './index.js';
import { createTestEnvironment, type TestEnvironment } from './testing/index.js';

const PAN = '4111111111111111';
const CORRELATION_ID = /^[A-Za-z0-9_-]{1,64}$/;

// Fields with a schema default are typed as present by the generator (see README, known gaps).
const SERVICES = {
  issuance: 'CREATION',
  delivery: 'NO_SHIPMENT',
  cardCarrier: 'NO_CARRIER',
  packaging: 'NO_PACK',
  pinMailer: false,
  alphaCard: false,
} as const;

describe('createD1Client against the local D1 simulator (HTTPS, mTLS, real tokens, real JWE)', () => {
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

  it('runs token → create card → order an instant card → status', async () => {
    const token = await d1.tokenProvider!.getToken();
    expect(token.tokenType).toBe('Bearer');
    expect(env.server.tokens.issuedCount).toBe(1);
    const grant = env.server.requests.find((r) => r.operationId === 'getToken');
    expect(grant).toMatchObject({ method: 'POST', url: '/authz/v1/oauth2/token', authorization: false });
    expect(grant?.correlationId).toMatch(CORRELATION_ID);

    const created = await d1.cards.create({ consumerId: 'consumer-1', cardProductId: 'product-1' });
    expect(created.ok).toBe(true);
    if (!created.ok) return;
    expect(created.status).toBe(201);
    const cardId = created.data!.cardId!;
    expect(env.server.simulator.cards.get(cardId)?.state).toBe('ACTIVE');

    const order = await d1.physicalCards.order(cardId, {
      distributionChannel: 'INSTANT',
      persoStation: 'KIOSK-PS-101',
      issuerRequestId: 'order-0001',
      consumerId: 'consumer-1',
      cardProductId: 'product-1',
      services: SERVICES,
      paymentApplication: { config: 'vis-163', odaKeyIndex: 1, derivationKeyIndex: 2 },
      card: { pan: PAN, exp: '2906', panSequenceNumber: '00', name: 'A N OTHER' },
    });
    expect(order).toMatchObject({ ok: true, status: 202, drift: [] });
    const stored = env.server.simulator.orders.get(cardId);
    expect(stored).toMatchObject({ maskedPan: '411111…1111', exp: '2906', issuerRequestId: 'order-0001' });

    const status = await d1.physicalCards.status(cardId);
    expect(status.ok).toBe(true);
    if (!status.ok) return;
    expect(status.data.operations[0]).toMatchObject({ operation: 'PRODUCE', status: 'SUCCESSFUL', cardId });
    expect(status.data.operations[0]?.operationId).toBe(order.ok ? order.data?.operationId : undefined);
    // One token served every call.
    expect(env.server.tokens.issuedCount).toBe(1);
  });

  it('sends a bearer token and a generated x-correlation-id on every call, the same on each attempt', async () => {
    const before = env.server.requests.length;
    const result = await d1.cards.get('does-not-exist');
    const sent = env.server.requests.slice(before);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ operationId: 'getCard', authorization: true });
    expect(sent[0]!.correlationId).toMatch(CORRELATION_ID);
    expect(result.correlationId).toBe(sent[0]!.correlationId);
  });

  it('passes a caller correlation id and declared headers through', async () => {
    const before = env.server.requests.length;
    await d1.cards.create(
      { consumerId: 'consumer-2', cardProductId: 'product-1' },
      { correlationId: 'batch-42_item-7', headers: { 'x-user-id': 'agent-7' } },
    );
    expect(env.server.requests[before]?.correlationId).toBe('batch-42_item-7');
  });

  it('registers a card from typed plaintext: D1 decrypts exactly what was given', async () => {
    const result = await d1.cards.register('card-reg-1', {
      consumerId: 'consumer-1',
      cardProductId: 'product-1',
      card: { pan: PAN, exp: '1229' },
    });
    expect(result).toMatchObject({ ok: true, status: 204 });
    expect(env.server.simulator.cards.get('card-reg-1')).toMatchObject({
      maskedPan: '411111…1111',
      exp: '1229',
    });
  });

  it('still accepts a JWE the caller built', async () => {
    const recipient = await importRecipientKey(env.d1Key.publicJwk);
    const encryptedData = await encrypt(JSON.stringify({ pan: '5555555555554444', exp: '0331' }), recipient);
    const result = await d1.cards.register('card-reg-2', {
      consumerId: 'consumer-1',
      cardProductId: 'product-1',
      encryptedData,
    });
    expect(result.ok).toBe(true);
    expect(env.server.simulator.cards.get('card-reg-2')).toMatchObject({
      maskedPan: '555555…4444',
      exp: '0331',
    });
  });

  it('runs the card life cycle and returns D1 refusals as typed failures', async () => {
    await d1.cards.register('card-life', {
      consumerId: 'consumer-1',
      cardProductId: 'product-1',
      card: { pan: PAN, exp: '1229' },
    });
    expect(
      (await d1.cards.suspend('card-life', { reasonCode: 'CARD_STOLEN', reason: 'reported by phone' }))
        .status,
    ).toBe(204);
    const refused = await d1.cards.resume('card-life', { reasonCode: 'CARD_FOUND' });
    expect(refused.ok).toBe(false);
    if (refused.ok) return;
    expect(refused.status).toBe(403);
    expect(refused.error).toMatchObject({
      status: 403,
      code: 'REASON_NOT_ALLOWED',
      correlationId: refused.correlationId,
    });
    expect(refused.error.message).toContain('replaced');

    const replaced = await d1.cards.replace('card-life', {
      reasonCode: 'CARD_STOLEN',
      card: { pan: '4000056655665556', exp: '0130' },
    });
    expect(replaced).toMatchObject({ ok: true, status: 202 });
    expect(env.server.simulator.cards.get('card-life')?.maskedPan).toBe('400005…5556');
    expect((await d1.cards.renew('card-life', {})).status).toBe(202);
    expect((await d1.cards.delete('card-life', { reasonCode: 'CLOSED_ACCOUNT' })).status).toBe(204);
    const gone = await d1.cards.get('card-life');
    expect(gone).toMatchObject({ ok: false, status: 404, error: { code: 'CARD_NOT_FOUND' } });
  });

  it('reaches every inbound operation through d1.request as well', async () => {
    const result = await d1.request('getCard', { path: { cardId: 'card-reg-1' } });
    expect(result).toMatchObject({
      ok: true,
      status: 200,
      data: { cardId: 'card-reg-1', consumerId: 'consumer-1' },
    });
    const token = await d1.oauth2.token({
      grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
      assertion: 'not-a-jws',
    });
    expect(token).toMatchObject({ ok: false, status: 401, error: { code: 'invalid_grant' } });
  });

  it('retries a card order under the same issuerRequestId without producing it twice', async () => {
    const body = {
      distributionChannel: 'CENTRAL' as const,
      issuerRequestId: 'order-retry-1',
      services: SERVICES,
      paymentApplication: { config: 'mca-123', odaKeyIndex: '01', derivationKeyIndex: '02' },
      card: { pan: PAN, exp: '2906', panSequenceNumber: '01' },
    };
    const first = await d1.physicalCards.order('card-central', body);
    env.server.inject({
      operationId: 'orderPhysicalCard',
      respond: { status: 503, headers: { 'retry-after': '0' } },
    });
    const again = await d1.physicalCards.order('card-central', body);
    expect(again).toMatchObject({ ok: true, status: 202, attempts: 2 });
    expect(again.ok && first.ok && again.data?.operationId).toBe(first.ok ? first.data?.operationId : 'x');
    const status = await d1.physicalCards.status('card-central');
    expect(status.ok && status.data.operations[0]?.details?.status).toBe('CARD_PROD_REQUESTED');
  });
});
