import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { atPointer, deref, validationDocument } from './spec-documents.js';

describe('validation documents', () => {
  it('rewrites the card-order discriminator into per-variant conditions', () => {
    const document = validationDocument('D1-Public-IN-v1-Physical-Issuance');
    const cardRequest = atPointer(document, '/components/schemas/cardRequest') as Record<string, unknown>;
    expect(cardRequest.oneOf).toBeUndefined();
    expect(cardRequest.required).toEqual(['distributionChannel']);
    expect(cardRequest.properties).toEqual({
      distributionChannel: { type: 'string', enum: ['THALES', 'INSTANT', 'CENTRAL'] },
    });
    expect((cardRequest.allOf as unknown[]).length).toBe(3);
  });

  it('accepts what the oneOf accepts and reports against the named variant', () => {
    const ajv = new Ajv({ strict: false, allErrors: true });
    ajv.addSchema(validationDocument('D1-Public-IN-v1-Physical-Issuance'), 'doc');
    const validate = ajv.compile({ $ref: 'doc#/components/schemas/cardRequest' });
    const base = {
      services: { issuance: 'CREATION' },
      encryptedData: 'a.b.c.d.e',
      paymentApplication: { config: 'c', odaKeyIndex: 1, derivationKeyIndex: 2 },
    };
    expect(validate({ ...base, distributionChannel: 'INSTANT', persoStation: 'K1' })).toBe(true);
    expect(validate({ ...base, distributionChannel: 'CENTRAL' })).toBe(true);
    expect(validate({ ...base, distributionChannel: 'THALES' })).toBe(false);
    expect(
      validate.errors?.filter((e) => e.keyword === 'required').map((e) => e.params.missingProperty),
    ).toEqual(['shipment']);
  });

  it('follows local references and stops at foreign or circular ones', () => {
    const document = {
      a: { $ref: '#/b' },
      b: { $ref: '#/c' },
      c: { value: 1 },
      loop: { $ref: '#/loop' },
      away: { $ref: 'https://example.test/x' },
      'x/y': { value: 2 },
    };
    expect(deref(document, document.a, '/a')).toEqual({ node: { value: 1 }, pointer: '/c' });
    expect(deref(document, document.loop, '/loop')).toBeUndefined();
    expect(deref(document, document.away, '/away')).toBeUndefined();
    expect(atPointer(document, '/x~1y/value')).toBe(2);
    expect(atPointer(document, '/c/value/deeper')).toBeUndefined();
  });
});
