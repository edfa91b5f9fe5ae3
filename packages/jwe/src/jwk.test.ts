import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { calculateJwkThumbprint } from 'jose';
import { describe, expect, it } from 'vitest';
import { JweError } from './errors.js';
import { generateKeyPair } from './generate.js';
import { exportPublicJwk, toPrivateJwk, toPublicJwk } from './jwk.js';

function p256Pem() {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return {
    pkcs8: privateKey.export({ format: 'pem', type: 'pkcs8' }) as string,
    sec1: privateKey.export({ format: 'pem', type: 'sec1' }) as string,
    spki: publicKey.export({ format: 'pem', type: 'spki' }) as string,
    jwk: privateKey.export({ format: 'jwk' }) as Record<string, string>,
  };
}

async function keyError(promise: Promise<unknown>, ...secrets: string[]): Promise<string> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(JweError);
    for (const secret of secrets) expect((error as Error).message).not.toContain(secret);
    return (error as JweError).code;
  }
  throw new Error('key accepted');
}

describe('generateKeyPair', () => {
  it('makes a P-256 pair whose kid defaults to the RFC 7638 thumbprint', async () => {
    const pair = await generateKeyPair();
    const { kty, crv, x, y } = pair.publicJwk;
    expect(pair.kid).toBe(await calculateJwkThumbprint({ kty, crv, x, y }, 'sha256'));
    expect(pair.kid).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(pair.publicJwk).toEqual({
      kty: 'EC',
      crv: 'P-256',
      x,
      y,
      kid: pair.kid,
      use: 'enc',
      alg: 'ECDH-ES',
    });
    expect(pair.privateJwk).toEqual({ ...pair.publicJwk, d: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/) });
  });

  it('takes a chosen kid', async () => {
    expect((await generateKeyPair({ kid: 'issuer-2026-01' })).publicJwk.kid).toBe('issuer-2026-01');
    expect(await keyError(generateKeyPair({ kid: '' }))).toBe('KEY_INVALID');
  });
});

describe('key import', () => {
  it('reads PKCS#8, SEC1 and SPKI PEM into the same key, with the thumbprint as kid', async () => {
    const pem = p256Pem();
    const fromPkcs8 = await toPrivateJwk(pem.pkcs8);
    const fromSec1 = await toPrivateJwk(pem.sec1);
    const fromSpki = await toPublicJwk(pem.spki);
    expect(fromSec1).toEqual(fromPkcs8);
    expect(fromPkcs8).toMatchObject({ x: pem.jwk.x, y: pem.jwk.y, d: pem.jwk.d });
    expect(fromSpki.kid).toBe(fromPkcs8.kid);
    expect(await exportPublicJwk(pem.pkcs8, { kid: 'k1' })).toEqual({ ...fromSpki, kid: 'k1' });
  });

  it('reads the public key out of a P-256 certificate (as a peer may deliver it)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'd1kit-jwe-cert-'));
    try {
      const [key, crt] = [join(dir, 'k.pem'), join(dir, 'c.pem')];
      const args = ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
      execFileSync(
        'openssl',
        [...args, '-keyout', key, '-out', crt, '-days', '1', '-subj', '/CN=d1kit test'],
        { stdio: 'ignore' },
      );
      const fromCert = await toPublicJwk(readFileSync(crt, 'utf8'), { kid: 'peer' });
      expect(fromCert).toEqual(await exportPublicJwk(readFileSync(key, 'utf8'), { kid: 'peer' }));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps a JWK kid, accepts a matching kid option and refuses a conflicting one', async () => {
    const { jwk } = p256Pem();
    expect((await toPrivateJwk({ ...jwk, kid: 'mine' })).kid).toBe('mine');
    expect((await toPrivateJwk({ ...jwk, kid: 'mine' }, { kid: 'mine' })).kid).toBe('mine');
    expect(await keyError(toPrivateJwk({ ...jwk, kid: 'mine' }, { kid: 'other' }))).toBe('KEY_INVALID');
  });

  it('refuses a private key where a public one is expected and the other way round', async () => {
    const { jwk, pkcs8, spki } = p256Pem();
    expect(await keyError(toPublicJwk(jwk), jwk.d!)).toBe('KEY_INVALID');
    expect(await keyError(toPublicJwk(pkcs8))).toBe('KEY_INVALID');
    expect(await keyError(toPrivateJwk(spki))).toBe('KEY_INVALID');
    const { d: _d, ...pub } = jwk;
    expect(await keyError(toPrivateJwk(pub))).toBe('KEY_INVALID');
  });

  it('refuses other curves and key types', async () => {
    const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' });
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const ed = generateKeyPairSync('ed25519');
    const candidates = [
      p384.privateKey.export({ format: 'jwk' }),
      p384.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string,
      p384.publicKey,
      rsa.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string,
      rsa.publicKey.export({ format: 'jwk' }),
      ed.privateKey.export({ format: 'jwk' }),
      { ...p256Pem().jwk, kty: 'RSA' },
    ];
    for (const candidate of candidates)
      expect(await keyError(exportPublicJwk(candidate as never))).toBe('KEY_INVALID');
  });

  it('refuses a JWK meant for something else', async () => {
    const { jwk } = p256Pem();
    for (const extra of [
      { use: 'sig' },
      { alg: 'ES256' },
      { alg: 'RSA-OAEP-256' },
      { key_ops: ['sign'] },
      { kid: 7 },
    ]) {
      expect(await keyError(toPrivateJwk({ ...jwk, ...extra }), jwk.d!)).toBe('KEY_INVALID');
    }
    expect((await toPrivateJwk({ ...jwk, use: 'enc', alg: 'ECDH-ES', key_ops: ['deriveBits'] })).d).toBe(
      jwk.d,
    );
  });

  it('refuses an off-curve point, non-canonical coordinates and a d that does not match x, y', async () => {
    const a = p256Pem().jwk;
    const b = p256Pem().jwk;
    const y = Buffer.from(a.y!, 'base64url');
    y[0] = y[0]! ^ 1;
    const order = Buffer.from(
      'ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551',
      'hex',
    ).toString('base64url');
    const bad = [
      { ...a, y: y.toString('base64url') },
      { ...a, x: `${a.x}=` },
      { ...a, x: a.x!.slice(1) },
      { ...a, d: b.d },
      { ...a, d: order },
      { ...a, d: Buffer.alloc(32).toString('base64url') },
      { ...a, d: a.d!.slice(2) },
      { ...a, d: 5 },
    ];
    for (const candidate of bad)
      expect(await keyError(toPrivateJwk(candidate), a.d!, b.d!)).toBe('KEY_INVALID');
  });

  it('refuses unreadable input without echoing it', async () => {
    const secretLooking = '-----BEGIN PRIVATE KEY-----\nc2VjcmV0LW1hdGVyaWFs\n-----END PRIVATE KEY-----\n';
    const encrypted = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({
      format: 'pem',
      type: 'pkcs8',
      cipher: 'aes-256-cbc',
      passphrase: 'pw',
    }) as string;
    for (const input of [secretLooking, encrypted, 'not a key', '', null, [], 42]) {
      expect(await keyError(exportPublicJwk(input as never), 'c2VjcmV0LW1hdGVyaWFs')).toBe('KEY_INVALID');
    }
  });
});

describe('private JWK printing', () => {
  it('hides d from util.inspect and console.log but keeps it in JSON', async () => {
    const { privateJwk } = await generateKeyPair({ kid: 'printed' });
    const printed = inspect({ pair: privateJwk }, { depth: 5 });
    expect(printed).not.toContain(privateJwk.d);
    expect(printed).toContain('[redacted]');
    expect(printed).toContain(privateJwk.x);
    expect(JSON.parse(JSON.stringify(privateJwk)).d).toBe(privateJwk.d);
    expect(Object.keys(privateJwk)).toContain('d');
  });
});
