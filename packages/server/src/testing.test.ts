import { describe, expect, it } from 'vitest';
import type { OperationHandler } from './operation-types.js';
import { notImplemented } from './results.js';
import { invokeHandler, sampleHandlerInput } from './testing.js';

describe('invokeHandler', () => {
  it('runs a handler on a sample input built from the spec, with plaintext JWE fields', async () => {
    const input = sampleHandlerInput('setCardPin');
    expect(input.params).toEqual({ issuerId: 'xxxxxxxxxx', cardId: 'x' });
    expect(input.body).toEqual({ type: 'ISO0', encryptedData: { pinBlock: '0000000000000000' } });
    const notification = sampleHandlerInput('notifyCardOperations');
    expect(notification.body.operations[0]).toMatchObject({
      operation: 'CREATE',
      status: 'PENDING',
      startTime: expect.any(String),
    });
    let seen: unknown;
    const outcome = await invokeHandler('setCardPin', async (received) => {
      seen = received.body.encryptedData;
      return { status: 204 };
    });
    expect([outcome.result.status, outcome.violation, seen]).toEqual([
      204,
      undefined,
      { pinBlock: '0000000000000000' },
    ]);
  });

  it('encrypts JWE fields and checks the wire body, as the server does', async () => {
    const good = await invokeHandler('getCardCredentials', () => ({
      status: 200,
      body: { encryptedData: { pan: '4111111111111111', exp: '0629' } },
    }));
    expect(good.violation).toBeUndefined();
    const badPlaintext = await invokeHandler('getCardCredentials', () => ({
      status: 200,
      body: { encryptedData: { pan: '4111', exp: '2906' } },
    }));
    expect(badPlaintext.violation?.pointer).toBe('/body/encryptedData');
  });

  it('reports answers the spec does not allow', async () => {
    const wrongStatus = (() => ({ status: 200, body: {} })) as unknown as OperationHandler<'ActivateCard'>;
    expect((await invokeHandler('ActivateCard', wrongStatus)).violation?.pointer).toBe('/status');
    const stub = await invokeHandler('ActivateCard', () => notImplemented('ActivateCard'));
    expect([stub.result.status, stub.violation]).toEqual([501, undefined]);
  });
});
