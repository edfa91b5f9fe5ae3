import { decrypt, generateKeyPair, importDecryptionKeySet, importRecipientKey } from '@d1kit/jwe';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import {
  checkJweInputs,
  encryptJweInputs,
  hasPlaintext,
  passesLuhn,
  plaintextProperty,
  requestJweBindings,
} from './plaintext.js';
import { findings } from './validators.js';

const nested = requestJweBindings(
  [
    {
      in: 'request',
      contentType: 'application/json',
      pointer: '/cards/*/encryptedData',
      schema: 'CardCredentials',
      required: true,
    },
  ],
  'application/json',
);

describe('JWE fields', () => {
  it('names the plaintext after the payload', () => {
    expect(plaintextProperty('CardCredentials')).toBe('card');
    expect(plaintextProperty('PhysicalCardData')).toBe('card');
    expect(plaintextProperty('PinBlock')).toBe('pinBlock');
  });

  it('checks the Luhn digit', () => {
    for (const pan of ['4111111111111111', '5555555555554444', '378282246310005', '6011111111111117']) {
      expect(passesLuhn(pan)).toBe(true);
    }
    expect(passesLuhn('4111111111111112')).toBe(false);
  });

  it('finds and checks plaintext inside arrays, with pointers per item', () => {
    const body = {
      cards: [
        { card: { pan: '4111111111111111', exp: '1229' } },
        { card: { pan: '12', exp: '1229' } },
        { encryptedData: 'x' },
      ],
    };
    expect(hasPlaintext(body, nested)).toBe(true);
    expect(checkJweInputs(body, nested, { luhn: true })).toEqual([
      { location: 'plaintext', pointer: '/cards/1/card/pan', rule: 'pattern' },
      { location: 'body', pointer: '/cards/2/encryptedData', rule: 'compactJwe' },
    ]);
    expect(hasPlaintext({ cards: [] }, nested)).toBe(false);
    expect(checkJweInputs('not an object', nested, { luhn: true })).toEqual([]);
  });

  it('encrypts into copies and leaves the caller input untouched', async () => {
    const pair = await generateKeyPair({ kid: 'd1-test' });
    const party = {
      recipient: await importRecipientKey(pair.publicJwk),
      keys: await importDecryptionKeySet([pair.privateJwk]),
    };
    const body = {
      keep: { same: true },
      cards: [{ id: 'a', card: { pan: '4111111111111111', exp: '1229' } }, { id: 'b' }],
    };
    const snapshot = structuredClone(body);
    const sent = (await encryptJweInputs(body, nested, party.recipient)) as typeof body & {
      cards: Record<string, unknown>[];
    };
    expect(body).toEqual(snapshot);
    expect(sent.keep).toBe(body.keep);
    expect(sent.cards[0]).not.toHaveProperty('card');
    expect(sent.cards[1]).toEqual({ id: 'b' });
    const opened = await decrypt(String(sent.cards[0]!.encryptedData), party.keys);
    expect(JSON.parse(Buffer.from(opened.plaintext).toString('utf8'))).toEqual({
      pan: '4111111111111111',
      exp: '1229',
    });
  });
});

describe('schema findings', () => {
  const ajv = new Ajv({ allErrors: true });
  const validate = ajv.compile({
    type: 'object',
    required: ['state'],
    properties: {
      state: { enum: ['ACTIVE', 'INACTIVE'] },
      count: { type: 'integer', maximum: 3 },
      pan: { type: 'string', pattern: '^[0-9]{4}$' },
    },
    additionalProperties: false,
  });

  it('marks new string values of an enum as forward compatible, and never quotes values', () => {
    const data = { state: 'FROZEN', count: 9, pan: '4111111111111111', extra: 1 };
    expect(validate(data)).toBe(false);
    const found = findings(validate.errors, data);
    const seen = found.map(({ pointer, keyword, unknownValue }) => ({ pointer, keyword, unknownValue }));
    expect(seen.sort((a, b) => a.pointer.localeCompare(b.pointer))).toEqual([
      { pointer: '/count', keyword: 'maximum', unknownValue: false },
      { pointer: '/extra', keyword: 'additionalProperties', unknownValue: false },
      { pointer: '/pan', keyword: 'pattern', unknownValue: false },
      { pointer: '/state', keyword: 'enum', unknownValue: true },
    ]);
    expect(JSON.stringify(found)).not.toMatch(/FROZEN|4111|9,/);
  });

  it('masks card numbers, drops control characters and caps length in pointers built from data keys', () => {
    const data = { state: 'ACTIVE', '4111111111111111': 1, 'a\r\nX-Injected: 1': 1, ['k'.repeat(5000)]: 1 };
    expect(validate(data)).toBe(false);
    const pointers = findings(validate.errors, data).map((finding) => finding.pointer);
    expect(pointers).toHaveLength(3);
    expect(pointers).toContain('/411111…1111');
    expect(pointers.join(' ')).not.toMatch(/4111111111111111|[\r\n]/);
    for (const pointer of pointers) expect(pointer.length).toBeLessThanOrEqual(201);
  });

  it('points a missing property at the property itself', () => {
    expect(validate({})).toBe(false);
    expect(findings(validate.errors, {})).toEqual([
      { pointer: '/state', keyword: 'required', message: 'is required but missing', unknownValue: false },
    ]);
  });
});
