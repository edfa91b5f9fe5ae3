import type { ResponseDrift } from './drift.js';
import { safeIdentifier } from './errors.js';
import { sanitizeText } from './logger.js';
import type { Received, ReceivedBody } from './transport.js';

const CORRELATION_ID = /^[A-Za-z0-9_.\- ]{1,64}$/;

export interface ResultParts {
  readonly operationId: string;
  readonly received: Received;
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
  const echoed = parts.received.header('x-correlation-id') ?? field(parts.received.body, 'correlationId');
  return typeof echoed === 'string' && CORRELATION_ID.test(echoed) ? echoed : parts.correlationId;
}

/**
 * The value a call returns. A declared success status gives `ok: true` with the parsed body; everything
 * else (declared errors, undeclared statuses, an error with an empty body) gives `ok: false` with what
 * could be read of D1's error.
 */
export function buildResult(parts: ResultParts): Record<string, unknown> {
  const { received } = parts;
  const { body, status } = received;
  const result: Record<string, unknown> = {
    ok: parts.successCodes.includes(status),
    operationId: parts.operationId,
    status,
    correlationId: parts.correlationId,
    attempts: parts.attempts,
    drift: parts.drift,
  };
  // Building a Headers object costs more than the rest of the result; most callers never look.
  Object.defineProperty(result, 'headers', { enumerable: true, get: () => received.allHeaders() });
  if (result.ok) {
    result.data = body.kind === 'json' ? body.value : undefined;
    return result;
  }
  const code = safeIdentifier(field(body, 'code')) ?? safeIdentifier(field(body, 'error'));
  const rawMessage = field(body, 'message') ?? field(body, 'error_description');
  result.error = {
    status,
    code,
    message: typeof rawMessage === 'string' ? sanitizeText(rawMessage) : undefined,
    correlationId: correlationOf(parts),
    body: body.kind === 'json' ? body.value : undefined,
  };
  return result;
}
