import type { D1ErrorCode } from '../d1-error.js';

/** One violation: where (a JSON pointer) and which rule. Never the offending value. */
export interface FieldIssue {
  readonly pointer: string;
  readonly rule: string;
  /** The JSON Schema keyword that failed, when known (`required`, `pattern`, …). */
  readonly keyword?: string;
}

/** EOV names request parts after Express (`params`, `headers`); D1 readers think in path and header. */
const LOCATIONS: Readonly<Record<string, string>> = {
  params: 'path',
  headers: 'header',
  query: 'query',
  body: 'body',
  cookies: 'cookie',
  response: 'body',
};

const SAFE_SEGMENT = /^[A-Za-z0-9_.-]{1,64}$/;
const LONG_DIGITS = /\d{12,}/;

/**
 * A pointer safe to show: property names come from the client (an unexpected key could be a PAN), so a
 * segment that is not a plain short identifier, or holds a long digit run, is replaced by `~redacted`.
 */
export function safePointer(pointer: string): string {
  if (pointer === '' || pointer === '/') return '/';
  return pointer
    .split('/')
    .slice(1)
    .map((segment) => (SAFE_SEGMENT.test(segment) && !LONG_DIGITS.test(segment) ? segment : '~redacted'))
    .reduce((acc, segment) => `${acc}/${segment}`, '');
}

function relocate(pointer: string, side: 'request' | 'response'): string {
  const [, head = '', ...rest] = pointer.split('/');
  const location = LOCATIONS[head];
  if (!location) return side === 'response' ? `/body${pointer}` : pointer;
  return ['', location, ...rest].join('/');
}

/**
 * ajv messages name the rule, not the data, but EOV quotes unknown parameter names; quoted text that is not
 * a plain identifier, and long digit runs, are redacted, and the length is capped.
 */
function safeRule(message: unknown): string {
  if (typeof message !== 'string' || message === '') return 'is invalid';
  return message
    .replace(/'([^']*)'/g, (quoted, inner: string) => (SAFE_SEGMENT.test(inner) ? quoted : "'~redacted'"))
    .replace(/\d{12,}/g, '~redacted')
    .slice(0, 200);
}

/** Turns EOV's HttpError (status, path, errors[{ path, message, errorCode }]) into one safe issue. */
export function issueFromEov(error: unknown, side: 'request' | 'response'): FieldIssue {
  const eov = (error ?? {}) as {
    path?: unknown;
    message?: unknown;
    errors?: readonly { path?: unknown; message?: unknown; errorCode?: unknown }[];
  };
  const first = Array.isArray(eov.errors) ? eov.errors[0] : undefined;
  const rawPointer =
    typeof first?.path === 'string' ? first.path : typeof eov.path === 'string' ? eov.path : '';
  const code = typeof first?.errorCode === 'string' ? first.errorCode : '';
  const keyword = code.endsWith('.openapi.validation')
    ? code.slice(0, -'.openapi.validation'.length)
    : undefined;
  return {
    pointer: safePointer(relocate(rawPointer.startsWith('/') ? rawPointer : `/${rawPointer}`, side)),
    rule: safeRule(first?.message ?? eov.message),
    ...(keyword ? { keyword } : {}),
  };
}

const FORMAT_KEYWORDS = new Set([
  'type',
  'pattern',
  'format',
  'minLength',
  'maxLength',
  'enum',
  'const',
  'minimum',
  'maximum',
  'multipleOf',
]);

/** D1's own codes: a missing field, a badly formatted one, or otherwise invalid. */
export function d1CodeFor(issue: FieldIssue): D1ErrorCode {
  if (issue.keyword === 'required') return 'MISSING_FIELD';
  if (issue.keyword && FORMAT_KEYWORDS.has(issue.keyword)) return 'FIELD_INVALID_FORMAT';
  return 'INVALID_FIELD';
}

export function issueMessage(issue: FieldIssue): string {
  return `${issue.pointer}: ${issue.rule}`;
}
