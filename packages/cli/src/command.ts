/** What a d1kit subcommand sees: its own arguments and injectable streams, so tests run it in-process. */
export interface CommandIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Reads all of standard input as UTF-8 (bounded by the caller). */
  readonly readStdin: () => Promise<string>;
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
}

export interface Command {
  /** One line for `d1kit --help`. */
  readonly summary: string;
  /** Full usage text for `d1kit <name> --help`. */
  readonly usage: string;
  /** Returns the process exit code. Throwing a UsageError prints the message and the usage, exit 2. */
  run(argv: readonly string[], io: CommandIo): Promise<number>;
}

/** A mistake in how the command was called: shown with the usage text, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
