import {
  loadEffectiveSpec,
  type OperationId,
  operations,
  plaintextSchemas,
  type SpecName,
} from '@d1kit/generated';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { layoutOf } from '../lib/paths.js';
import { checkSpecs } from './checks.js';
import { loadSpecs } from './load.js';
import { deref } from './walk.js';

// The committed specs against the facts the issue asks for: every operation, with its published
// constraints, and the JWE payloads typed as the overlays say.

const EXPECTED: Record<string, [SpecName, string, string]> = {
  getToken: ['D1-Public-IN-v1-Auth2', 'post', '/oauth2/token'],
  createCard: ['D1-Public-IN-v2-Card', 'post', '/v2/issuers/{issuerId}/cards'],
  registerCard: ['D1-Public-IN-v2-Card', 'put', '/v2/issuers/{issuerId}/cards/{cardId}'],
  getCard: ['D1-Public-IN-v2-Card', 'get', '/v2/issuers/{issuerId}/cards/{cardId}'],
  renewCard: ['D1-Public-IN-v2-Card', 'post', '/v2/issuers/{issuerId}/cards/{cardId}/operations:renew'],
  replaceCard: ['D1-Public-IN-v2-Card', 'post', '/v2/issuers/{issuerId}/cards/{cardId}/operations:replace'],
  suspendCard: ['D1-Public-IN-v2-Card', 'post', '/v2/issuers/{issuerId}/cards/{cardId}/operations:suspend'],
  resumeCard: ['D1-Public-IN-v2-Card', 'post', '/v2/issuers/{issuerId}/cards/{cardId}/operations:resume'],
  deleteCard: ['D1-Public-IN-v2-Card', 'post', '/v2/issuers/{issuerId}/cards/{cardId}/operations:delete'],
  orderPhysicalCard: [
    'D1-Public-IN-v1-Physical-Issuance',
    'post',
    '/issuers/{issuerId}/physicalCards/{cardId}/operations:production',
  ],
  getPhysicalCardProductionStatus: [
    'D1-Public-IN-v1-Physical-Issuance',
    'get',
    '/issuers/{issuerId}/physicalCards/{cardId}/productionStatus',
  ],
  issueOutboundToken: ['D1-Public-OUT-v1-Auth2', 'post', '/oauth2/token'],
  getCardPin: ['D1-Public-OUT-v1-PIN-Management', 'get', '/cms/api/v1/issuers/{issuerId}/cards/{cardId}/pin'],
  setCardPin: ['D1-Public-OUT-v1-PIN-Management', 'put', '/cms/api/v1/issuers/{issuerId}/cards/{cardId}/pin'],
  ActivateCard: [
    'D1-Public-OUT-v1-Physical-Issuance',
    'post',
    '/cms/api/v1/issuers/{issuerId}/physicalCards/{cardId}/activate',
  ],
  notifyCardOperations: ['D1-Public-OUT-v2-Card', 'post', '/notifications/d1/v2/issuers/{issuerId}/cards'],
  notifyCardAuthorisations: [
    'D1-Public-OUT-v2-Card',
    'post',
    '/notifications/d1/v2/issuers/{issuerId}/authorisations',
  ],
  getCardCredentials: [
    'D1-Public-OUT-v2-Card',
    'get',
    '/cms/api/v1/issuers/{issuerId}/cards/{cardId}/credentials',
  ],
};

function parameterSchema(id: OperationId, where: string, name: string): Record<string, unknown> {
  const op = operations[id];
  const doc = loadEffectiveSpec(op.spec as SpecName);
  const pathItem = (doc.paths as Record<string, Record<string, unknown>>)[op.path]!;
  const all = [
    ...((pathItem.parameters as unknown[]) ?? []),
    ...(((pathItem[op.method] as Record<string, unknown>).parameters as unknown[]) ?? []),
  ].map((p) => deref(doc, p) as Record<string, unknown>);
  const param = all.find((p) => p.in === where && String(p.name).toLowerCase() === name.toLowerCase());
  if (!param) throw new Error(`${id}: no ${where} parameter ${name}`);
  return deref(doc, param.schema) as Record<string, unknown>;
}

function responseSchema(id: OperationId, status: string): Record<string, unknown> {
  const op = operations[id];
  const doc = loadEffectiveSpec(op.spec as SpecName);
  const operation = (doc.paths as Record<string, Record<string, Record<string, unknown>>>)[op.path]![
    op.method
  ]!;
  const response = deref(doc, (operation.responses as Record<string, unknown>)[status]) as Record<
    string,
    unknown
  >;
  const media = (response.content as Record<string, { schema: unknown }>)['application/json']!;
  return deref(doc, media.schema) as Record<string, unknown>;
}

describe('the committed D1 specs', () => {
  it('load, apply their overlays with no unused action, and keep every d1kit rule', async () => {
    const specs = await loadSpecs(layoutOf());
    expect(specs).toHaveLength(7);
    expect(() => checkSpecs(specs)).not.toThrow();
  });

  it.each(Object.entries(EXPECTED))('carry %s at its method and path', (id, [spec, method, path]) => {
    const op = operations[id as OperationId];
    expect(op).toMatchObject({ spec, method, path });
    expect(op.successCodes.length).toBeGreaterThan(0);
    expect(op.responseCodes).toContain('default');
  });

  it('constrain the identifiers as published', () => {
    for (const [id, , path] of Object.entries(EXPECTED).map(([id, v]) => [id, ...v] as const)) {
      if (path.includes('{issuerId}')) {
        expect(parameterSchema(id as OperationId, 'path', 'issuerId')).toMatchObject({
          minLength: 10,
          maxLength: 10,
        });
      }
      if (path.includes('{cardId}')) {
        expect(parameterSchema(id as OperationId, 'path', 'cardId')).toMatchObject({
          pattern: '^[A-Za-z0-9_-]{1,48}$',
        });
      }
    }
    expect(parameterSchema('createCard', 'header', 'x-correlation-id').pattern).toBe('^[A-Za-z0-9_-]{1,64}$');
    expect(parameterSchema('createCard', 'header', 'x-user-id').pattern).toBe('^[A-Za-z0-9_-]{1,15}$');
  });

  it('type expires_in as a number inbound and a string outbound', () => {
    const inbound = responseSchema('getToken', '200').properties as Record<string, Record<string, unknown>>;
    const outbound = responseSchema('issueOutboundToken', '200') as Record<string, unknown>;
    expect(inbound.expires_in!.type).toBe('number');
    expect((outbound.properties as Record<string, Record<string, unknown>>).expires_in!.type).toBe('string');
    expect(outbound.required).toEqual(expect.arrayContaining(['access_token', 'token_type']));
  });

  it('mark every JWE field with its plaintext schema', () => {
    const jwe = (id: OperationId) => operations[id].jweFields.map((f) => `${f.in}:${f.pointer}:${f.schema}`);
    expect(jwe('registerCard')).toEqual(['request:/encryptedData:CardCredentials']);
    expect(jwe('orderPhysicalCard')).toEqual(['request:/encryptedData:PhysicalCardData']);
    expect(jwe('setCardPin')).toEqual(['request:/encryptedData:PinBlock']);
    expect(jwe('getCardPin')).toEqual(['response:/encryptedData:PinBlock']);
    expect(jwe('getCardCredentials')).toEqual(['response:/encryptedData:CardCredentials']);
  });

  it('keep MMYY and YYMM expiries apart (June 2029)', () => {
    const ajv = new Ajv({ strict: true, allErrors: true });
    const credentials = ajv.compile(plaintextSchemas.CardCredentials);
    const physical = ajv.compile(plaintextSchemas.PhysicalCardData);
    expect(credentials({ pan: '4111111111111111', exp: '0629' })).toBe(true);
    expect(credentials({ pan: '4111111111111111', exp: '2906' })).toBe(false);
    expect(physical({ pan: '4111111111111111', exp: '2906' })).toBe(true);
    expect(physical({ pan: '4111111111111111', exp: '0629' })).toBe(false);
    expect(credentials({ pan: '4111111111111111', exp: '0629', extra: 1 })).toBe(false);
    const pin = ajv.compile(plaintextSchemas.PinBlock);
    expect(pin({ pinBlock: '041234FFFFFFFFFF' })).toBe(true);
    expect(pin({ pinBlock: '041234' })).toBe(false);
  });
});
