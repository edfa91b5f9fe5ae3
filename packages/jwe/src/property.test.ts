import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeBase64urlStrict } from './base64url.js';
import { JweError } from './errors.js';
import { decrypt, encrypt } from './jwe.js';
import { isP256Point } from './p256.js';
import { createParty, type TestParty } from './testing/fixtures.js';

function nodeAcceptsPoint(x: Uint8Array, y: Uint8Array): boolean {
  try {
    createPublicKey({
      key: {
        kty: 'EC',
        crv: 'P-256',
        x: Buffer.from(x).toString('base64url'),
        y: Buffer.from(y).toString('base64url'),
      },
      format: 'jwk',
    });
    return true;
  } catch {
    return false;
  }
}

const validPoints = Array.from({ length: 8 }, () => {
  const jwk = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' });
  return { x: Buffer.from(jwk.x!, 'base64url'), y: Buffer.from(jwk.y!, 'base64url') };
});

describe('P-256 point check', () => {
  it('agrees with OpenSSL on real points, bit-flipped points and random pairs', () => {
    const nearValid = fc.record({ index: fc.nat(7), bit: fc.nat(511) }).map(({ index, bit }) => {
      const { x, y } = validPoints[index]!;
      const both = Buffer.concat([x, y]);
      both[bit >> 3] = both[bit >> 3]! ^ (1 << (bit & 7));
      return { x: both.subarray(0, 32), y: both.subarray(32) };
    });
    const random = fc.record({
      x: fc.uint8Array({ minLength: 32, maxLength: 32 }),
      y: fc.uint8Array({ minLength: 32, maxLength: 32 }),
    });
    fc.assert(
      fc.property(fc.oneof(nearValid, random, fc.constantFrom(...validPoints)), ({ x, y }) => {
        expect(isP256Point(x, y)).toBe(nodeAcceptsPoint(x, y));
      }),
      { numRuns: 300 },
    );
  });
});

describe('strict base64url', () => {
  it('decodes exactly the canonical encodings', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        expect(decodeBase64urlStrict(Buffer.from(bytes).toString('base64url'))).toEqual(Buffer.from(bytes));
      }),
    );
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...'AQgw_-+/=.Zz09 '), maxLength: 12 }), (text) => {
        const canonical =
          /^[A-Za-z0-9_-]*$/.test(text) && Buffer.from(text, 'base64url').toString('base64url') === text;
        expect(decodeBase64urlStrict(text) !== undefined).toBe(canonical);
      }),
    );
  });
});

describe('JWE properties', () => {
  let party: TestParty;
  let sample: string;
  beforeAll(async () => {
    party = await createParty('prop');
    sample = await encrypt(JSON.stringify({ pan: '5500000000000004', exp: '0629' }), party.recipient);
  });

  it('round-trips any plaintext', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.uint8Array({ maxLength: 2048 }),
          fc.json().map((text) => new TextEncoder().encode(text)),
        ),
        async (bytes) => {
          const { plaintext } = await decrypt(await encrypt(bytes, party.recipient), party.keys);
          expect(Buffer.from(plaintext)).toEqual(Buffer.from(bytes));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('refuses any single-character change anywhere in the compact string', async () => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ \u00e9';
    await fc.assert(
      fc.asyncProperty(
        fc.nat(sample.length - 1),
        fc.constantFrom(...alphabet),
        async (index, replacement) => {
          fc.pre(sample[index] !== replacement);
          const changed = `${sample.slice(0, index)}${replacement}${sample.slice(index + 1)}`;
          await expect(decrypt(changed, party.keys)).rejects.toBeInstanceOf(JweError);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('refuses every single-character change in the IV, ciphertext and tag, exhaustively for the last characters', async () => {
    // The last character of each part carries unused bits: lenient base64url decoders would accept some changes.
    const ends = [2, 3, 4].map(
      (part) =>
        sample
          .split('.')
          .slice(0, part + 1)
          .join('.').length - 1,
    );
    for (const index of ends) {
      for (const replacement of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_') {
        if (sample[index] === replacement) continue;
        const changed = `${sample.slice(0, index)}${replacement}${sample.slice(index + 1)}`;
        await expect(decrypt(changed, party.keys)).rejects.toBeInstanceOf(JweError);
      }
    }
  });
});
