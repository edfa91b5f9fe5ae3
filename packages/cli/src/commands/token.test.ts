import { verifyClientSecret } from '@d1kit/token';
import { describe, expect, it } from 'vitest';
import type { CommandIo } from '../command.js';
import { runCli } from '../run.js';

function io(stdin = '') {
  const out: string[] = [];
  const err: string[] = [];
  const value: CommandIo = {
    stdout: (t) => out.push(t),
    stderr: (t) => err.push(t),
    readStdin: async () => stdin,
    cwd: process.cwd(),
    env: {},
  };
  return { value, out: () => out.join(''), err: () => err.join('') };
}

describe('d1kit token hash-secret', () => {
  it('hashes the secret read from stdin, never printing it', async () => {
    const cli = io('s3cret-value\n');
    expect(await runCli(['token', 'hash-secret'], cli.value)).toBe(0);
    const hash = cli.out().trim();
    expect(hash).toMatch(/^\$scrypt\$/);
    expect(cli.out() + cli.err()).not.toContain('s3cret-value');
    expect(await verifyClientSecret('s3cret-value', hash)).toBe(true);
  });

  it('--generate prints a fresh secret once on stderr and its hash on stdout', async () => {
    const cli = io();
    expect(await runCli(['token', 'hash-secret', '--generate'], cli.value)).toBe(0);
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
    const cli = io(stdin);
    expect(await runCli(['token', ...args], cli.value)).toBe(2);
    expect(cli.err()).toContain('Usage: d1kit token');
  });
});
