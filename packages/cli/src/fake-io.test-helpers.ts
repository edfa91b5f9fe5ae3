import type { CommandIo } from './command.js';

export interface FakeIo extends CommandIo {
  /** Everything the command wrote to stdout so far. */
  out(): string;
  /** Everything the command wrote to stderr so far. */
  err(): string;
}

/** An in-memory CommandIo for running commands in-process in tests. */
export function fakeIo(options: { stdin?: string; cwd?: string } = {}): FakeIo {
  const out: string[] = [];
  const err: string[] = [];
  return {
    stdout: (t) => out.push(t),
    stderr: (t) => err.push(t),
    readStdin: async () => options.stdin ?? '',
    cwd: options.cwd ?? process.cwd(),
    env: {},
    out: () => out.join(''),
    err: () => err.join(''),
  };
}
