import type { CardCredentials } from '@d1kit/generated';
import { describe, expectTypeOf, it } from 'vitest';
import type { D1Client } from './client.js';
import type { BodyInput, D1Result } from './types.js';

// Type-level checks: `pnpm tsc` fails when they break. The functions taking a client are only
// type-checked, never called (there is no server here).

describe('generated types reach the caller', () => {
  it('offers plaintext or a ready JWE for encryptedData, never both, never neither when required', () => {
    type Register = BodyInput<'registerCard'>;
    expectTypeOf<{ consumerId: 'c'; cardProductId: 'p'; card: CardCredentials }>().toExtend<Register>();
    expectTypeOf<{ consumerId: 'c'; cardProductId: 'p'; encryptedData: string }>().toExtend<Register>();
    expectTypeOf<{ consumerId: 'c'; cardProductId: 'p' }>().not.toExtend<Register>();
    expectTypeOf<{
      consumerId: 'c';
      cardProductId: 'p';
      card: CardCredentials;
      encryptedData: string;
    }>().not.toExtend<Register>();
    // Renew may omit credentials: D1 then fetches them from the issuer.
    expectTypeOf<{ reasonCode: 'X' }>().toExtend<BodyInput<'renewCard'>>();
  });

  async function narrowing(d1: D1Client): Promise<void> {
    const result = await d1.cards.suspend('card-1', { reasonCode: 'CARD_LOST' });
    if (result.ok) {
      expectTypeOf(result.status).toEqualTypeOf<200 | 202 | 204>();
      if (result.status === 204) expectTypeOf(result.data).toEqualTypeOf<undefined>();
    } else {
      expectTypeOf(result.error.code).toEqualTypeOf<string | undefined>();
      expectTypeOf(result.error.correlationId).toEqualTypeOf<string>();
    }
    const status = await d1.physicalCards.status('card-1');
    if (status.ok) expectTypeOf(status.data.operations).toBeArray();
    expectTypeOf<D1Result<'getToken'>>().toHaveProperty('status');
  }

  it('narrows results by ok and status', () => {
    expectTypeOf(narrowing).toBeFunction();
  });

  function shapes(d1: D1Client): void {
    expectTypeOf(d1.cards.get).parameters.toEqualTypeOf<[string, Parameters<typeof d1.cards.get>[1]?]>();
    // @ts-expect-error suspend takes a card id first
    void d1.cards.suspend({ reasonCode: 'CARD_LOST' });
    // @ts-expect-error reason codes are the spec's enum
    void d1.cards.suspend('card-1', { reasonCode: 'BORED' });
    // @ts-expect-error the client owns x-correlation-id; pass correlationId instead
    void d1.cards.get('card-1', { headers: { 'x-correlation-id': 'x' } });
  }

  it('keeps positional arguments in path order and refuses wrong shapes', () => {
    expectTypeOf(shapes).toBeFunction();
  });
});
