import { plaintextSchemas } from '@d1kit/generated';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { JweError } from './errors.js';
import { encrypt } from './jwe.js';
import {
  cardCredentials,
  decryptIso0Pin,
  encryptIso0Pin,
  physicalCardData,
  pinBlockPayload,
} from './payloads.js';
import { CARD, createParty, type TestParty } from './testing/fixtures.js';

let party: TestParty;
beforeAll(async () => {
  party = await createParty('payloads');
});

async function refusal(promise: Promise<unknown>): Promise<JweError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(JweError);
    return error as JweError;
  }
  throw new Error('accepted');
}

const cardArbitrary = fc.record(
  {
    pan: fc.stringMatching(/^[0-9]{10,19}$/),
    exp: fc.stringMatching(/^(0[1-9]|1[0-2])[0-9]{2}$/),
    name: fc.string({ minLength: 1, maxLength: 128 }),
    cvv: fc.stringMatching(/^[0-9]{3,4}$/),
  },
  { requiredKeys: ['pan', 'exp'] },
);

describe('card credentials', () => {
  it('round-trips any valid value', async () => {
    await fc.assert(
      fc.asyncProperty(cardArbitrary, async (value) => {
        expect(
          await cardCredentials.decrypt(await cardCredentials.encrypt(value, party.recipient), party.keys),
        ).toEqual(value);
      }),
      { numRuns: 40 },
    );
  });

  it('validates before encrypting, naming fields but never values', async () => {
    const error = await refusal(
      cardCredentials.encrypt(
        { ...CARD, pan: '4111 1111', exp: '2906', extra: 'x' } as never,
        party.recipient,
      ),
    );
    expect(error.code).toBe('PLAINTEXT_INVALID');
    expect(error.issues).toEqual(
      expect.arrayContaining([
        { pointer: '/pan', rule: 'pattern' },
        { pointer: '/exp', rule: 'pattern' },
        { pointer: '', rule: 'additionalProperties' },
      ]),
    );
    expect(error.message).not.toMatch(/4111|2906|extra/);
    const missing = await refusal(cardCredentials.encrypt({ exp: '0629' } as never, party.recipient));
    expect(missing.issues).toEqual([{ pointer: '/pan', rule: 'required' }]);
  });

  it('validates after decrypting what a peer sent', async () => {
    const bad = await encrypt(JSON.stringify({ pan: '4111111111111111', exp: '2906' }), party.recipient);
    const error = await refusal(cardCredentials.decrypt(bad, party.keys));
    expect(error.issues).toEqual([{ pointer: '/exp', rule: 'pattern' }]);
    expect(error.message).not.toContain('4111111111111111');
    for (const text of ['{"pan":', 'not json 4111111111111111', '']) {
      const notJson = await refusal(
        cardCredentials.decrypt(await encrypt(text, party.recipient), party.keys),
      );
      expect(notJson.code).toBe('PLAINTEXT_NOT_JSON');
      expect(notJson.message).not.toContain('4111');
    }
    const notUtf8 = await refusal(
      cardCredentials.decrypt(await encrypt(new Uint8Array([0x7b, 0xff, 0x7d]), party.recipient), party.keys),
    );
    expect(notUtf8.code).toBe('PLAINTEXT_NOT_JSON');
    for (const value of [[], null, 42, 'x']) {
      const wrongType = await refusal(
        cardCredentials.decrypt(await encrypt(JSON.stringify(value), party.recipient), party.keys),
      );
      expect(wrongType.code).toBe('PLAINTEXT_INVALID');
    }
  });

  it('is driven by the generated schema, not a copy', () => {
    expect(cardCredentials.schemaName).toBe('CardCredentials');
    expect(plaintextSchemas.CardCredentials.properties.exp.pattern).toBe('^(0[1-9]|1[0-2])[0-9]{2}$');
  });
});

describe('physical card data', () => {
  it('uses YYMM: June 2029 is 2906 here and refused as MMYY in card credentials', async () => {
    const order = {
      pan: '4111111111111111',
      exp: '2906',
      name: 'A N OTHER',
      cvv2: '123',
      panSequenceNumber: '01',
      effectiveDate: '2606',
    };
    expect(
      await physicalCardData.decrypt(await physicalCardData.encrypt(order, party.recipient), party.keys),
    ).toEqual(order);
    expect(() => physicalCardData.validate({ ...order, exp: '0629' })).toThrow(
      expect.objectContaining({ code: 'PLAINTEXT_INVALID' }),
    );
    expect(() => cardCredentials.validate({ pan: order.pan, exp: '2906' })).toThrow(
      expect.objectContaining({ code: 'PLAINTEXT_INVALID' }),
    );
  });

  it('applies the field limits of the schema', () => {
    const base = { pan: '4111111111111111', exp: '2906', panSequenceNumber: '00' };
    for (const extra of [
      { name: 'X'.repeat(27) },
      { pvv: '12345' },
      { panSequenceNumber: '1' },
      { cvv1: '12' },
      { effectiveDate: '2913' },
    ]) {
      expect(() => physicalCardData.validate({ ...base, ...extra })).toThrow(
        expect.objectContaining({ code: 'PLAINTEXT_INVALID' }),
      );
    }
    expect(physicalCardData.validate(base)).toEqual(base);
  });
});

describe('PIN payloads', () => {
  const pan = '5500000000000004';

  it('round-trips a PIN through an ISO 0 block inside {pinBlock}', async () => {
    const jwe = await encryptIso0Pin({ pin: '2468', pan }, party.recipient);
    expect(await decryptIso0Pin(jwe, party.keys, pan)).toBe('2468');
    const { pinBlock } = await pinBlockPayload.decrypt(jwe, party.keys);
    expect(pinBlock).toMatch(/^[0-9A-F]{16}$/);
  });

  it('refuses a block for another PAN and a malformed payload', async () => {
    const jwe = await encryptIso0Pin({ pin: '2468', pan }, party.recipient);
    expect((await refusal(decryptIso0Pin(jwe, party.keys, '4111111111111111'))).code).toBe(
      'PIN_BLOCK_INVALID',
    );
    const wrong = await encrypt(JSON.stringify({ pinBlock: '12345' }), party.recipient);
    expect((await refusal(decryptIso0Pin(wrong, party.keys, pan))).issues).toEqual([
      { pointer: '/pinBlock', rule: 'pattern' },
    ]);
    expect((await refusal(encryptIso0Pin({ pin: '12', pan }, party.recipient))).code).toBe('PIN_INVALID');
  });
});
