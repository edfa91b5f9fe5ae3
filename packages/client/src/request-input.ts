import { randomUUID } from 'node:crypto';
import { D1ClientError, fieldName, type InputIssue } from './errors.js';
import type { OperationRuntime } from './operation-runtime.js';
import { checkJweInputs, type PlaintextOptions } from './plaintext.js';
import { escapeToken } from './spec-documents.js';
import { findings } from './validators.js';

const CORRELATION_HEADER = 'x-correlation-id';
/** Headers the client owns; a caller must not set them through `headers`. */
const RESERVED_HEADERS = new Set([
  'authorization',
  'content-type',
  'accept',
  'host',
  'content-length',
  CORRELATION_HEADER,
]);
const MAX_ISSUES = 20;

/**
 * A random UUID: 36 characters of `[0-9a-f-]`, valid for every D1 correlation-id pattern and free of
 * personal data. (Node batches the entropy for UUIDs, which makes them cheaper than randomBytes per call.)
 */
export function newCorrelationId(): string {
  return randomUUID();
}

export interface CheckedParameters {
  readonly pathParams: Record<string, string>;
  readonly headers: Record<string, string>;
  readonly correlationId: string;
}

/** Path and header parameters checked against the spec; issues collected, nothing sent. */
export function checkParameters(
  runtime: OperationRuntime,
  input: {
    readonly path?: Readonly<Record<string, unknown>>;
    readonly headers?: Readonly<Record<string, unknown>>;
    readonly correlationId?: unknown;
    readonly issuerId: string;
  },
  issues: InputIssue[],
): CheckedParameters {
  const pathParams: Record<string, string> = {};
  const headers: Record<string, string> = {};
  const givenPath: Record<string, unknown> = runtime.pathNames.has('issuerId')
    ? { issuerId: input.issuerId, ...input.path }
    : { ...input.path };
  const givenHeaders = new Map<string, unknown>();
  for (const [name, value] of Object.entries(input.headers ?? {}))
    givenHeaders.set(name.toLowerCase(), value);
  const correlationId = input.correlationId === undefined ? newCorrelationId() : input.correlationId;

  for (const name of Object.keys(givenPath)) {
    if (!runtime.pathNames.has(name)) {
      issues.push({ location: 'path', pointer: `/${escapeToken(name)}`, rule: 'undeclared' });
    }
  }
  for (const name of givenHeaders.keys()) {
    if (RESERVED_HEADERS.has(name) || !runtime.headerNames.has(name)) {
      issues.push({
        location: 'header',
        pointer: `/${escapeToken(name)}`,
        rule: RESERVED_HEADERS.has(name) ? 'reserved' : 'undeclared',
      });
    }
  }
  for (const parameter of runtime.parameters) {
    const lower = parameter.name.toLowerCase();
    let value: unknown;
    if (parameter.in === 'path') value = givenPath[parameter.name];
    else if (parameter.in === 'header')
      value = lower === CORRELATION_HEADER ? correlationId : givenHeaders.get(lower);
    else continue;
    const location = parameter.in === 'path' ? 'path' : 'header';
    const refuse = (rule: string) =>
      issues.push({ location, pointer: `/${escapeToken(parameter.name)}`, rule });
    if (value === undefined) {
      if (parameter.required) refuse('required');
      continue;
    }
    if (typeof value !== 'string') {
      refuse('type');
      continue;
    }
    if (!parameter.validate(value)) {
      refuse(findings(parameter.validate.errors, value)[0]?.keyword ?? 'schema');
      continue;
    }
    if (location === 'path') pathParams[parameter.name] = value;
    else headers[lower] = value;
  }
  if (typeof correlationId !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(correlationId)) {
    // Specs without the header still get one; it must follow the inbound rule (contract 9.2).
    if (!issues.some((issue) => issue.pointer === `/${CORRELATION_HEADER}`)) {
      issues.push({ location: 'header', pointer: `/${CORRELATION_HEADER}`, rule: 'pattern' });
    }
  }
  headers[CORRELATION_HEADER] = String(correlationId);
  return { pathParams, headers, correlationId: String(correlationId) };
}

/** The body before encryption: plaintext and ready JWEs checked (body shape comes after encryption). */
export function checkBodyInputs(
  runtime: OperationRuntime,
  body: unknown,
  options: PlaintextOptions,
  issues: InputIssue[],
): void {
  if (body === undefined) {
    if (runtime.meta.requestBody?.required) issues.push({ location: 'body', pointer: '', rule: 'required' });
    return;
  }
  if (!runtime.meta.requestBody) {
    issues.push({ location: 'body', pointer: '', rule: 'undeclared' });
    return;
  }
  issues.push(...checkJweInputs(body, runtime.jweBindings, options));
}

/** The body as it will be sent (JWEs in place) against the spec's request schema. */
export function checkBodyShape(runtime: OperationRuntime, body: unknown, issues: InputIssue[]): void {
  if (body === undefined || !runtime.validateBody) return;
  if (runtime.validateBody(body)) return;
  for (const finding of findings(runtime.validateBody.errors, body)) {
    issues.push({ location: 'body', pointer: finding.pointer, rule: finding.keyword });
  }
}

export function invalidInput(
  runtime: OperationRuntime,
  issues: readonly InputIssue[],
  correlationId?: string,
): D1ClientError {
  const shown = issues.slice(0, MAX_ISSUES);
  const list = shown.map((issue) => `${fieldName(issue)} (${issue.rule})`).join(', ');
  return new D1ClientError('INVALID_INPUT', `${runtime.meta.operationId}: invalid input: ${list}`, {
    operationId: runtime.meta.operationId,
    issues: shown,
    ...(correlationId ? { correlationId } : {}),
  });
}
