import { Ajv, type ValidateFunction } from 'ajv';
import { resolveLocalRefs } from '../json-ref.js';
import type { ApiDocument, EovSpec, OperationObject, ResponseValidators } from './eov.js';
import { runResponseValidator } from './eov.js';
import { type FieldIssue, issueFromEov } from './issues.js';

/** A response as it is about to leave: status, headers and the bytes of the body. */
export interface CapturedResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, number | string | readonly string[] | undefined>>;
  readonly body: Buffer;
}

interface ResponseEntry {
  /** Declared media types, lower case, parameters dropped. Empty: no body allowed. */
  readonly mediaTypes: readonly string[];
  readonly checkHeaders: ValidateFunction | undefined;
}

export type ResponseCheck = (response: CapturedResponse) => FieldIssue | undefined;

const headerAjv = new Ajv({ strict: false, allErrors: false, coerceTypes: false });

type Json = Record<string, unknown>;

export function mediaTypeOf(contentType: unknown): string | undefined {
  if (typeof contentType !== 'string') return undefined;
  return contentType.split(';')[0]?.trim().toLowerCase() || undefined;
}

export function isJsonMediaType(mediaType: string): boolean {
  return /^application\/(?:[a-z0-9.+-]+\+)?json$/.test(mediaType);
}

function compileHeaders(headers: unknown): ValidateFunction | undefined {
  if (!headers || typeof headers !== 'object') return undefined;
  const properties: Record<string, unknown> = {};
  const required: string[] = [];
  for (const [name, header] of Object.entries(headers as Record<string, Json>)) {
    if (!header?.schema) continue;
    properties[name.toLowerCase()] = header.schema;
    if (header.required === true) required.push(name.toLowerCase());
  }
  if (Object.keys(properties).length === 0) return undefined;
  return headerAjv.compile({ type: 'object', properties, required });
}

function entriesOf(doc: ApiDocument, operation: OperationObject): Map<string, ResponseEntry> {
  const entries = new Map<string, ResponseEntry>();
  for (const [status, raw] of Object.entries(operation.responses ?? {})) {
    const response = resolveLocalRefs(doc, raw) as Json;
    const content = (response.content ?? {}) as Json;
    entries.set(status, {
      mediaTypes: Object.keys(content).map((type) => mediaTypeOf(type) ?? type),
      checkHeaders: compileHeaders(response.headers),
    });
  }
  return entries;
}

/** Only failures fall back to `default`: in d1kit's specs it reads "any other failure". */
function entryFor(entries: Map<string, ResponseEntry>, status: number): [string, ResponseEntry] | undefined {
  const exact = entries.get(String(status));
  if (exact) return [String(status), exact];
  const range = entries.get(`${String(status)[0]}XX`);
  if (range) return [`${String(status)[0]}XX`, range];
  const fallback = entries.get('default');
  return status >= 400 && fallback ? ['default', fallback] : undefined;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Builds the check for one operation's responses, covering what EOV's JSON-only validator leaves out: the
 * status must be declared, the media type must be one the spec lists for it, a no-content response must be
 * empty, declared headers must match their schema, and JSON bodies go through EOV's compiled validators.
 */
export function createResponseCheck(
  spec: EovSpec,
  operation: OperationObject,
  validators: ResponseValidators,
): ResponseCheck {
  const entries = entriesOf(spec.responseDoc, operation);
  return ({ status, headers, body }) => {
    const found = Number.isInteger(status) ? entryFor(entries, status) : undefined;
    if (!found) return { pointer: '/status', rule: `status ${status} is not declared for this operation` };
    const [, entry] = found;
    if (entry.checkHeaders && !entry.checkHeaders(headers)) {
      const error = entry.checkHeaders.errors?.[0];
      const name = error?.instancePath.split('/')[1] ?? error?.params?.missingProperty ?? '';
      return { pointer: `/headers/${name}`, rule: `header ${error?.keyword ?? 'invalid'}` };
    }
    if (entry.mediaTypes.length === 0) {
      return body.length === 0
        ? undefined
        : { pointer: '/body', rule: 'the spec declares no body for this status' };
    }
    if (body.length === 0) return { pointer: '/body', rule: 'a body is required for this status' };
    const mediaType = mediaTypeOf(headers['content-type']);
    if (!mediaType || !entry.mediaTypes.includes(mediaType)) {
      return { pointer: '/headers/content-type', rule: 'the media type is not declared for this status' };
    }
    if (!isJsonMediaType(mediaType)) return undefined; // declared, but nothing to check beyond the type
    let parsed: unknown;
    try {
      parsed = JSON.parse(strictUtf8.decode(body));
    } catch {
      return { pointer: '/body', rule: 'the body is not UTF-8 JSON' };
    }
    try {
      runResponseValidator(spec, validators, status, mediaType, parsed);
    } catch (error) {
      return issueFromEov(error, 'response');
    }
    return undefined;
  };
}
