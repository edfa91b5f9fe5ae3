import { verifyClientSecret } from '@d1kit/token';
import { describe, expect, it } from 'vitest';
import { fakeIo } from '../fake-io.test-helpers.js';
import { runCli } from '../run.js';

describe('d1kit token hash-secret', () => {
  it('hashes the secret read from stdin, never printing it', async () => {
    const cli = fakeIo({ stdin: 's3cret-value\n' });
    expect(await runCli(['token', 'hash-secret'], cli)).toBe(0);
    const hash = cli.out().trim();
    expect(hash).toMatch(/^\$scrypt\$/);
    expect(cli.out() + cli.err()).not.toContain('s3cret-value');
    expect(await verifyClientSecret('s3cret-value', hash)).toBe(true);
  });

  it('--generate prints a fresh secret once on stderr and its hash on stdout', async () => {
    const cli = fakeIo();
    expect(await runCli(['token', 'hash-secret', '--generate'], cli)).toBe(0);
    const secret = cli.err().split(': ').pop()!.trim();
    expect(await verifyClientSecret(secret, cli.out().trim())).toBe(true);
  });

  it.each([
    [[], ''],
    [['hash-secret'], ''],
    [['hash-secret'], 'two\nlines\n'],
    [['hash-secret', 'extra'], 'x'],
    [['nope'], 'x'],
    [['hash-secret', '--secret', 'x'], ''],
  ])('refuses %j (stdin %j) with exit 2', async (args, stdin) => {
    const cli = fakeIo({ stdin: stdin });
    expect(await runCli(['token', ...args], cli)).toBe(2);
    expect(cli.err()).toContain('Usage: d1kit token');
  });
});
