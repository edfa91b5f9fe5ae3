// The handler types are checked by `tsc -p tsconfig.json`: every `@ts-expect-error` below must stay an
// error, or type-checking fails. The runtime assertions tie the type-level operation list to the metadata.
import { operations } from '@d1kit/generated';
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { NotificationItem } from './notifications/handler.js';
import type {
  HandledOperationId,
  HandlerInput,
  HandlerResult,
  IssuerHandlers,
  OperationHandler,
  ResponseBody,
} from './operation-types.js';

const getPin: OperationHandler<'getCardPin'> = async ({ params }) =>
  params.cardId === 'gone'
    ? { status: 404, body: { error: 'CARD_NOT_FOUND' } }
    : { status: 200, body: { type: 'ISO0', encryptedData: { pinBlock: '041234FFFFFFFFFE' } } };

const setPin: OperationHandler<'setCardPin'> = async ({ body }) => {
  expectTypeOf(body.encryptedData).toEqualTypeOf<{ pinBlock: string }>();
  return { status: 204 };
};

const credentials: OperationHandler<'getCardCredentials'> = () => ({
  status: 200,
  body: { encryptedData: { pan: '4111111111111111', exp: '0629' } },
});

const overloaded: OperationHandler<'ActivateCard'> = () => ({
  status: 503,
  body: { error: 'BUSY', message: 'later' },
});

// @ts-expect-error 204 is not a status getCardPin declares
const noContentPin: OperationHandler<'getCardPin'> = async () => ({ status: 204 });
// @ts-expect-error the handler returns plaintext; the server encrypts it
const preEncrypted: OperationHandler<'getCardPin'> = async () => ({
  status: 200,
  body: { type: 'ISO0', encryptedData: 'eyJ' },
});
// @ts-expect-error an error body is not the 200 body
const errorAs200: OperationHandler<'getCardPin'> = async () => ({ status: 200, body: { error: 'x' } });
// @ts-expect-error 204 carries no body
const bodyOn204: OperationHandler<'ActivateCard'> = async () => ({ status: 204, body: { activated: true } });
// @ts-expect-error 201 is neither declared nor an error status that `default` covers
const created: OperationHandler<'ActivateCard'> = async () => ({ status: 201, body: { error: 'x' } });
// @ts-expect-error the plaintext must match CardCredentials (exp is required)
const noExpiry: OperationHandler<'getCardCredentials'> = async () => ({
  status: 200,
  body: { encryptedData: { pan: '4111111111111111' } },
});
const unknownOperation: IssuerHandlers = {
  // @ts-expect-error only outbound operations can have handlers
  createCard: async () => ({ status: 200 }),
};

describe('handler types', () => {
  it('name exactly the outbound operations except the token endpoint', () => {
    const outbound = Object.values(operations)
      .filter((op) => op.direction === 'outbound' && op.operationId !== 'issueOutboundToken')
      .map((op) => op.operationId)
      .sort();
    const typed: Record<HandledOperationId, true> = {
      getCardPin: true,
      setCardPin: true,
      ActivateCard: true,
      notifyCardOperations: true,
      notifyCardAuthorisations: true,
      getCardCredentials: true,
    };
    expect(Object.keys(typed).sort()).toEqual(outbound);
  });

  it('type inputs and notification items from the specs', () => {
    expectTypeOf<HandlerInput<'ActivateCard'>['params']>().toEqualTypeOf<{
      issuerId: string;
      cardId: string;
    }>();
    expectTypeOf<HandlerInput<'ActivateCard'>['body']>().toBeUndefined();
    // Open enums: the known values are suggested, any other string is accepted (forward compatibility).
    expectTypeOf<NotificationItem<'notifyCardOperations'>['operation']>().toMatchTypeOf<string>();
    expectTypeOf<'NOT_YET_PUBLISHED'>().toMatchTypeOf<
      NotificationItem<'notifyCardOperations'>['operation']
    >();
    expectTypeOf<ResponseBody<'getCardPin', 200>['encryptedData']>().toEqualTypeOf<{ pinBlock: string }>();
    expectTypeOf<Extract<HandlerResult<'setCardPin'>, { status: 204 }>['body']>().toEqualTypeOf<undefined>();
    const handlers = [
      getPin,
      setPin,
      credentials,
      overloaded,
      noContentPin,
      preEncrypted,
      errorAs200,
      bodyOn204,
      created,
      noExpiry,
      unknownOperation,
    ];
    expect(handlers).toHaveLength(11);
  });
});
