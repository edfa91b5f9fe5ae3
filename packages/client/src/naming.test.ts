import { operations } from '@d1kit/generated';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { groupOf, methodNameOf, nameOperations } from './naming.js';
import type { MethodNameOf } from './naming-types.js';
import { inboundOperations } from './operation-runtime.js';
import type { D1Groups, MethodName, PathArgs } from './types.js';

describe('naming rule', () => {
  it('groups by the collection after {issuerId}, else the first segment', () => {
    expect(groupOf('/v2/issuers/{issuerId}/cards/{cardId}/operations:suspend')).toBe('cards');
    expect(groupOf('/issuers/{issuerId}/physicalCards/{cardId}/productionStatus')).toBe('physicalCards');
    expect(groupOf('/oauth2/token')).toBe('oauth2');
    expect(groupOf('/issuers/{issuerId}/cards:batch')).toBe('cards');
    expect(groupOf('/')).toBe('root');
  });

  it('drops the noun, names reads after their last word, keeps the rest of other verbs', () => {
    expect(methodNameOf('suspendCard', 'cards')).toBe('suspend');
    expect(methodNameOf('orderPhysicalCard', 'physicalCards')).toBe('order');
    expect(methodNameOf('getPhysicalCardProductionStatus', 'physicalCards')).toBe('status');
    expect(methodNameOf('getToken', 'oauth2')).toBe('token');
    expect(methodNameOf('listCardOperations', 'cards')).toBe('listOperations');
    expect(methodNameOf('Card', 'cards')).toBe('Card');
  });

  it('falls back to the operationIds when two names collide', () => {
    const named = nameOperations([
      { operationId: 'getCardStatus', path: '/issuers/{issuerId}/cards/{cardId}/status' },
      { operationId: 'getCardOrderStatus', path: '/issuers/{issuerId}/cards/{cardId}/order/status' },
      { operationId: 'suspendCard', path: '/issuers/{issuerId}/cards/{cardId}/operations:suspend' },
    ]);
    expect(named.map((n) => n.method)).toEqual(['getCardStatus', 'getCardOrderStatus', 'suspend']);
  });

  it('gives every inbound operation of the current specs one method, with the same names at type level', () => {
    const names = nameOperations(inboundOperations())
      .map((n) => `${n.group}.${n.method}`)
      .sort();
    expect(names).toEqual([
      'cards.create',
      'cards.delete',
      'cards.get',
      'cards.register',
      'cards.renew',
      'cards.replace',
      'cards.resume',
      'cards.suspend',
      'oauth2.token',
      'physicalCards.order',
      'physicalCards.status',
    ]);
    expect(names).toHaveLength(Object.values(operations).filter((o) => o.direction === 'inbound').length);
    expectTypeOf<keyof D1Groups>().toEqualTypeOf<'cards' | 'physicalCards' | 'oauth2'>();
    expectTypeOf<keyof D1Groups['cards']>().toEqualTypeOf<
      'create' | 'register' | 'get' | 'renew' | 'replace' | 'suspend' | 'resume' | 'delete'
    >();
    expectTypeOf<keyof D1Groups['physicalCards']>().toEqualTypeOf<'order' | 'status'>();
    expectTypeOf<MethodName<'getToken'>>().toEqualTypeOf<'token'>();
    expectTypeOf<MethodNameOf<'listCardOperations', 'cards'>>().toEqualTypeOf<'listOperations'>();
  });

  it('types positional path arguments in path order without issuerId', () => {
    expectTypeOf<PathArgs<'suspendCard'>>().toEqualTypeOf<[string]>();
    expectTypeOf<PathArgs<'createCard'>>().toEqualTypeOf<[]>();
    expectTypeOf<PathArgs<'getToken'>>().toEqualTypeOf<[]>();
  });
});
