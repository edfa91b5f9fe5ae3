import { createHmac } from 'node:crypto';
import { type JWTPayload, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { createBearerVerifier } from './bearer-verifier.js';
import { TokenError } from './errors.js';
import { KeyRing } from './key-ring.js';
import { b64json, p256, signRaw, type TestKeyPair } from './test-support/keys.js';

const NOW = Date.UTC(2026, 0, 15, 12);
const T = NOW / 1000;
const ISS = 'https://issuer.example/authz/d1/v1';
const AUD = 'https://issuer.example/d1';
const key = p256('as-k1');
const ring = new KeyRing({ current: key });
const verifier = createBearerVerifier({
  keys: ring,
  issuer: ISS,
  audience: AUD,
  clientIds: ['d1-client'],
  now: () => NOW,
});

const CLAIMS: JWTPayload = {
  iss: ISS,
  aud: AUD,
  sub: 'd1-client',
  scope: 'pin:read',
  iat: T,
  exp: T + 900,
  jti: 'j1',
};

function sign(claims: JWTPayload = {}, header: Record<string, unknown> = {}, signer: TestKeyPair = key) {
  const payload = Object.fromEntries(
    Object.entries({ ...CLAIMS, ...claims }).filter(([, v]) => v !== undefined),
  );
  return new SignJWT(payload)
    .setProtectedHeader({ alg: 'ES256', kid: 'as-k1', typ: 'at+jwt', ...header })
    .sign(signer.privateKey);
}

async function reason(token: string, v = verifier): Promise<string | undefined> {
  try {
    await v.verify(token);
  } catch (error) {
    expect(error).toBeInstanceOf(TokenError);
    expect((error as TokenError).code).toBe('BEARER_INVALID');
    expect((error as Error).message).not.toContain(token);
    return (error as TokenError).reason;
  }
  return undefined;
}

describe('createBearerVerifier', () => {
  it('accepts a well-formed token and returns client id, scopes and kid', async () => {
    const verified = await verifier.verify(await sign({ scope: 'pin:read cards' }));
    expect(verified).toMatchObject({ clientId: 'd1-client', kid: 'as-k1' });
    expect([...verified.scopes]).toEqual(['pin:read', 'cards']);
  });

  it('tolerates clock skew up to the configured bound and no further', async () => {
    expect(await reason(await sign({ exp: T - 29 }))).toBeUndefined();
    expect(await reason(await sign({ exp: T - 31 }))).toBe('exp');
    expect(await reason(await sign({ nbf: T + 29 }))).toBeUndefined();
    expect(await reason(await sign({ nbf: T + 31 }))).toBe('nbf');
    expect(await reason(await sign({ iat: T + 31 }))).toBe('iat');
  });

  it('refuses tokens older than maxTokenAgeSeconds whatever their exp', async () => {
    expect(await reason(await sign({ iat: T - 4000, exp: T + 900 }))).toBe('iat');
  });
});

describe('createBearerVerifier refuses every RFC 8725 forgery', () => {
  const header = b64json({ alg: 'ES256', kid: 'as-k1', typ: 'at+jwt' });
  const payload = b64json(CLAIMS);

  it('alg: none, with or without a signature part', async () => {
    const none = b64json({ alg: 'none', kid: 'as-k1', typ: 'at+jwt' });
    expect(await reason(`${none}.${payload}.`)).toBe('malformed');
    expect(await reason(`${none}.${payload}.${Buffer.from('x').toString('base64url')}`)).toBe('alg');
  });

  it('HS256 signed with the public key as the HMAC secret', async () => {
    const hs = b64json({ alg: 'HS256', kid: 'as-k1', typ: 'at+jwt' });
    for (const secret of [
      key.publicKey.export({ format: 'pem', type: 'spki' }),
      key.publicKey.export({ format: 'der', type: 'spki' }),
      JSON.stringify(key.publicKey.export({ format: 'jwk' })),
    ]) {
      const mac = createHmac('sha256', secret).update(`${hs}.${payload}`).digest('base64url');
      expect(await reason(`${hs}.${payload}.${mac}`)).toBe('alg');
    }
  });

  it('other asymmetric algorithms', async () => {
    for (const alg of ['ES384', 'RS256', 'PS256', 'EdDSA']) {
      const other = b64json({ alg, kid: 'as-k1', typ: 'at+jwt' });
      expect(await reason(`${other}.${payload}.${'A'.repeat(86)}`)).toBe('alg');
    }
  });

  it('an unknown or missing kid', async () => {
    expect(await reason(await sign({}, { kid: 'as-k9' }))).toBe('kid');
    expect(await reason(await sign({}, { kid: undefined }))).toBe('kid');
  });

  it('a kid no key ring could hold, without handing it to a custom resolver', async () => {
    const asked: string[] = [];
    const custom = createBearerVerifier({
      keys: {
        resolve: (kid) => {
          asked.push(kid);
          return ring.resolve(kid);
        },
      },
      issuer: ISS,
      audience: AUD,
      now: () => NOW,
    });
    for (const kid of ['', 'a\u0000b', 'k\r\nx', 'ünïcode', 'x'.repeat(257), 42]) {
      expect(await reason(await sign({}, { kid }), custom)).toBe('kid');
    }
    expect(asked).toEqual([]);
    expect(await reason(await sign(), custom)).toBeUndefined();
    expect(asked).toEqual(['as-k1']);
  });

  it('a key embedded in the header (jwk) or pointed to (jku)', async () => {
    const attacker = p256('as-k1');
    const jwk = attacker.publicKey.export({ format: 'jwk' });
    expect(await reason(await sign({}, { jwk }, attacker))).toBe('signature');
    expect(await reason(await sign({}, { jku: 'https://evil.example/jwks' }, attacker))).toBe('signature');
  });

  it('an expired or not-yet-valid token', async () => {
    expect(await reason(await sign({ exp: T - 3600, iat: T - 4500 }))).toBe('exp');
    expect(await reason(await sign({ nbf: T + 600 }))).toBe('nbf');
  });

  it('a wrong or missing iss / aud', async () => {
    expect(await reason(await sign({ iss: 'https://evil.example' }))).toBe('iss');
    expect(await reason(await sign({ aud: 'https://other-api.example' }))).toBe('aud');
    expect(await reason(await sign({ aud: undefined }))).toBe('aud');
    expect(await reason(await sign({ iss: undefined }))).toBe('iss');
  });

  it('a tampered payload or signature', async () => {
    const [h, , s] = (await sign()).split('.');
    const elevated = b64json({ ...CLAIMS, scope: 'pin:read pin:write' });
    expect(await reason(`${h}.${elevated}.${s}`)).toBe('signature');
    const flipped = `${s?.[0] === 'A' ? 'B' : 'A'}${s?.slice(1)}`;
    expect(await reason(`${h}.${payload}.${flipped}`)).toBe('signature');
    const reordered = b64json({ typ: 'at+jwt', kid: 'as-k1', alg: 'ES256' });
    expect(await reason(`${reordered}.${payload}.${s}`)).toBe('signature');
  });

  it('a token signed by another key under our kid', async () => {
    expect(await reason(await sign({}, {}, p256('as-k1')))).toBe('signature');
  });

  it('a token issued to another client', async () => {
    expect(await reason(await sign({ sub: 'other-client' }))).toBe('sub');
    expect(await reason(await sign({ sub: undefined }))).toBe('sub');
  });

  it('a JWT of another type (typ), unless typ checking is switched off', async () => {
    expect(await reason(await sign({}, { typ: 'JWT' }))).toBe('typ');
    expect(await reason(await sign({}, { typ: undefined }))).toBe('typ');
    const lax = createBearerVerifier({ keys: ring, issuer: ISS, audience: AUD, typ: null, now: () => NOW });
    expect(await reason(await sign({}, { typ: 'JWT' }), lax)).toBeUndefined();
  });

  it('unknown critical headers, JWE, oversized and garbage input', async () => {
    const critical = { alg: 'ES256', kid: 'as-k1', typ: 'at+jwt', crit: ['x-unknown'], 'x-unknown': 1 };
    expect(await reason(signRaw(critical, CLAIMS, key.privateKey))).toBe('malformed');
    // The same raw signer without crit passes, so the refusal above is about crit alone.
    expect(await reason(signRaw({ alg: 'ES256', kid: 'as-k1', typ: 'at+jwt' }, CLAIMS, key.privateKey))).toBe(
      undefined,
    );
    expect(await reason('a.b.c.d.e')).toBe('malformed');
    expect(await reason(`${header}.${'A'.repeat(9000)}.sig`)).toBe('malformed');
    expect(await reason('not a token')).toBe('malformed');
    expect(await reason(`${header}.bm90IGpzb24.${'A'.repeat(86)}`)).toBe('signature');
  });

  it('a scope claim that is not a space-separated string', async () => {
    expect(await reason(await sign({ scope: ['pin:read'] as unknown as string }))).toBe('scope');
  });
});

describe('createBearerVerifier options', () => {
  it.each([
    ['no keys', { keys: undefined }],
    ['an empty issuer', { issuer: '' }],
    ['an empty audience list', { audience: [] }],
    ['a clock tolerance above 300 s', { clockToleranceSeconds: 301 }],
    ['a negative clock tolerance', { clockToleranceSeconds: -1 }],
    ['a zero max age', { maxTokenAgeSeconds: 0 }],
  ])('refuses %s', (_name, overrides) => {
    expect(() =>
      createBearerVerifier({ keys: ring, issuer: ISS, audience: AUD, ...(overrides as object) }),
    ).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
  });
});
