import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeIo } from '../fake-io.test-helpers.js';
import { runCli } from '../run.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'd1kit-jwe-cli-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function run(argv: string[], stdin = ''): Promise<{ code: number; out: string; err: string }> {
  const io = fakeIo({ stdin, cwd: dir });
  const code = await runCli(['jwe', ...argv], io);
  return { code, out: io.out(), err: io.err() };
}

const card = { pan: '4111111111111111', exp: '0629', cvv: '123' };

async function keyFiles(kid: string): Promise<{ privateFile: string; publicFile: string; d: string }> {
  const gen = await run(['keygen', '--kid', kid]);
  expect(gen.code).toBe(0);
  const privateJwk = JSON.parse(gen.out) as Record<string, string>;
  await writeFile(join(dir, `${kid}.private.json`), gen.out);
  const pub = await run(['public-key', '--key', `${kid}.private.json`]);
  expect(pub.code).toBe(0);
  await writeFile(join(dir, `${kid}.public.json`), pub.out);
  return { privateFile: `${kid}.private.json`, publicFile: `${kid}.public.json`, d: privateJwk.d! };
}

describe('d1kit jwe', () => {
  it('keygen prints a private P-256 JWK with a kid (the thumbprint by default)', async () => {
    const { code, out } = await run(['keygen']);
    expect(code).toBe(0);
    const jwk = JSON.parse(out);
    expect(jwk).toMatchObject({ kty: 'EC', crv: 'P-256', use: 'enc', alg: 'ECDH-ES' });
    expect(jwk.kid).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(jwk.d).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('public-key strips the private part; encrypt and decrypt round-trip through files and stdin', async () => {
    const keys = await keyFiles('cli-1');
    const pub = (await keyJson(keys.publicFile)) as Record<string, unknown>;
    expect(pub.d).toBeUndefined();
    expect(pub.kid).toBe('cli-1');
    const enc = await run(
      ['encrypt', '--key', keys.publicFile, '--schema', 'CardCredentials'],
      JSON.stringify(card),
    );
    expect(enc.code).toBe(0);
    expect(enc.out.trim().split('.')).toHaveLength(5);
    const dec = await run(['decrypt', '--key', keys.privateFile], `${enc.out}\n`);
    expect(dec.code).toBe(0);
    expect(JSON.parse(dec.out)).toEqual(card);
  });

  it('decrypts with a JWKS holding old and new keys', async () => {
    const [older, newer] = [await keyFiles('old'), await keyFiles('new')];
    const jwks = { keys: [await keyJson(newer.privateFile), await keyJson(older.privateFile)] };
    await writeFile(join(dir, 'both.jwks.json'), JSON.stringify(jwks));
    for (const key of [older, newer]) {
      const enc = await run(['encrypt', '--key', key.publicFile], '{"a":1}');
      const dec = await run(['decrypt', '--key', 'both.jwks.json', '--current-kid', 'new'], enc.out);
      expect(dec).toMatchObject({ code: 0, out: '{"a":1}\n' });
    }
  });

  it('fails with a code on stderr and never shows plaintext or key material', async () => {
    const right = await keyFiles('right');
    const wrong = await keyFiles('right-impostor');
    const enc = await run(['encrypt', '--key', right.publicFile], JSON.stringify(card));
    // Same kid as the right key, different key material: must fail at decryption, not at lookup.
    await writeFile(
      join(dir, 'impostor.json'),
      JSON.stringify({ ...((await keyJson(wrong.privateFile)) as object), kid: 'right' }),
    );
    const cases = [
      await run(['decrypt', '--key', 'impostor.json'], enc.out),
      await run(['decrypt', '--key', wrong.privateFile], enc.out),
      await run(['decrypt', '--key', right.privateFile], 'not.a.jwe'),
      await run(['encrypt', '--key', right.privateFile], JSON.stringify(card)),
      await run(['encrypt', '--key', right.publicFile], `{"pan":"${card.pan}"`),
      await run(
        ['encrypt', '--key', right.publicFile, '--schema', 'CardCredentials'],
        JSON.stringify({ ...card, exp: '2906' }),
      ),
      await run(['encrypt', '--key', 'missing.json'], '{}'),
    ];
    const codes = cases.map((c) => /\[([A-Z_]+)\]/.exec(c.err)?.[1]);
    expect(codes).toEqual([
      'JWE_DECRYPTION_FAILED',
      'JWE_KID_UNKNOWN',
      'JWE_MALFORMED',
      'KEY_INVALID',
      'PLAINTEXT_NOT_JSON',
      'PLAINTEXT_INVALID',
      'KEY_FILE_UNREADABLE',
    ]);
    for (const c of cases) {
      expect(c.code).toBe(1);
      expect(c.out).toBe('');
      for (const secret of [card.pan, right.d, wrong.d, '2906']) expect(c.err).not.toContain(secret);
    }
    expect(cases[5]!.err).toContain('/exp (pattern)');
  });

  it('exits 2 on bad usage', async () => {
    for (const argv of [
      [],
      ['frob'],
      ['encrypt'],
      ['decrypt', '--key'],
      ['keygen', '--bogus'],
      ['encrypt', '--key', 'x', '--schema', 'Nope'],
      ['keygen', 'extra'],
    ]) {
      const result = await run(argv);
      expect(result.code).toBe(2);
      expect(result.err).toContain('Usage: d1kit jwe');
    }
  });
});

async function keyJson(file: string): Promise<unknown> {
  return JSON.parse(await readFile(join(dir, file), 'utf8'));
}
