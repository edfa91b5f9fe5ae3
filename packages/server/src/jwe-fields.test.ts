import { cardCredentials, generateKeyPair, importDecryptionKeySet, importRecipientKey } from '@d1kit/jwe';
import { describe, expect, it } from 'vitest';
import { JweFieldError, planJweFields } from './jwe-fields.js';

const keys = async () => {
  const pair = await generateKeyPair();
  return {
    decryption: await importDecryptionKeySet([pair.privateJwk]),
    d1: await importRecipientKey(pair.publicJwk),
  };
};
const CARD = { pan: '4111111111111111', exp: '0629' };

describe('planJweFields', () => {
  it('walks array pointers, decrypts every element and leaves the input object untouched', async () => {
    const k = await keys();
    const plan = planJweFields(
      'test',
      [
        {
          in: 'request',
          contentType: 'application/json',
          pointer: '/cards/*/encryptedData',
          schema: 'CardCredentials',
          required: true,
        },
      ],
      k,
    );
    const body = {
      cards: [
        { encryptedData: await cardCredentials.encrypt(CARD, k.d1!) },
        { encryptedData: await cardCredentials.encrypt(CARD, k.d1!) },
      ],
      other: 1,
    };
    const copy = structuredClone(body);
    const decrypted = (await plan.decryptRequest(body)) as { cards: { encryptedData: unknown }[] };
    expect(decrypted.cards.map((c) => c.encryptedData)).toEqual([CARD, CARD]);
    expect(body).toEqual(copy);
  });

  it('encrypts response fields only for their status and reports the pointer of a bad element', async () => {
    const k = await keys();
    const plan = planJweFields(
      'test',
      [
        {
          in: 'response',
          status: '200',
          contentType: 'application/json',
          pointer: '/encryptedData',
          schema: 'CardCredentials',
          required: true,
        },
      ],
      k,
    );
    const encrypted = (await plan.encryptResponse(200, { encryptedData: CARD })) as { encryptedData: string };
    expect(await cardCredentials.decrypt(encrypted.encryptedData, k.decryption!)).toEqual(CARD);
    expect(await plan.encryptResponse(404, { error: 'x' })).toEqual({ error: 'x' });
    const failure = await plan.encryptResponse(200, { encryptedData: { pan: '1' } }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(JweFieldError);
    expect((failure as JweFieldError).issue.pointer).toBe('/body/encryptedData');
    expect(JSON.stringify((failure as JweFieldError).issue)).not.toContain('"1"');
  });

  it('refuses an unknown plaintext schema and missing keys at start-up', async () => {
    const field = {
      in: 'request',
      contentType: 'application/json',
      pointer: '/x',
      schema: 'Nope',
      required: true,
    } as const;
    expect(() => planJweFields('test', [field], {})).toThrow(/needs keys.decryption/);
    const k = await keys();
    expect(() => planJweFields('test', [field], k)).toThrow(/unknown plaintext schema Nope/);
  });
});
