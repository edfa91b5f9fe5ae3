import type { LoadedSpec } from './load.js';
import { isObject, type JsonObject, resolveLocalRef } from './walk.js';

/** OpenAPI-only keywords that a JSON Schema validator would reject in strict mode. */
const DROPPED_KEYWORDS = new Set(['example', 'discriminator', 'xml', 'externalDocs', 'nullable']);

/**
 * Turns an OpenAPI 3.0 schema into a self-contained JSON Schema: `$ref`s inlined, `nullable` expressed
 * as a type union, and OpenAPI/d1kit annotations dropped, so a plain JSON Schema validator (ajv) can
 * check what travels inside a JWE on both sides.
 */
export function toJsonSchema(doc: unknown, node: unknown, stack: string[] = []): unknown {
  if (Array.isArray(node)) return node.map((item) => toJsonSchema(doc, item, stack));
  if (!isObject(node)) return node;
  if (typeof node.$ref === 'string') {
    if (stack.includes(node.$ref)) throw new Error(`plaintext schema is recursive through ${node.$ref}`);
    return toJsonSchema(doc, resolveLocalRef(doc, node.$ref), [...stack, node.$ref]);
  }
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(node)) {
    if (key.startsWith('x-') || DROPPED_KEYWORDS.has(key)) continue;
    if (key === 'properties' && isObject(value)) {
      out.properties = Object.fromEntries(
        Object.entries(value).map(([name, prop]) => [name, toJsonSchema(doc, prop, stack)]),
      ) as JsonObject;
    } else {
      out[key] = toJsonSchema(doc, value, stack) as JsonObject;
    }
  }
  if (node.nullable === true && typeof out.type === 'string') out.type = [out.type, 'null'];
  return out;
}

export interface PlaintextSchema {
  readonly name: string;
  /** As written in the overlay (OpenAPI 3.0), for type generation. */
  readonly openapi: JsonObject;
  readonly jsonSchema: unknown;
  readonly specs: string[];
}

/** Every schema marked `x-d1kit-plaintext`, once per name (checkSpecs guarantees same-name copies agree). */
export function plaintextSchemas(specs: readonly LoadedSpec[]): PlaintextSchema[] {
  const byName = new Map<string, PlaintextSchema>();
  for (const spec of specs) {
    const schemas = isObject(spec.effective.components) ? spec.effective.components.schemas : undefined;
    if (!isObject(schemas)) continue;
    for (const [name, schema] of Object.entries(schemas)) {
      if (!isObject(schema) || schema['x-d1kit-plaintext'] !== true) continue;
      const known = byName.get(name);
      if (known) {
        known.specs.push(spec.name);
        continue;
      }
      byName.set(name, {
        name,
        openapi: inlineRefs(spec.effective, schema) as JsonObject,
        jsonSchema: toJsonSchema(spec.effective, schema),
        specs: [spec.name],
      });
    }
  }
  return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
}

function inlineRefs(doc: unknown, node: unknown, stack: string[] = []): unknown {
  if (Array.isArray(node)) return node.map((n) => inlineRefs(doc, n, stack));
  if (!isObject(node)) return node;
  if (typeof node.$ref === 'string') {
    if (stack.includes(node.$ref)) throw new Error(`plaintext schema is recursive through ${node.$ref}`);
    return inlineRefs(doc, resolveLocalRef(doc, node.$ref), [...stack, node.$ref]);
  }
  return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, inlineRefs(doc, v, stack)]));
}
