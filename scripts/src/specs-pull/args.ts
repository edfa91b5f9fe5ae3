import { parseArgs } from 'node:util';
import { UsageError } from './errors.js';

export const USAGE = `Usage: pnpm specs:pull [--from <dir|base-url>] [--only <name>]... [--dry-run] [--json] [--timeout-ms <n>]

Fetches each D1 vendor spec listed in specs/manifest.yaml, validates it as OpenAPI 3.0.x, and prints a
contract diff against the committed file, each change classified breaking or not for d1kit's role
(client of inbound specs, server of outbound specs), plus the overlay actions the change concerns.
Files are written only when every requested spec was fetched and validated; then run \`pnpm generate\`.
A spec whose bytes did not change is not rewritten, and its manifest entry (lastPull) is left as it is.

Options:
  --from <dir|url>   read <dir>/<File>.yaml, or fetch <url>/<File>.yaml, instead of each manifest URL
  --only <name>      pull only this spec (file name, with or without .yaml); may be repeated
  --dry-run          print the report, write nothing
  --json             print one JSON document on stdout instead of text
  --timeout-ms <n>   per-spec fetch timeout in milliseconds (default 30000)
  -h, --help         show this help

Exit codes:
  0  no change
  1  failure (fetch, parse, validation, overlay or write); specs/ and the manifest are left untouched
  2  usage error
  3  non-breaking changes only
  4  at least one breaking change, or an overlay action that no longer matches
`;

export const DEFAULT_TIMEOUT_MS = 30_000;
const MAX_TIMEOUT_MS = 600_000;

export type Source =
  | { kind: 'manifest' }
  | { kind: 'directory'; dir: string }
  | { kind: 'base-url'; base: URL };

export interface PullArgs {
  readonly help: boolean;
  readonly source: Source;
  readonly only: readonly string[];
  readonly dryRun: boolean;
  readonly json: boolean;
  readonly timeoutMs: number;
}

/** Parses the command line strictly; every mistake is a UsageError with a message saying what is wrong. */
export function parsePullArgs(argv: readonly string[]): PullArgs {
  let values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        from: { type: 'string' },
        only: { type: 'string', multiple: true },
        'dry-run': { type: 'boolean' },
        json: { type: 'boolean' },
        'timeout-ms': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  return {
    help: values.help === true,
    source: parseSource(values.from as string | undefined),
    only: (values.only as string[] | undefined) ?? [],
    dryRun: values['dry-run'] === true,
    json: values.json === true,
    timeoutMs: parseTimeout(values['timeout-ms'] as string | undefined),
  };
}

function parseSource(from: string | undefined): Source {
  if (from === undefined) return { kind: 'manifest' };
  if (from.trim() === '') throw new UsageError('--from needs a directory or an http(s) base URL');
  if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(from)) {
    let url: URL;
    try {
      url = new URL(from);
    } catch {
      throw new UsageError(`--from: '${from}' is not a valid URL`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new UsageError(`--from: only http and https URLs are supported, not ${url.protocol}`);
    }
    if (url.search || url.hash) throw new UsageError('--from: a base URL takes no query or fragment');
    if (url.username || url.password) throw new UsageError('--from: a base URL takes no credentials');
    return { kind: 'base-url', base: url };
  }
  return { kind: 'directory', dir: from };
}

function parseTimeout(text: string | undefined): number {
  if (text === undefined) return DEFAULT_TIMEOUT_MS;
  if (!/^[0-9]+$/.test(text))
    throw new UsageError(`--timeout-ms must be a whole number of milliseconds, not '${text}'`);
  const ms = Number(text);
  if (ms < 1 || ms > MAX_TIMEOUT_MS)
    throw new UsageError(`--timeout-ms must be between 1 and ${MAX_TIMEOUT_MS}`);
  return ms;
}

/** `--only` accepts `D1-Public-IN-v2-Card` or `D1-Public-IN-v2-Card.yaml`; names are file names. */
export function selectEntries<T extends { readonly file: string }>(
  entries: readonly T[],
  only: readonly string[],
): T[] {
  if (only.length === 0) return [...entries];
  const wanted = new Set(only.map((name) => (name.endsWith('.yaml') ? name : `${name}.yaml`)));
  const unknown = [...wanted].filter((file) => !entries.some((e) => e.file === file));
  if (unknown.length > 0) {
    const valid = entries.map((e) => e.file.replace(/\.yaml$/, '')).join(', ');
    throw new UsageError(
      `--only: unknown spec ${unknown.map((f) => `'${f.replace(/\.yaml$/, '')}'`).join(', ')}; valid names: ${valid}`,
    );
  }
  return entries.filter((e) => wanted.has(e.file));
}
