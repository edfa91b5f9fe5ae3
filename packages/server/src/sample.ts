import {
  type JweFieldMeta,
  loadEffectiveSpec,
  type OperationMeta,
  plaintextSchemas,
  type SpecName,
} from '@d1kit/generated';
import { resolveLocalRefs } from './json-ref.js';

type Schema = Record<string, unknown>;

function patternValue(schema: Schema): string | undefined {
  const pattern = typeof schema.pattern === 'string' ? new RegExp(schema.pattern) : undefined;
  const min = typeof schema.minLength === 'number' ? schema.minLength : 1;
  const max = typeof schema.maxLength === 'number' ? schema.maxLength : Math.max(min, 16);
  const lengths = [...new Set([min, 4, 10, 16, max].filter((n) => n >= min && n <= max))];
  const candidates = lengths.flatMap((n) =>
    ['x', '0', 'A'].map((c) => c.repeat(n)).concat(`0${'1'.repeat(n - 1)}`),
  );
  return candidates.find(
    (candidate) => (pattern ? pattern.test(candidate) : true) && candidate.length >= min,
  );
}

/**
 * A small value that satisfies `schema`: examples and known values first, then required properties only,
 * one array item, strings built to fit simple length and pattern rules. For fixtures, not for fuzzing.
 */
export function sampleOf(schema: unknown, depth = 0): unknown {
  if (!schema || typeof schema !== 'object' || depth > 12) return undefined;
  const node = schema as Schema;
  if (node.example !== undefined) return node.example;
  if (Array.isArray(node.enum)) return node.enum[0];
  const known = node['x-d1kit-known-values'];
  if (Array.isArray(known) && known.length > 0) return known[0];
  if (Array.isArray(node.allOf)) return sampleOf(node.allOf[0], depth + 1);
  switch (node.type) {
    case 'object': {
      const properties = (node.properties ?? {}) as Record<string, unknown>;
      const required = Array.isArray(node.required) ? (node.required as string[]) : [];
      return Object.fromEntries(required.map((name) => [name, sampleOf(properties[name], depth + 1)]));
    }
    case 'array':
      return [sampleOf(node.items, depth + 1)];
    case 'integer':
    case 'number':
      return typeof node.minimum === 'number' ? node.minimum : 1;
    case 'boolean':
      return true;
    case 'string':
      return node.format === 'date-time' ? '2025-01-17T06:28:02.492Z' : (patternValue(node) ?? 'x');
    default:
      return undefined;
  }
}

function setAt(target: unknown, tokens: readonly string[], value: unknown): void {
  if (tokens.length === 0 || target === null || typeof target !== 'object') return;
  const [head, ...rest] = tokens as [string, ...string[]];
  if (head === '*') {
    if (!Array.isArray(target)) return;
    target.forEach((item, index) => {
      if (rest.length === 0) target[index] = value;
      else setAt(item, rest, value);
    });
    return;
  }
  if (rest.length === 0) (target as Record<string, unknown>)[head] = value;
  else setAt((target as Record<string, unknown>)[head], rest, value);
}

/** Sample handler input for an operation: path parameters and a body, with JWE fields as plaintext. */
export function sampleInput(meta: OperationMeta): {
  params: Record<string, unknown>;
  headers: object;
  query: object;
  body: unknown;
} {
  const doc = loadEffectiveSpec(meta.spec as SpecName);
  const pathItem = resolveLocalRefs(doc, (doc.paths as Schema)[meta.path]) as Schema;
  const operation = pathItem[meta.method] as Schema;
  const parameters = [
    ...((pathItem.parameters as Schema[]) ?? []),
    ...((operation.parameters as Schema[]) ?? []),
  ];
  const params = Object.fromEntries(
    parameters.filter((p) => p.in === 'path').map((p) => [String(p.name), sampleOf(p.schema)]),
  );
  const content = ((operation.requestBody as Schema | undefined)?.content ?? {}) as Record<string, Schema>;
  const first = Object.values(content)[0];
  const body = first ? sampleOf(first.schema) : undefined;
  for (const field of meta.jweFields.filter((f: JweFieldMeta) => f.in === 'request')) {
    const schema = plaintextSchemas[field.schema as keyof typeof plaintextSchemas];
    setAt(body, field.pointer.split('/').slice(1), sampleOf(schema));
  }
  return { params, headers: {}, query: {}, body };
}
