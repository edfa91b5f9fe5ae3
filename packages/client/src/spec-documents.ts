import { loadEffectiveSpec } from '@d1kit/generated';

/** A JSON value from an effective spec. */
type Json = unknown;
type JsonObject = Record<string, Json>;

const isObject = (value: Json): value is JsonObject =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

export const escapeToken = (token: string) => token.replaceAll('~', '~0').replaceAll('/', '~1');
const unescapeToken = (token: string) => token.replaceAll('~1', '/').replaceAll('~0', '~');

/** Follows an RFC 6901 pointer (`/paths/~1v2~1cards/post`) inside a document. */
export function atPointer(document: Json, pointer: string): Json {
  let current = document;
  for (const raw of pointer.split('/').slice(1)) {
    const token = unescapeToken(raw);
    if (Array.isArray(current)) current = current[Number(token)];
    else if (isObject(current)) current = current[token];
    else return undefined;
  }
  return current;
}

/** A node of the document with the pointer it was found at, local `$ref`s followed. */
export interface Located {
  readonly node: JsonObject;
  readonly pointer: string;
}

/** Follows local `$ref`s (parameters, request bodies, responses) until a real object is reached. */
export function deref(document: Json, node: Json, pointer: string): Located | undefined {
  let current = node;
  let at = pointer;
  for (let hops = 0; hops < 16; hops++) {
    if (!isObject(current)) return undefined;
    const ref = current.$ref;
    if (typeof ref !== 'string') return { node: current, pointer: at };
    if (!ref.startsWith('#/')) return undefined;
    at = ref.slice(1);
    current = atPointer(document, at);
  }
  return undefined;
}

function mappingOf(discriminator: JsonObject, variants: Json[]): Record<string, string> | undefined {
  const mapping: Record<string, string> = {};
  if (isObject(discriminator.mapping)) {
    for (const [value, target] of Object.entries(discriminator.mapping)) {
      if (typeof target !== 'string') return undefined;
      mapping[value] = target.startsWith('#') ? target : `#/components/schemas/${target}`;
    }
    return mapping;
  }
  // Without a mapping OpenAPI uses the schema name as the value.
  for (const variant of variants) {
    const ref = isObject(variant) ? variant.$ref : undefined;
    if (typeof ref !== 'string') return undefined;
    mapping[ref.slice(ref.lastIndexOf('/') + 1)] = ref;
  }
  return mapping;
}

/**
 * Rewrites `oneOf` + `discriminator` into "the tag must be one of the mapped values, and if it is X the
 * body must match X's schema". Same acceptance as the spec, but a bad order is reported against the
 * variant it names (`/persoStation` missing), not as every variant's failures at once; and it does not
 * depend on a validator's own discriminator support, which varies (ajv refuses mappings).
 */
function rewriteDiscriminator(node: JsonObject): JsonObject {
  const { oneOf, anyOf, discriminator, ...rest } = node;
  const variants = (oneOf ?? anyOf) as Json[];
  const property = isObject(discriminator) ? discriminator.propertyName : undefined;
  const mapping = isObject(discriminator) ? mappingOf(discriminator, variants) : undefined;
  if (typeof property !== 'string' || !mapping) return node;
  const properties = isObject(rest.properties) ? rest.properties : {};
  const required = Array.isArray(rest.required) ? rest.required : [];
  const allOf = Array.isArray(rest.allOf) ? rest.allOf : [];
  return {
    ...rest,
    type: 'object',
    required: [...new Set([...required, property])],
    properties: { ...properties, [property]: { type: 'string', enum: Object.keys(mapping) } },
    allOf: [
      ...allOf,
      ...Object.entries(mapping).map(([value, ref]) => ({
        if: { properties: { [property]: { const: value } }, required: [property] },
        // biome-ignore lint/suspicious/noThenProperty: the JSON Schema keyword, not a thenable.
        then: { $ref: ref },
      })),
    ],
  };
}

function transform(node: Json): Json {
  if (Array.isArray(node)) return node.map(transform);
  if (!isObject(node)) return node;
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(node)) out[key] = transform(value);
  const hasChoice = Array.isArray(out.oneOf) || Array.isArray(out.anyOf);
  return hasChoice && isObject(out.discriminator) ? rewriteDiscriminator(out) : out;
}

const documents = new Map<string, JsonObject>();

/** The effective spec of `spec`, prepared for JSON Schema validation; loaded once per process. */
export function validationDocument(spec: string): JsonObject {
  let document = documents.get(spec);
  if (!document) {
    document = transform(loadEffectiveSpec(spec as Parameters<typeof loadEffectiveSpec>[0])) as JsonObject;
    documents.set(spec, document);
  }
  return document;
}
