import { afterAll, beforeAll, expect, it } from 'vitest';
import { createD1Client, type D1Client } from './index.js';
import { createTestEnvironment, type TestEnvironment } from './testing/index.js';

// The README's full example, verbatim apart from the client options (here: the local simulator's).
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

it('runs the README example: token, create a card, order an instant card, read its status', async () => {
  const printed: unknown[][] = [];
  const console = { log: (...args: unknown[]) => printed.push(args) };

  await d1.tokenProvider?.getToken();

  const created = await d1.cards.create({ consumerId: 'consumer-1842', cardProductId: 'debit-classic' });
  if (!created.ok) throw new Error(`create failed: ${created.status} ${created.error.code}`);
  const cardId = created.data?.cardId ?? 'card-1842-01';

  const order = await d1.physicalCards.order(cardId, {
    distributionChannel: 'INSTANT',
    persoStation: 'KIOSK-PS-101',
    issuerRequestId: 'order-1842-01',
    consumerId: 'consumer-1842',
    cardProductId: 'debit-classic',
    services: {
      issuance: 'CREATION',
      delivery: 'NO_SHIPMENT',
      cardCarrier: 'NO_CARRIER',
      packaging: 'NO_PACK',
      pinMailer: false,
      alphaCard: false,
    },
    paymentApplication: { config: 'vis-163', odaKeyIndex: 1, derivationKeyIndex: 2 },
    card: { pan: '4111111111111111', exp: '2906', panSequenceNumber: '00', name: 'A N OTHER' },
  });
  if (order.ok) console.log('order accepted', order.data?.operationId);

  const status = await d1.physicalCards.status(cardId);
  if (status.ok) {
    for (const operation of status.data.operations) {
      console.log(operation.operation, operation.status, operation.details?.status);
    }
  } else if (status.status === 404) {
    console.log('no order for this card yet');
  }

  expect(printed).toEqual([
    ['order accepted', order.ok ? order.data?.operationId : undefined],
    ['PRODUCE', 'SUCCESSFUL', 'CARD_PROD_DONE'],
  ]);
  expect(env.server.simulator.orders.get(cardId)?.maskedPan).toBe('411111…1111');
});
