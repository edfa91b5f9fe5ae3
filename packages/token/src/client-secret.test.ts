import { describe, expect, it } from 'vitest';
import {
  generateClientSecret,
  hashClientSecret,
  parseClientSecretHash,
  verifyClientSecret,
} from './client-secret.js';

const FAST = { logN: 10, r: 8, p: 1 };

describe('client secret hashing', () => {
  it('produces a self-describing scrypt string that verifies the right secret only', async () => {
    const hash = await hashClientSecret('correct horse', FAST);
    expect(hash).toMatch(/^\$scrypt\$ln=10,r=8,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    expect(hash).not.toContain('correct');
    expect(await verifyClientSecret('correct horse', hash)).toBe(true);
    expect(await verifyClientSecret('correct hors', hash)).toBe(false);
    expect(await verifyClientSecret('', hash)).toBe(false);
    expect(await verifyClientSecret('x'.repeat(5000), hash)).toBe(false);
  });

  it('salts each hash', async () => {
    const [a, b] = await Promise.all([hashClientSecret('same', FAST), hashClientSecret('same', FAST)]);
    expect(a).not.toBe(b);
  });

  it('uses N = 2^15, r = 8, p = 1 by default', async () => {
    expect(await hashClientSecret('s')).toMatch(/^\$scrypt\$ln=15,r=8,p=1\$/);
  });

  it.each([
    ['an empty string', ''],
    [
      'another algorithm',
      '$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g',
    ],
    [
      'a cost below 2^10',
      '$scrypt$ln=4,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
    ],
    [
      'a cost above 2^20',
      '$scrypt$ln=24,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
    ],
    ['a short salt', '$scrypt$ln=10,r=8,p=1$AAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'],
    ['a short hash', '$scrypt$ln=10,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAA'],
    ['r = 0', '$scrypt$ln=10,r=0,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'],
  ])('refuses %s as a stored hash', (_name, encoded) => {
    expect(() => parseClientSecretHash(encoded)).toThrow(
      expect.objectContaining({ code: 'SECRET_HASH_INVALID' }),
    );
  });

  it('refuses empty secrets and out-of-range parameters when hashing', async () => {
    await expect(hashClientSecret('', FAST)).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
    await expect(hashClientSecret('s', { logN: 9, r: 8, p: 1 })).rejects.toMatchObject({
      code: 'SECRET_HASH_INVALID',
    });
  });

  it('generates 256-bit base64url secrets (unreserved characters only)', () => {
    const secret = generateClientSecret();
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(generateClientSecret()).not.toBe(secret);
  });
});
