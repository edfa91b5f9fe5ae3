import { describe, expect, it } from 'vitest';
import { fakeIo } from './fake-io.test-helpers.js';
import { runCli } from './run.js';

describe('d1kit dispatcher', () => {
  it('lists commands on --help and exits 0', async () => {
    const io = fakeIo();
    expect(await runCli(['--help'], io)).toBe(0);
    expect(io.out()).toContain('specs');
  });

  it('prints help and exits 2 without a command', async () => {
    const io = fakeIo();
    expect(await runCli([], io)).toBe(2);
    expect(io.out()).toContain('Usage: d1kit <command>');
  });

  it('rejects an unknown command, also one named like an Object prototype member', async () => {
    for (const name of ['frobnicate', 'constructor', '__proto__']) {
      const io = fakeIo();
      expect(await runCli([name], io)).toBe(2);
      expect(io.err()).toContain(`unknown command '${name}'`);
    }
  });

  it('shows a command usage on --help', async () => {
    const io = fakeIo();
    expect(await runCli(['specs', '--help'], io)).toBe(0);
    expect(io.out()).toContain('Usage: d1kit specs');
  });
});

describe('d1kit specs', () => {
  it('summarises every carried spec and operation', async () => {
    const io = fakeIo();
    expect(await runCli(['specs'], io)).toBe(0);
    const text = io.out();
    for (const name of [
      'D1-Public-IN-v1-Auth2',
      'D1-Public-IN-v2-Card',
      'D1-Public-IN-v1-Physical-Issuance',
      'D1-Public-OUT-v1-Auth2',
      'D1-Public-OUT-v1-PIN-Management',
      'D1-Public-OUT-v1-Physical-Issuance',
      'D1-Public-OUT-v2-Card',
    ]) {
      expect(text).toContain(name);
    }
    expect(text).toMatch(/POST\s+\/v2\/issuers\/\{issuerId\}\/cards\n\s+createCard/);
    expect(text).toContain('7 spec(s)');
  });

  it('filters by direction and prints JSON', async () => {
    const io = fakeIo();
    expect(await runCli(['specs', '--json', '--direction', 'outbound'], io)).toBe(0);
    const parsed = JSON.parse(io.out()) as { direction: string; operations: { operationId: string }[] }[];
    expect(parsed.length).toBe(4);
    expect(parsed.every((s) => s.direction === 'outbound')).toBe(true);
    expect(parsed.flatMap((s) => s.operations.map((o) => o.operationId))).toContain('ActivateCard');
  });

  it.each([[['--direction', 'sideways']], [['--nope']], [['extra']]])(
    'rejects bad usage %j with exit 2',
    async (args) => {
      const io = fakeIo();
      expect(await runCli(['specs', ...args], io)).toBe(2);
      expect(io.err()).toContain('Usage: d1kit specs');
    },
  );

  it('start prints the same summary', async () => {
    const io = fakeIo();
    expect(await runCli(['start'], io)).toBe(0);
    expect(io.out()).toContain('operation(s)');
    expect(await runCli(['start', 'x'], fakeIo())).toBe(2);
  });
});
