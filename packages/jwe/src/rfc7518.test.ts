import { createCipheriv, createECDH, createHash } from 'node:crypto';
import { compactDecrypt } from 'jose';
import { describe, expect, it } from 'vitest';
import { importDecryptionKeySet } from './decryption-key-set.js';
import { decrypt } from './jwe.js';

// RFC 7518 Appendix C: Alice's ephemeral key, Bob's static key, apu "Alice", apv "Bob".
const alice = {
  kty: 'EC',
  crv: 'P-256',
  x: 'gI0GAILBdu7T53akrFmMyGcsF3n5dO7MmwNBHKW5SV0',
  y: 'SLW_xSffzlPWrHEVI30DHM_4egVwt3NQqeUD7nMFpps',
  d: '0_NxaRPUMQoAJt50Gz8YiTr8gRTwyEaCumd-MToTmIo',
};
const bob = {
  kty: 'EC',
  crv: 'P-256',
  x: 'weNJy2HscCSM6AEDTDg04biOvhFhyyWvOHQfeF_PxMQ',
  y: 'e8lnCO-AlStT-NJVX-crhB7QRYhiix03illJOVAOyck',
  d: 'VEmDZpDXXK8p8N0Cndsxs924q6nS1RXFASRl6BfUqdw',
};
const Z = Buffer.from([
  158, 86, 217, 29, 129, 113, 53, 211, 114, 131, 66, 131, 191, 132, 38, 156, 251, 49, 110, 163, 218, 128, 106,
  72, 246, 218, 167, 121, 140, 254, 144, 196,
]);
const DERIVED_A128GCM = 'VqqN6vgjbSBcIijNcacQGg';

/** Concat KDF (NIST SP 800-56A) as RFC 7518 4.6.2 specifies it, written out independently of jose. */
function concatKdf(z: Buffer, enc: string, keyBits: number): Buffer {
  const field = (bytes: Buffer) => {
    const out = Buffer.alloc(4 + bytes.length);
    out.writeUInt32BE(bytes.length, 0);
    bytes.copy(out, 4);
    return out;
  };
  const suppPubInfo = Buffer.alloc(4);
  suppPubInfo.writeUInt32BE(keyBits, 0);
  const otherInfo = Buffer.concat([
    field(Buffer.from(enc)),
    field(Buffer.from('Alice')),
    field(Buffer.from('Bob')),
    suppPubInfo,
  ]);
  return createHash('sha256')
    .update(Buffer.from([0, 0, 0, 1]))
    .update(z)
    .update(otherInfo)
    .digest()
    .subarray(0, keyBits / 8);
}

function compactWithKey(header: Record<string, unknown>, key: Buffer, plaintext: string): string {
  const encodedHeader = Buffer.from(JSON.stringify(header)).toString('base64url');
  const iv = Buffer.alloc(12, 7);
  const cipher = createCipheriv(key.length === 16 ? 'aes-128-gcm' : 'aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(encodedHeader, 'ascii'));
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return [
    encodedHeader,
    '',
    iv.toString('base64url'),
    ciphertext.toString('base64url'),
    cipher.getAuthTag().toString('base64url'),
  ].join('.');
}

const epk = { kty: 'EC', crv: 'P-256', x: alice.x, y: alice.y };

describe('RFC 7518 Appendix C (ECDH-ES key agreement example)', () => {
  it('gives the published shared secret Z and derived key', () => {
    const ecdh = createECDH('prime256v1');
    ecdh.setPrivateKey(Buffer.from(bob.d, 'base64url'));
    const alicePoint = Buffer.concat([
      Buffer.of(4),
      Buffer.from(alice.x, 'base64url'),
      Buffer.from(alice.y, 'base64url'),
    ]);
    expect(ecdh.computeSecret(alicePoint)).toEqual(Z);
    expect(concatKdf(Z, 'A128GCM', 128).toString('base64url')).toBe(DERIVED_A128GCM);
  });

  it("is what jose derives from the published header and Bob's key", async () => {
    const header = { alg: 'ECDH-ES', enc: 'A128GCM', apu: 'QWxpY2U', apv: 'Qm9i', epk };
    const jwe = compactWithKey(header, Buffer.from(DERIVED_A128GCM, 'base64url'), 'vector');
    const { plaintext } = await compactDecrypt(jwe, { ...bob });
    expect(new TextDecoder().decode(plaintext)).toBe('vector');
  });

  it('decrypts through the D1 profile with the same keys for A256GCM, and refuses the A128GCM original', async () => {
    const keys = await importDecryptionKeySet([{ key: bob, kid: 'bob' }]);
    const header = { alg: 'ECDH-ES', enc: 'A256GCM', kid: 'bob', apu: 'QWxpY2U', apv: 'Qm9i', epk };
    const jwe = compactWithKey(header, concatKdf(Z, 'A256GCM', 256), '{"vector":true}');
    expect(new TextDecoder().decode((await decrypt(jwe, keys)).plaintext)).toBe('{"vector":true}');
    const original = compactWithKey(
      { ...header, enc: 'A128GCM' },
      Buffer.from(DERIVED_A128GCM, 'base64url'),
      'x',
    );
    await expect(decrypt(original, keys)).rejects.toMatchObject({ code: 'JWE_ENC_NOT_ALLOWED' });
  });
});
