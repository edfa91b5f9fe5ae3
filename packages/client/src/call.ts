import type { RecipientKey } from '@d1kit/jwe';
import type { D1AccessToken, TokenProvider } from '@d1kit/token';
import { TokenError } from '@d1kit/token';
import { checkResponse, type ResponseDrift } from './drift.js';
import { D1ClientError, type InputIssue, lowLevelReason } from './errors.js';
import type { LogFields, LogLevel } from './logger.js';
import { type OperationRuntime, operationRuntime } from './operation-runtime.js';
import { encryptJweInputs, hasPlaintext } from './plaintext.js';
import { checkBodyInputs, checkBodyShape, checkParameters, invalidInput } from './request-input.js';
import { buildResult } from './result.js';
import {
  isRetryableStatus,
  isRetrySafe,
  nextDelayMs,
  parseRetryAfter,
  type RetryOptions,
  resolveRetryOptions,
  sleep,
} from './retry.js';
import { type Received, ResponseTooLarge, type Transport } from './transport.js';
import type { CallOptionsBase } from './types.js';

export interface CallContext {
  readonly transport: Transport;
  readonly issuerId: string;
  readonly tokenProvider: TokenProvider | undefined;
  readonly recipientKey: () => Promise<RecipientKey>;
  readonly hasRecipientKey: boolean;
  readonly timeoutMs: number;
  readonly retry: RetryOptions;
  readonly validateResponses: boolean;
  readonly luhn: boolean;
  readonly log: (level: LogLevel, event: string, fields: LogFields) => void;
  /** False when no logger was given: the per-call fields are then not even built. */
  readonly logging: boolean;
  readonly onDrift: ((drift: readonly ResponseDrift[]) => void) | undefined;
  readonly now: () => number;
  readonly random: () => number;
}

export interface RawCallInput extends CallOptionsBase {
  readonly path?: Readonly<Record<string, unknown>>;
  readonly headers?: Readonly<Record<string, unknown>>;
  readonly body?: unknown;
}

/**
 * Failures before any byte of the request can have reached D1, so even a write may be sent again.
 * ECONNRESET is not one: a reset can come after D1 read and executed the request.
 */
const CONNECT_PHASE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT']);
const TLS_FAILURE = /CERT|TLS|SSL|VERIFY|SELF_SIGNED|HANDSHAKE/;

class TimedOut extends Error {}

function checkTimeout(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > 600_000) {
    throw new D1ClientError('CONFIG_INVALID', `${name} must be a number of milliseconds from 1 to 600000`);
  }
  return value;
}

/** Validates, encrypts, then sends with the retry rules; resolves with a result or rejects with D1ClientError. */
export async function callOperation(
  context: CallContext,
  operationId: string,
  input: RawCallInput = {},
): Promise<unknown> {
  const runtime = operationRuntime(operationId);
  if (input === null || typeof input !== 'object') {
    throw invalidInput(runtime, [{ location: 'body', pointer: '', rule: 'callInput' }]);
  }
  const retry =
    input.retry === undefined
      ? context.retry
      : resolveRetryOptions(input.retry === false ? false : { ...context.retry, ...input.retry });
  const timeoutMs =
    input.timeoutMs === undefined ? context.timeoutMs : checkTimeout(input.timeoutMs, 'timeoutMs');
  const issues: InputIssue[] = [];
  const parameters = checkParameters(
    runtime,
    {
      path: input.path,
      headers: input.headers,
      correlationId: input.correlationId,
      issuerId: input.issuerId ?? context.issuerId,
    },
    issues,
  );
  checkBodyInputs(runtime, input.body, { luhn: context.luhn }, issues);
  if (issues.length > 0) throw invalidInput(runtime, issues);
  const { correlationId } = parameters;

  let body = input.body;
  if (hasPlaintext(body, runtime.jweBindings)) {
    if (!context.hasRecipientKey) {
      throw new D1ClientError('CONFIG_INVALID', 'd1EncryptionKey is needed to encrypt card data for D1', {
        operationId,
        correlationId,
      });
    }
    body = await encryptJweInputs(body, runtime.jweBindings, await context.recipientKey());
  }
  checkBodyShape(runtime, body, issues);
  if (issues.length > 0) throw invalidInput(runtime, issues, correlationId);
  if (runtime.needsBearer && !context.tokenProvider) {
    throw new D1ClientError(
      'CONFIG_INVALID',
      'this operation needs a token: give assertionKey or tokenProvider',
      { operationId },
    );
  }
  if (input.signal?.aborted)
    throw new D1ClientError('ABORTED', 'the call was aborted', { operationId, correlationId });
  return send(context, runtime, { ...parameters, body, retry, timeoutMs, signal: input.signal });
}

interface Prepared {
  readonly pathParams: Record<string, string>;
  readonly headers: Record<string, string>;
  readonly correlationId: string;
  readonly body: unknown;
  readonly retry: RetryOptions;
  readonly timeoutMs: number;
  readonly signal: AbortSignal | undefined;
}

async function bearer(
  context: CallContext,
  runtime: OperationRuntime,
  correlationId: string,
): Promise<D1AccessToken | undefined> {
  if (!runtime.needsBearer) return undefined;
  try {
    return await context.tokenProvider!.getToken();
  } catch (error) {
    const reason = error instanceof TokenError ? error.code : lowLevelReason(error);
    throw new D1ClientError('TOKEN_FAILED', 'no D1 access token could be obtained', {
      operationId: runtime.meta.operationId,
      correlationId,
      ...(reason ? { reason } : {}),
    });
  }
}

async function send(context: CallContext, runtime: OperationRuntime, prepared: Prepared): Promise<unknown> {
  const { operationId } = runtime.meta;
  const { correlationId, signal } = prepared;
  const safe = isRetrySafe(runtime.meta, prepared.body);
  let refreshed = false;
  for (let attempt = 1, counted = 1; ; attempt++) {
    const token = await bearer(context, runtime, correlationId);
    const headers = { ...prepared.headers };
    if (token) headers.authorization = `Bearer ${token.accessToken}`;
    const started = context.now();
    const fields = { operationId, correlationId, attempt };
    let received: Received;
    try {
      received = await attemptOnce(context, runtime, prepared, headers);
    } catch (error) {
      const failure = classify(error, signal, operationId, correlationId, attempt);
      const retryable =
        failure.code === 'TIMEOUT'
          ? safe
          : failure.code === 'NETWORK_ERROR' &&
            (safe || CONNECT_PHASE.has(failure.reason ?? '')) &&
            !TLS_FAILURE.test(failure.reason ?? '');
      const delay =
        retryable && counted < prepared.retry.maxAttempts
          ? nextDelayMs(prepared.retry, counted, undefined, context.random)
          : undefined;
      context.log(delay === undefined ? 'error' : 'warn', 'd1.call.failed', {
        ...fields,
        code: failure.code,
        reason: failure.reason,
        retryInMs: delay,
      });
      if (delay === undefined) throw failure;
      await pause(delay, signal, operationId, correlationId, attempt);
      counted++;
      continue;
    }
    const durationMs = Math.round((context.now() - started) * 10) / 10;
    if (context.logging) context.log('debug', 'd1.call', { ...fields, status: received.status, durationMs });

    if (received.status === 401 && token && !refreshed) {
      // One fresh token, at once and outside the retry budget: D1 may have rotated or revoked the old one.
      refreshed = true;
      context.tokenProvider!.invalidate(token.accessToken);
      context.log('info', 'd1.call.token_refresh', fields);
      continue;
    }
    if (safe && isRetryableStatus(received.status) && counted < prepared.retry.maxAttempts) {
      const retryAfter = parseRetryAfter(received.header('retry-after'), Date.now());
      const delay = nextDelayMs(prepared.retry, counted, retryAfter, context.random);
      if (delay !== undefined) {
        context.log('warn', 'd1.call.retry', { ...fields, status: received.status, retryInMs: delay });
        await pause(delay, signal, operationId, correlationId, attempt);
        counted++;
        continue;
      }
    }
    return finish(context, runtime, received, correlationId, attempt);
  }
}

async function attemptOnce(
  context: CallContext,
  runtime: OperationRuntime,
  prepared: Prepared,
  headers: Record<string, string>,
): Promise<Received> {
  // A fresh controller per attempt: a signal that fired (timeout) must never be handed to the next attempt.
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new TimedOut()), prepared.timeoutMs);
  const onAbort = () => controller.abort(prepared.signal?.reason);
  if (prepared.signal?.aborted) onAbort();
  else prepared.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    return await context.transport.send({
      spec: runtime.meta.spec,
      method: runtime.meta.method,
      path: runtime.meta.path,
      pathParams: prepared.pathParams,
      headers,
      body: prepared.body,
      contentType: runtime.contentType,
      signal: controller.signal,
    });
  } catch (error) {
    if (controller.signal.aborted) throw controller.signal.reason;
    throw error;
  } finally {
    clearTimeout(timer);
    prepared.signal?.removeEventListener('abort', onAbort);
  }
}

function classify(
  error: unknown,
  signal: AbortSignal | undefined,
  operationId: string,
  correlationId: string,
  attempts: number,
): D1ClientError {
  const details = { operationId, correlationId, attempts };
  if (error instanceof D1ClientError) return error;
  if (signal?.aborted) return new D1ClientError('ABORTED', 'the call was aborted', details);
  if (error instanceof TimedOut) return new D1ClientError('TIMEOUT', 'D1 did not answer in time', details);
  if (
    error instanceof ResponseTooLarge ||
    (error as { cause?: unknown })?.cause instanceof ResponseTooLarge
  ) {
    return new D1ClientError('RESPONSE_TOO_LARGE', 'the D1 response body is too large', details);
  }
  const reason = lowLevelReason(error);
  return new D1ClientError('NETWORK_ERROR', 'D1 could not be reached', {
    ...details,
    ...(reason ? { reason } : {}),
  });
}

async function pause(
  ms: number,
  signal: AbortSignal | undefined,
  operationId: string,
  correlationId: string,
  attempts: number,
): Promise<void> {
  try {
    await sleep(ms, signal);
  } catch {
    throw new D1ClientError('ABORTED', 'the call was aborted', { operationId, correlationId, attempts });
  }
}

function finish(
  context: CallContext,
  runtime: OperationRuntime,
  received: Received,
  correlationId: string,
  attempts: number,
): unknown {
  let drift: readonly ResponseDrift[] = [];
  if (context.validateResponses) {
    const check = checkResponse(runtime.location, received.status, received.body);
    drift = check.drift;
    for (const entry of check.unknownValues) {
      context.log('debug', 'd1.response.unknown_value', { ...entry, correlationId });
    }
    for (const entry of drift) context.log('warn', 'd1.response.drift', { ...entry, correlationId });
    if (drift.length > 0 && context.onDrift) {
      try {
        context.onDrift(drift);
      } catch {
        // A failing drift callback must not cost the caller the response.
      }
    }
  }
  return buildResult({
    operationId: runtime.meta.operationId,
    received,
    successCodes: runtime.meta.successCodes,
    correlationId,
    attempts,
    drift,
  });
}
