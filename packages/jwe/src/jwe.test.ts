import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { CompactEncrypt, importJWK } from 'jose';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { JweError } from './errors.js';
import { decrypt, encrypt } from './jwe.js';
import { CARD, createParty, decodeHeader, type TestParty, withHeader } from './testing/fixtures.js';

let alice: TestParty;
let mallory: TestParty;
beforeAll(async () => {
  alice = await createParty('alice-2026');
  mallory = await createParty('alice-2026');
});

const plaintext = JSON.stringify(CARD);

async function refusal(jwe: unknown, keys = alice.keys): Promise<string> {
  try {
    await decrypt(jwe as string, keys);
  } catch (error) {
    expect(error).toBeInstanceOf(JweError);
    expect((error as Error).message).not.toContain(CARD.pan);
    return (error as JweError).code;
  }
  throw new Error('decrypt accepted the input');
}

describe('encrypt / decrypt', () => {
  it('round-trips and names the key that decrypted', async () => {
    const jwe = await encrypt(plaintext, alice.recipient);
    const { plaintext: out, kid } = await decrypt(jwe, alice.keys);
    expect(new TextDecoder().decode(out)).toBe(plaintext);
    expect(kid).toBe('alice-2026');
  });

  it('writes exactly the D1 protected header, an empty encrypted key and a 96-bit IV', async () => {
    const jwe = await encrypt(new Uint8Array([1, 2, 3]), alice.recipient);
    const [, encryptedKey, iv, , tag] = jwe.split('.');
    const header = decodeHeader(jwe);
    expect(Object.keys(header).sort()).toEqual(['alg', 'enc', 'epk', 'kid']);
    expect(header).toMatchObject({
      alg: 'ECDH-ES',
      enc: 'A256GCM',
      kid: 'alice-2026',
      epk: { kty: 'EC', crv: 'P-256' },
    });
    expect(encryptedKey).toBe('');
    expect(Buffer.from(iv!, 'base64url')).toHaveLength(12);
    expect(Buffer.from(tag!, 'base64url')).toHaveLength(16);
  });

  it('uses a fresh ephemeral key and IV for every message', async () => {
    const [a, b] = await Promise.all([
      encrypt(plaintext, alice.recipient),
      encrypt(plaintext, alice.recipient),
    ]);
    expect(decodeHeader(a).epk).not.toEqual(decodeHeader(b).epk);
    expect(a.split('.')[2]).not.toBe(b.split('.')[2]);
  });

  it('refuses a plaintext whose JWE would exceed 8,192 characters, and accepts one just under', async () => {
    await expect(encrypt('x'.repeat(6000), alice.recipient)).rejects.toMatchObject({
      code: 'PLAINTEXT_TOO_LARGE',
    });
    const jwe = await encrypt('x'.repeat(5800), alice.recipient);
    expect(jwe.length).toBeLessThanOrEqual(8192);
    await expect(decrypt(jwe, alice.keys)).resolves.toBeDefined();
  });

  it('refuses a plaintext larger than the JWE limit before any key agreement or encryption runs', async () => {
    const deriveBits = vi.spyOn(globalThis.crypto.subtle, 'deriveBits');
    try {
      await expect(encrypt(new Uint8Array(4 * 1024 * 1024), alice.recipient)).rejects.toMatchObject({
        code: 'PLAINTEXT_TOO_LARGE',
      });
      expect(deriveBits).not.toHaveBeenCalled();
    } finally {
      deriveBits.mockRestore();
    }
  });

  it('refuses keys that were not imported through the package', async () => {
    await expect(encrypt(plaintext, alice.pair.publicJwk as never)).rejects.toMatchObject({
      code: 'KEY_INVALID',
    });
    const jwe = await encrypt(plaintext, alice.recipient);
    await expect(decrypt(jwe, { keys: [alice.pair.privateJwk] } as never)).rejects.toMatchObject({
      code: 'KEY_SET_INVALID',
    });
  });

  it('refuses a non-byte plaintext', async () => {
    await expect(encrypt(42 as unknown as string, alice.recipient)).rejects.toMatchObject({
      code: 'JWE_ENCRYPTION_FAILED',
    });
  });
});

describe('decrypt refusals', () => {
  let jwe: string;
  beforeAll(async () => {
    jwe = await encrypt(plaintext, alice.recipient);
  });

  it('refuses the wrong key under a known kid without saying why', async () => {
    expect(await refusal(jwe, mallory.keys)).toBe('JWE_DECRYPTION_FAILED');
  });

  it('refuses an unknown or missing kid before any crypto', async () => {
    expect(await refusal(withHeader(jwe, { ...decodeHeader(jwe), kid: 'someone-else' }))).toBe(
      'JWE_KID_UNKNOWN',
    );
    const { kid: _kid, ...noKid } = decodeHeader(jwe);
    expect(await refusal(withHeader(jwe, noKid))).toBe('JWE_KID_MISSING');
    expect(await refusal(withHeader(jwe, { ...decodeHeader(jwe), kid: 7 }))).toBe('JWE_MALFORMED');
  });

  it('refuses zip, crit and members outside the profile', async () => {
    const header = decodeHeader(jwe);
    expect(await refusal(withHeader(jwe, { ...header, zip: 'DEF' }))).toBe('JWE_ZIP_NOT_ALLOWED');
    expect(await refusal(withHeader(jwe, { ...header, crit: ['exp'], exp: 1 }))).toBe('JWE_CRIT_NOT_ALLOWED');
    const extras = [
      '"jku":"https://example.test/k"',
      `"jwk":${JSON.stringify(header.epk)}`,
      '"x5u":"x"',
      '"p2c":1',
      '"__proto__":{}',
    ];
    for (const extra of extras) {
      const raw = JSON.stringify(header).replace(/}$/, `,${extra}}`);
      const tampered = [Buffer.from(raw).toString('base64url'), ...jwe.split('.').slice(1)].join('.');
      expect(await refusal(tampered)).toBe('JWE_HEADER_NOT_ALLOWED');
    }
  });

  it('refuses other alg and enc values, whoever produced them', async () => {
    const header = decodeHeader(jwe);
    for (const alg of ['RSA-OAEP-256', 'dir', 'none', 'ECDH-ES+A256KW', 'ecdh-es', undefined]) {
      expect(await refusal(withHeader(jwe, { ...header, alg }))).toBe('JWE_ALG_NOT_ALLOWED');
    }
    for (const enc of ['A128CBC-HS256', 'A128GCM', 'A256CBC-HS512', undefined]) {
      expect(await refusal(withHeader(jwe, { ...header, enc }))).toBe('JWE_ENC_NOT_ALLOWED');
    }
  });

  it('refuses real JWEs made with RSA-OAEP-256, dir and A128CBC-HS256, and an unsecured one', async () => {
    const bytes = new TextEncoder().encode(plaintext);
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey;
    const rsaJwe = await new CompactEncrypt(bytes)
      .setProtectedHeader({ alg: 'RSA-OAEP-256', enc: 'A256GCM', kid: 'alice-2026' })
      .encrypt(rsa);
    expect(await refusal(rsaJwe)).toBe('JWE_ALG_NOT_ALLOWED');
    const dirJwe = await new CompactEncrypt(bytes)
      .setProtectedHeader({ alg: 'dir', enc: 'A256GCM', kid: 'alice-2026' })
      .encrypt(randomBytes(32));
    expect(await refusal(dirJwe)).toBe('JWE_ALG_NOT_ALLOWED');
    const publicKey = await importJWK(alice.pair.publicJwk, 'ECDH-ES');
    const cbcJwe = await new CompactEncrypt(bytes)
      .setProtectedHeader({ alg: 'ECDH-ES', enc: 'A128CBC-HS256', kid: 'alice-2026' })
      .encrypt(publicKey);
    expect(await refusal(cbcJwe)).toBe('JWE_ENC_NOT_ALLOWED');
    const none = `${Buffer.from('{"alg":"none","kid":"alice-2026"}').toString('base64url')}..${jwe.split('.').slice(2).join('.')}`;
    expect(await refusal(none)).toBe('JWE_ALG_NOT_ALLOWED');
  });

  it('refuses an epk that is not a P-256 point (invalid-curve attack) or is not a bare public key', async () => {
    const header = decodeHeader(jwe);
    const epk = header.epk as Record<string, string>;
    const y = Buffer.from(epk.y!, 'base64url');
    y[31] = (y[31]! + 1) % 256;
    const offCurve = { ...epk, y: y.toString('base64url') };
    expect(await refusal(withHeader(jwe, { ...header, epk: offCurve }))).toBe('JWE_EPK_INVALID');
    const bad = [
      undefined,
      'x',
      { ...epk, crv: 'P-384' },
      { ...epk, kty: 'OKP' },
      { ...epk, d: epk.x },
      { ...epk, kid: 'k' },
      { ...epk, x: `${epk.x}A` },
      { kty: 'EC', crv: 'P-256', x: epk.x },
      { ...epk, x: Buffer.alloc(32, 0xff).toString('base64url') },
    ];
    for (const candidate of bad)
      expect(await refusal(withHeader(jwe, { ...header, epk: candidate }))).toBe('JWE_EPK_INVALID');
  });

  it('refuses strings over 8,192 characters unread, and non-strings', async () => {
    expect(await refusal(`${jwe}${'A'.repeat(8193 - jwe.length)}`)).toBe('JWE_TOO_LONG');
    expect(await refusal('A'.repeat(100_000))).toBe('JWE_TOO_LONG');
    expect(await refusal(undefined)).toBe('JWE_MALFORMED');
    expect(await refusal(Buffer.from(jwe))).toBe('JWE_MALFORMED');
  });

  it('refuses truncated strings and wrong part counts', async () => {
    for (const cut of [0, 1, 10, jwe.indexOf('.'), jwe.indexOf('.') + 1, jwe.length - 23, jwe.length - 1]) {
      expect(['JWE_MALFORMED', 'JWE_DECRYPTION_FAILED']).toContain(await refusal(jwe.slice(0, cut)));
    }
    expect(await refusal(`${jwe}.`)).toBe('JWE_MALFORMED');
    expect(await refusal(jwe.split('.').slice(0, 4).join('.'))).toBe('JWE_MALFORMED');
  });

  it('refuses a non-empty encrypted key, a short IV or tag and non-canonical base64url', async () => {
    const parts = jwe.split('.');
    const swap = (index: number, value: string) => parts.map((p, i) => (i === index ? value : p)).join('.');
    expect(await refusal(swap(1, 'AAAA'))).toBe('JWE_MALFORMED');
    expect(await refusal(swap(2, 'AAAAAAAAAAA'))).toBe('JWE_MALFORMED');
    expect(await refusal(swap(4, parts[4]!.slice(0, 20)))).toBe('JWE_MALFORMED');
    expect(await refusal(swap(3, `${parts[3]}=`))).toBe('JWE_MALFORMED');
    expect(await refusal(swap(3, parts[3]!.replace(/.$/, '+')))).toBe('JWE_MALFORMED');
    expect(await refusal(`${Buffer.from('[1]').toString('base64url')}.${parts.slice(1).join('.')}`)).toBe(
      'JWE_MALFORMED',
    );
    expect(await refusal(`${Buffer.from('{"alg":').toString('base64url')}.${parts.slice(1).join('.')}`)).toBe(
      'JWE_MALFORMED',
    );
  });

  it('refuses a tampered header, IV, ciphertext or tag', async () => {
    const parts = jwe.split('.');
    const flip = (index: number) => {
      const bytes = Buffer.from(parts[index]!, 'base64url');
      bytes[0] = bytes[0]! ^ 0x01;
      return parts.map((p, i) => (i === index ? bytes.toString('base64url') : p)).join('.');
    };
    expect(await refusal(withHeader(jwe, { ...decodeHeader(jwe), typ: 'JWE' }))).toBe(
      'JWE_DECRYPTION_FAILED',
    );
    for (const index of [2, 3, 4]) expect(await refusal(flip(index))).toBe('JWE_DECRYPTION_FAILED');
  });
});
