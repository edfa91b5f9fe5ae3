import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readOwnedFiles } from './emit.js';
import { FIXTURE_OVERLAY, FIXTURE_SPEC, makeFixture } from './fixture.test-helpers.js';
import { runGenerate } from './generate.js';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { stdout: (t: string) => out.push(t), stderr: (t: string) => err.push(t) } };
}

async function generate(layout: Parameters<typeof runGenerate>[1]['layout'], ...argv: string[]) {
  const c = capture();
  const code = await runGenerate(argv, { ...c.io, layout });
  return { code, out: c.out.join(''), err: c.err.join('') };
}

describe('pnpm generate', () => {
  it('writes the effective spec, types, metadata and plaintext schemas, byte-identically on a rerun', async () => {
    const { layout } = await makeFixture();
    expect((await generate(layout)).code).toBe(0);
    const first = await readOwnedFiles(layout.generatedDir);
    expect([...first.keys()].sort()).toEqual([
      'openapi/D1-Public-IN-v9-Fixture.json',
      'src/index.ts',
      'src/load.ts',
      'src/meta.ts',
      'src/operations.ts',
      'src/plaintext.ts',
      'src/specs.ts',
      'src/types/D1-Public-IN-v9-Fixture.ts',
      'src/types/plaintext.ts',
    ]);
    const effective = JSON.parse(first.get('openapi/D1-Public-IN-v9-Fixture.json')!);
    expect(effective.paths['/v2/issuers/{issuerId}/cards/{cardId}'].put.operationId).toBe('registerCard');

    const operations = first.get('src/operations.ts')!;
    expect(operations).toContain('"operationId": "registerCard"');
    expect(operations).toContain('"schema": "CardCredentials"');
    expect(operations).toContain('"pointer": "/encryptedData"');
    expect(operations).toContain('"/paths/~1v2~1issuers~1{issuerId}~1cards~1{cardId}/put"');
    // Path-level and operation-level parameters are merged.
    expect(operations).toMatch(/"name": "issuerId"[\s\S]*"name": "cardId"/);

    const plaintext = first.get('src/plaintext.ts')!;
    expect(plaintext).toContain('export type CardCredentials');
    expect(first.get('src/types/plaintext.ts')).toContain('CardCredentials: {');
    // Open enums keep their known values for completion but accept any string.
    expect(first.get('src/types/D1-Public-IN-v9-Fixture.ts')).toContain(
      'CardStatus: "ACTIVE" | "SUSPENDED" | (string & {});',
    );
    // $refs inlined, nullable rewritten, OpenAPI-only keywords and extensions dropped.
    expect(plaintext).toContain('"pattern": "^(0[1-9]|1[0-2])[0-9]{2}$"');
    expect(plaintext).not.toContain('$ref');
    expect(plaintext).not.toContain('x-d1kit-plaintext');
    expect(plaintext).not.toContain('"example"');
    expect(plaintext).toMatch(/"type": \[\s*"string",\s*"null"\s*\]/);

    expect((await generate(layout)).code).toBe(0);
    expect(await readOwnedFiles(layout.generatedDir)).toEqual(first);
    expect((await generate(layout, '--check')).code).toBe(0);
  });

  it('--check lists changed, missing and extra files and writes nothing', async () => {
    const { layout } = await makeFixture();
    await generate(layout);
    const specsTs = path.join(layout.generatedDir, 'src/specs.ts');
    await writeFile(specsTs, '// edited by hand\n');
    await writeFile(path.join(layout.generatedDir, 'src/stray.ts'), 'export {};\n');
    const result = await generate(layout, '--check');
    expect(result.code).toBe(1);
    expect(result.err).toContain('changed  generated/src/specs.ts');
    expect(result.err).toContain('extra    generated/src/stray.ts');
    expect(await readFile(specsTs, 'utf8')).toBe('// edited by hand\n');
  });

  it('refuses an overlay action whose target no longer exists, naming it, and leaves generated/ alone', async () => {
    const overlay = structuredClone(FIXTURE_OVERLAY);
    overlay.actions.push({
      target: "$.paths['/v2/issuers/{issuerId}/cards'].post",
      description: 'create card operationId',
      update: { operationId: 'createCard', 'x-d1kit-assumption': 'G0: gone' },
    });
    const { layout } = await makeFixture(FIXTURE_SPEC, overlay);
    const result = await generate(layout);
    expect(result.code).toBe(1);
    expect(result.err).toContain('OVERLAY_UNUSED_ACTIONS');
    expect(result.err).toContain("$.paths['/v2/issuers/{issuerId}/cards'].post (create card operationId)");
    expect((await readOwnedFiles(layout.generatedDir)).size).toBe(0);
  });

  it.each([
    [
      'an empty assumption reason',
      (o: typeof FIXTURE_OVERLAY) => {
        (o.actions[0]!.update as Record<string, unknown>)['x-d1kit-assumption'] = '  ';
      },
      'x-d1kit-assumption needs a non-empty reason',
    ],
    [
      'a JWE marker naming no plaintext schema',
      (o: typeof FIXTURE_OVERLAY) => {
        o.actions[1]!.update = { 'x-d1kit-jwe': 'NoSuchPayload' };
      },
      "x-d1kit-jwe 'NoSuchPayload' names no schema",
    ],
    [
      'an operation without operationId',
      (o: typeof FIXTURE_OVERLAY) => {
        (o.actions[0] as { update: unknown }).update = { 'x-d1kit-assumption': 'G0: reason' };
      },
      'needs an operationId',
    ],
  ])('refuses %s', async (_label, mutate, message) => {
    const overlay = structuredClone(FIXTURE_OVERLAY);
    mutate(overlay);
    const { layout } = await makeFixture(FIXTURE_SPEC, overlay);
    const result = await generate(layout);
    expect(result.code).toBe(1);
    expect(result.err).toContain(message);
  });

  it('refuses d1kit extensions in the vendor layer', async () => {
    const spec = structuredClone(FIXTURE_SPEC) as Record<string, unknown>;
    (spec.info as Record<string, unknown>)['x-d1kit-assumption'] = 'G0: misplaced';
    const { layout } = await makeFixture(spec);
    const result = await generate(layout);
    expect(result.code).toBe(1);
    expect(result.err).toContain('belong in the overlay');
  });

  it('refuses a spec edited without updating the manifest hash, and --rehash records it', async () => {
    const { layout, specText } = await makeFixture();
    const file = path.join(layout.specsDir, 'D1-Public-IN-v9-Fixture.yaml');
    await writeFile(file, specText.replace('Fixture Card API', 'Fixture Card API edited'));
    const refused = await generate(layout);
    expect(refused.code).toBe(1);
    expect(refused.err).toContain('SPEC_HASH_MISMATCH');
    expect((await generate(layout, '--rehash')).code).toBe(0);
    expect((await generate(layout, '--check')).code).toBe(0);
  });

  it('rejects unknown flags with usage and exit code 2', async () => {
    const { layout } = await makeFixture();
    const result = await generate(layout, '--frobnicate');
    expect(result.code).toBe(2);
    expect(result.err).toContain('Usage: pnpm generate');
  });
});
