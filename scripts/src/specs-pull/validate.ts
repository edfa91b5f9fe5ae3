import { BaseResolver, type Config, createConfig, lintDocument, Source } from '@redocly/openapi-core';
import { parseDocument } from 'yaml';
import { safeText } from '../contract-diff/index.js';
import { firstLine, SpecsPullError } from './errors.js';

export type JsonObject = Record<string, unknown>;

export interface ValidSpec {
  readonly text: string;
  readonly doc: JsonObject;
}

/** Aliases are legal YAML, but a few hundred of them nested is a decompression bomb, not a spec. */
const MAX_ALIASES = 100;
const MAX_PROBLEMS_SHOWN = 5;

/**
 * The OpenAPI 3.0 rules Redocly checks that the specification states as MUSTs: the document's structure
 * against the 3.0 schema, references that resolve, unique operationIds, no duplicate parameters, no two
 * paths that differ only in template names. Style rules are left to `pnpm lint:specs`.
 */
const RULES = {
  struct: 'error',
  'no-unresolved-refs': 'error',
  'operation-operationId-unique': 'error',
  'operation-parameters-unique': 'error',
  'no-identical-paths': 'error',
} as const;

let configPromise: Promise<Config> | undefined;
function redoclyConfig(): Promise<Config> {
  configPromise ??= createConfig({ rules: RULES });
  return configPromise;
}

/** A pulled vendor file is one self-contained document: nothing outside it is ever loaded. */
class NoExternalRefs extends BaseResolver {
  override async loadExternalRef(absoluteRef: string): Promise<never> {
    throw new Error(`external reference ${absoluteRef} is not loaded`);
  }
}

export function decodeUtf8(bytes: Uint8Array, label: string): string {
  try {
    // ignoreBOM keeps a byte-order mark in the text, so the text written back is the bytes received.
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw new SpecsPullError('NOT_UTF8', `${label}: the body is not UTF-8 text`);
  }
}

/** Parses YAML text into a mapping; any YAML error (or a stream of several documents) is NOT_YAML. */
export function parseYamlMapping(
  text: string,
  label: string,
  code: 'NOT_YAML' | 'CURRENT_SPEC_INVALID' = 'NOT_YAML',
): JsonObject {
  if (text.trim() === '') throw new SpecsPullError(code, `${label}: the body is empty`);
  const document = parseDocument(text, { uniqueKeys: true, prettyErrors: true });
  const [error] = document.errors;
  // prettyErrors puts the position on the first line and a code frame after it; keep the first line.
  if (error)
    throw new SpecsPullError(
      code,
      `${label}: not valid YAML (${safeText(firstLine(error).replace(/:$/, ''))})`,
    );
  let value: unknown;
  try {
    value = document.toJS({ maxAliasCount: MAX_ALIASES });
  } catch (cause) {
    throw new SpecsPullError(code, `${label}: not valid YAML (${safeText(firstLine(cause))})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new SpecsPullError(
      code === 'NOT_YAML' ? 'NOT_OPENAPI' : code,
      `${label}: the document is not a YAML mapping`,
    );
  }
  return value as JsonObject;
}

/** Every `$ref` that leaves the document, with where it is (examples and extensions hold data, not refs). */
function externalRefs(node: unknown, pointer = ''): string[] {
  if (Array.isArray(node)) return node.flatMap((item, i) => externalRefs(item, `${pointer}/${i}`));
  if (typeof node !== 'object' || node === null) return [];
  const found: string[] = [];
  for (const [key, value] of Object.entries(node)) {
    if (key === 'example' || key.startsWith('x-')) continue;
    if (key === '$ref' && typeof value === 'string' && !value.startsWith('#'))
      found.push(`${pointer || '/'}: ${value}`);
    else found.push(...externalRefs(value, `${pointer}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`));
  }
  return found;
}

/** Decodes, parses and validates a pulled file; the error names the spec (`label`) and the reason. */
export async function validateSpec(bytes: Uint8Array, label: string): Promise<ValidSpec> {
  const text = decodeUtf8(bytes, label);
  const doc = parseYamlMapping(text, label);
  if (doc.openapi === undefined) {
    const hint = doc.swagger !== undefined ? ' (a Swagger 2.0 document)' : '';
    throw new SpecsPullError(
      'NOT_OPENAPI',
      `${label}: not an OpenAPI document: it has no 'openapi' field${hint}`,
    );
  }
  if (typeof doc.openapi !== 'string' || !/^3\.0\.[0-9]+$/.test(doc.openapi)) {
    throw new SpecsPullError(
      'NOT_OPENAPI',
      `${label}: 'openapi' is ${safeText(JSON.stringify(doc.openapi))}; d1kit handles OpenAPI 3.0.x only`,
    );
  }
  const external = externalRefs(doc);
  if (external.length > 0) {
    throw new SpecsPullError(
      'INVALID_OPENAPI',
      `${label}: vendor files must be self-contained; external $ref at ${safeText(external.slice(0, MAX_PROBLEMS_SHOWN).join(', '))}`,
    );
  }
  const config = await redoclyConfig();
  const problems = await lintDocument({
    document: { source: new Source(`/${label}`, text), parsed: doc },
    config: config.styleguide,
    externalRefResolver: new NoExternalRefs(),
  });
  const errors = problems.filter((p) => p.severity === 'error');
  if (errors.length > 0) {
    const shown = errors
      .slice(0, MAX_PROBLEMS_SHOWN)
      .map((p) => `${p.location[0]?.pointer ?? '#'}: ${firstLine(p.message)}`);
    const more =
      errors.length > MAX_PROBLEMS_SHOWN ? ` (and ${errors.length - MAX_PROBLEMS_SHOWN} more)` : '';
    throw new SpecsPullError(
      'INVALID_OPENAPI',
      `${label}: not a valid OpenAPI 3.0 document: ${safeText(shown.join('; '))}${more}`,
    );
  }
  return { text, doc };
}
