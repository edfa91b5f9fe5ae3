import type { ResponseDrift } from './drift.js';
import { safeIdentifier } from './errors.js';
import { sanitizeText } from './logger.js';
import type { ReceivedBody } from './transport.js';

const CORRELATION_ID = /^[A-Za-z0-9_.\- ]{1,64}$/;

export interface ResultParts {
  readonly operationId: string;
  readonly status: number;
  readonly headers: Headers;
  readonly body: ReceivedBody;
  readonly successCodes: readonly number[];
  readonly correlationId: string;
  readonly attempts: number;
  readonly drift: readonly ResponseDrift[];
}

/** Field of an error body, or undefined when the body is not an object. */
function field(body: ReceivedBody, name: string): unknown {
  if (body.kind !== 'json' || body.value === null || typeof body.value !== 'object') return undefined;
  return (body.value as Record<string, unknown>)[name];
}

function correlationOf(parts: ResultParts): string {
  const echoed = parts.headers.get('x-correlation-id') ?? field(parts.body, 'correlationId');
  return typeof echoed === 'string' && CORRELATION_ID.test(echoed) ? echoed : parts.correlationId;
}

/**
 * The value a call returns. A declared success status gives `ok: true` with the parsed body; everything
 * else (declared errors, undeclared statuses, an error with an empty body) gives `ok: false` with what
 * could be read of D1's error.
 */
export function buildResult(parts: ResultParts): Record<string, unknown> {
  const base = {
    operationId: parts.operationId,
    status: parts.status,
    correlationId: parts.correlationId,
    attempts: parts.attempts,
    headers: parts.headers,
    drift: parts.drift,
  };
  if (parts.successCodes.includes(parts.status)) {
    return { ok: true, ...base, data: parts.body.kind === 'json' ? parts.body.value : undefined };
  }
  const code = safeIdentifier(field(parts.body, 'code')) ?? safeIdentifier(field(parts.body, 'error'));
  const rawMessage = field(parts.body, 'message') ?? field(parts.body, 'error_description');
  const error = {
    status: parts.status,
    code,
    message: typeof rawMessage === 'string' ? sanitizeText(rawMessage) : undefined,
    correlationId: correlationOf(parts),
    body: parts.body.kind === 'json' ? parts.body.value : undefined,
  };
  return { ok: false, ...base, error };
}
