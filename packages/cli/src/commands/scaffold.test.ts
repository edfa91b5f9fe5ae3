import { mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { operations } from '@d1kit/generated';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeIo } from '../fake-io.test-helpers.js';
import { runCli } from '../run.js';
import { withHashLine } from './scaffold-templates.js';

// Inside the package (not the OS temp dir) so the generated files resolve @d1kit/server and vitest.
const PACKAGE_DIR = fileURLToPath(new URL('../..', import.meta.url));
let root: string;

beforeAll(async () => {
  root = await mkdtemp(join(PACKAGE_DIR, '.scaffold-test-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const handled = Object.values(operations).filter(
  (op) => op.direction === 'outbound' && op.operationId !== 'issueOutboundToken',
);

describe('d1kit scaffold outbound', () => {
  it('writes a stub and a test per operation plus handlers.ts, all of which type-check', async () => {
    const io = fakeIo({ cwd: root });
    expect(await runCli(['scaffold', 'outbound', '--out', 'all'], io)).toBe(0);
    const files = (await readdir(join(root, 'all'))).sort();
    expect(files).toHaveLength(handled.length * 2 + 1);
    expect(files).toContain('activate-card.ts');
    expect(files).toContain('notify-card-authorisations.test.ts');
    expect(io.out()).toContain(`${handled.length} operation(s) from 4 spec(s): ${files.length} created`);

    const program = ts.createProgram(
      files.map((file) => join(root, 'all', file)),
      {
        strict: true,
        noEmit: true,
        module: ts.ModuleKind.NodeNext,
        moduleResolution: ts.ModuleResolutionKind.NodeNext,
        target: ts.ScriptTarget.ES2023,
        lib: ['lib.es2023.d.ts'],
        types: ['node'],
        verbatimModuleSyntax: true,
        skipLibCheck: true,
        noUnusedLocals: true,
      },
    );
    const diagnostics = ts
      .getPreEmitDiagnostics(program)
      .map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    expect(diagnostics).toEqual([]);
  });

  it('writes stubs that answer 501 with a D1 body the spec allows', async () => {
    const { invokeHandler } = await import('@d1kit/server/testing');
    for (const op of handled) {
      const stem = op.operationId.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
      const module = (await import(pathToFileURL(join(root, 'all', `${stem}.ts`)).href)) as Record<
        string,
        unknown
      >;
      const handler = Object.values(module)[0] as Parameters<typeof invokeHandler>[1];
      const outcome = await invokeHandler(op.operationId as 'ActivateCard', handler);
      expect([op.operationId, outcome.result.status, outcome.violation]).toEqual([
        op.operationId,
        501,
        undefined,
      ]);
      expect(outcome.result.body).toMatchObject({ error: 'NOT_IMPLEMENTED' });
    }
  });

  it('never overwrites an edited file: it keeps it and writes .new beside it', async () => {
    const io = fakeIo({ cwd: root });
    const dir = join(root, 'pin');
    await runCli(['scaffold', 'outbound', '--out', 'pin', '--spec', 'OUT-v1-PIN-Management'], io);
    const edited = `${await readFile(join(dir, 'get-card-pin.ts'), 'utf8')}\n// my change\n`;
    await writeFile(join(dir, 'get-card-pin.ts'), edited);
    await writeFile(join(dir, 'set-card-pin.ts'), withHashLine('// an older template\n'));
    const again = fakeIo({ cwd: root });
    expect(
      await runCli(
        ['scaffold', 'outbound', '--out', 'pin', '--spec', 'D1-Public-OUT-v1-PIN-Management'],
        again,
      ),
    ).toBe(0);
    expect(again.out()).toMatch(/kept\s+get-card-pin\.ts \(edited; new version in get-card-pin\.ts\.new\)/);
    expect(again.out()).toMatch(/updated\s+set-card-pin\.ts/);
    expect(again.out()).toMatch(/unchanged\s+handlers\.ts/);
    expect(await readFile(join(dir, 'get-card-pin.ts'), 'utf8')).toBe(edited);
    expect(await readFile(join(dir, 'get-card-pin.ts.new'), 'utf8')).not.toContain('my change');
    expect(await readFile(join(dir, 'set-card-pin.ts'), 'utf8')).toContain("OperationHandler<'setCardPin'>");
  });

  it('does not write through a symbolic link', async () => {
    const dir = join(root, 'link');
    await runCli(
      ['scaffold', 'outbound', '--out', 'link', '--spec', 'OUT-v1-Physical-Issuance'],
      fakeIo({ cwd: root }),
    );
    const outside = join(root, 'outside.txt');
    await writeFile(outside, 'untouched');
    await rm(join(dir, 'activate-card.ts'));
    await symlink(outside, join(dir, 'activate-card.ts'));
    const io = fakeIo({ cwd: root });
    expect(
      await runCli(['scaffold', 'outbound', '--out', 'link', '--spec', 'OUT-v1-Physical-Issuance'], io),
    ).toBe(0);
    expect(io.out()).toMatch(/kept\s+activate-card\.ts/);
    expect(await readFile(outside, 'utf8')).toBe('untouched');
  });

  it.each([
    [['scaffold'], /say what to scaffold/],
    [['scaffold', 'inbound', '--out', 'x'], /unknown target 'inbound'/],
    [['scaffold', 'outbound'], /--out <dir> is required/],
    [['scaffold', 'outbound', '--out', 'x', '--spec', 'D1-Public-IN-v2-Card'], /not an outbound spec/],
    [['scaffold', 'outbound', '--out', 'x', '--force'], /Unknown option/],
  ])('refuses %j with exit 2', async (argv, message) => {
    const io = fakeIo({ cwd: root });
    expect(await runCli(argv, io)).toBe(2);
    expect(io.err()).toMatch(message);
  });

  it('refuses an --out that is a file', async () => {
    await writeFile(join(root, 'a-file'), '');
    const io = fakeIo({ cwd: root });
    expect(await runCli(['scaffold', 'outbound', '--out', 'a-file'], io)).toBe(2);
    expect(io.err()).toContain('is not a directory');
  });
});
