import { describe, expect, it } from 'vitest';
import type { HandledOperationId, HandlerInput, HandlerResult, OperationHandler } from './operation-types.js';

const pin: OperationHandler<'getCardPin'> = async (input) => {
  const id: string = input.params.cardId;
  if (id === 'x') return { status: 404, body: { error: 'NOT_FOUND' } };
  return { status: 200, body: { type: 'ISO0', encryptedData: { pinBlock: '0123456789ABCDEF' } } };
};
const setPin: OperationHandler<'setCardPin'> = async (input) => {
  const block: string = input.body.encryptedData.pinBlock;
  void block;
  return { status: 204 };
};
// @ts-expect-error 204 is not declared for getCardPin
const bad1: OperationHandler<'getCardPin'> = async () => ({ status: 204 });
// @ts-expect-error encryptedData must be plaintext
const bad2: OperationHandler<'getCardPin'> = async () => ({
  status: 200,
  body: { type: 'ISO0', encryptedData: 'x' },
});
// @ts-expect-error error body on 200
const bad3: OperationHandler<'getCardPin'> = async () => ({ status: 200, body: { error: 'x' } });
// @ts-expect-error extra field
const bad4: OperationHandler<'ActivateCard'> = async () => ({ status: 204, body: { a: 1 } });
const ok5: OperationHandler<'ActivateCard'> = async () => ({
  status: 503,
  body: { error: 'DOWN', message: 'x' },
});
// @ts-expect-error 201 not declared
const bad6: OperationHandler<'ActivateCard'> = async () => ({ status: 201, body: { error: 'x' } });
type Ids = HandledOperationId;
type N = HandlerInput<'notifyCardOperations'>['body'];
type R = HandlerResult<'getCardCredentials'>;
describe('probe', () => {
  it('x', () => {
    const ids: Ids[] = ['getCardPin'];
    const n: N = { operations: [] };
    const r: R = { status: 200, body: { encryptedData: { pan: '4111111111111111', exp: '1229' } } };
    expect([pin, setPin, bad1, bad2, bad3, bad4, ok5, bad6, ids, n, r].length).toBe(11);
  });
});
