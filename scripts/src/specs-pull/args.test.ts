import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_TIMEOUT_MS, parsePullArgs, selectEntries, USAGE } from './args.js';
import { UsageError } from './errors.js';
import { type FixtureRepo, makeRepo, run } from './fixtures.test-helpers.js';

describe('parsePullArgs', () => {
  it('has defaults', () => {
    expect(parsePullArgs([])).toEqual({
      help: false,
      source: { kind: 'manifest' },
      only: [],
      dryRun: false,
      json: false,
      timeoutMs: DEFAULT_TIMEOUT_MS,
    });
  });

  it('reads every option; --only repeats', () => {
    const args = parsePullArgs([
      '--from',
      'vendor',
      '--only',
      'A',
      '--only',
      'B.yaml',
      '--dry-run',
      '--json',
      '--timeout-ms',
      '250',
    ]);
    expect(args).toMatchObject({
      source: { kind: 'directory', dir: 'vendor' },
      only: ['A', 'B.yaml'],
      dryRun: true,
      json: true,
      timeoutMs: 250,
    });
    const url = parsePullArgs(['--from', 'https://mirror.example.test/specs/']).source;
    expect(url).toEqual({ kind: 'base-url', base: new URL('https://mirror.example.test/specs/') });
  });

  it.each([
    [['--frm', 'x'], /Unknown option '--frm'/],
    [['stray'], /Unexpected argument 'stray'/],
    [['--from'], /argument missing/],
    [['--from', ''], /--from needs a directory/],
    [['--from', 'ftp://host/x'], /only http and https URLs/],
    [['--from', 'https://host/x?a=1'], /no query or fragment/],
    [['--from', 'https://user:pw@host/x'], /no credentials/],
    [['--timeout-ms', 'soon'], /whole number of milliseconds/],
    [['--timeout-ms', '0'], /between 1 and 600000/],
    [['--timeout-ms', '600001'], /between 1 and 600000/],
    [['--json=yes'], /does not take an argument/],
  ])('rejects %j', (argv, message) => {
    expect(() => parsePullArgs(argv)).toThrow(UsageError);
    expect(() => parsePullArgs(argv)).toThrow(message);
  });
});

describe('selectEntries', () => {
  const entries = [{ file: 'D1-Public-IN-v1-A.yaml' }, { file: 'D1-Public-OUT-v1-B.yaml' }];

  it('accepts names with or without .yaml and keeps manifest order', () => {
    expect(selectEntries(entries, [])).toEqual(entries);
    expect(selectEntries(entries, ['D1-Public-OUT-v1-B', 'D1-Public-IN-v1-A.yaml'])).toEqual(entries);
  });

  it('lists the valid names for an unknown one', () => {
    expect(() => selectEntries(entries, ['D1-Public-IN-v1-C'])).toThrow(
      "--only: unknown spec 'D1-Public-IN-v1-C'; valid names: D1-Public-IN-v1-A, D1-Public-OUT-v1-B",
    );
  });
});

describe('the command line through runSpecsPull', () => {
  let repo: FixtureRepo | undefined;
  afterEach(async () => {
    await repo?.cleanup();
    repo = undefined;
  });

  it('prints the usage with the exit codes on --help and exits 0', async () => {
    repo = await makeRepo();
    const r = await run(['--help'], repo.layout);
    expect(r).toEqual({ code: 0, stdout: USAGE, stderr: '' });
    for (const line of [
      '0  no change',
      '1  failure',
      '2  usage error',
      '3  non-breaking',
      '4  at least one breaking',
    ]) {
      expect(USAGE).toContain(line);
    }
  });

  it('exits 2 with the usage on an unknown flag, an unknown spec or an unusable --from', async () => {
    repo = await makeRepo();
    const file = path.join(repo.root, 'not-a-dir');
    await writeFile(file, 'x');
    for (const argv of [
      ['--nope'],
      ['--only', 'D1-Public-IN-v9-Nope'],
      ['--from', file],
      ['--from', path.join(repo.root, 'missing')],
    ]) {
      const r = await run(argv, repo.layout);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/^specs:pull: /);
      expect(r.stderr).toContain('Usage: pnpm specs:pull');
    }
    expect((await run(['--only', 'D1-Public-IN-v9-Nope'], repo.layout)).stderr).toContain(
      'valid names: D1-Public-IN-v9-Cards, D1-Public-OUT-v9-Notify',
    );
  });

  it('exits 1 when the manifest is missing or invalid, as text or JSON', async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'd1kit-no-manifest-'));
    try {
      const { layoutOf } = await import('../lib/paths.js');
      const missing = await run([], layoutOf(root));
      expect(missing.code).toBe(1);
      expect(missing.stderr).toBe('specs:pull: cannot read specs/manifest.yaml (ENOENT)\n');
      repo = await makeRepo();
      await writeFile(repo.layout.manifestFile, 'specs: []\n');
      const invalid = await run(['--json'], repo.layout);
      expect(invalid.code).toBe(1);
      expect(JSON.parse(invalid.stdout)).toMatchObject({
        exitCode: 1,
        outcome: 'failure',
        error: { code: 'MANIFEST_INVALID' },
      });
      expect(invalid.stderr).toContain("'specs' must be a non-empty list");
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
