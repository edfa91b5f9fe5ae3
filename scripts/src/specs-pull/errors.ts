/**
 * Exit codes of `pnpm specs:pull`. They tell a CI job whether to open a pull request and how loudly:
 *   0  no change: every pulled spec is byte-identical to the committed one
 *   1  failure: a fetch, parse, validation, overlay or write error; specs/ and the manifest are untouched
 *   2  usage error: unknown flag, bad value, unknown --only name, unusable --from
 *   3  changes, none of them breaking for d1kit (this includes a file that changed only in prose)
 *   4  at least one breaking change, or an overlay action that no longer matches the pulled spec
 */
export const EXIT = {
  noChange: 0,
  failure: 1,
  usage: 2,
  nonBreaking: 3,
  breaking: 4,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export type PullErrorCode =
  | 'FETCH_FAILED'
  | 'FETCH_TIMEOUT'
  | 'HTTP_STATUS'
  | 'INSECURE_REDIRECT'
  | 'BODY_TOO_LARGE'
  | 'BODY_TRUNCATED'
  | 'NOT_UTF8'
  | 'NOT_YAML'
  | 'NOT_OPENAPI'
  | 'INVALID_OPENAPI'
  | 'FILE_UNREADABLE'
  | 'CURRENT_SPEC_INVALID'
  | 'OVERLAY_INVALID'
  | 'MANIFEST_INVALID'
  | 'WRITE_FAILED'
  /** A defect in d1kit or a library, not in the input; the message is the error's first line. */
  | 'UNEXPECTED';

/** Why one spec could not be pulled. The message is safe to print: it names the spec source and the reason. */
export class SpecsPullError extends Error {
  override readonly name = 'SpecsPullError';
  constructor(
    readonly code: PullErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** A mistake in how the command was called: printed with the usage text, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  readonly code = 'USAGE';
}

/** The first line of an error's message, for wrapping third-party errors without dumping stacks. */
export function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0] ?? '';
}
