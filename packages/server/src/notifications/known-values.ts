import { loadEffectiveSpec, operations, type SpecName } from '@d1kit/generated';
import { resolveLocalRefs } from '../json-ref.js';

type Json = Record<string, unknown>;

/** A field of a notification item whose spec lists known values (`x-d1kit-known-values`). */
interface KnownField {
  readonly path: readonly string[];
  readonly known: ReadonlySet<string>;
}

function collect(schema: unknown, path: readonly string[], out: KnownField[], depth = 0): void {
  if (depth > 8 || !schema || typeof schema !== 'object') return;
  const node = schema as Json;
  const known = node['x-d1kit-known-values'];
  if (Array.isArray(known) && path.length > 0) {
    out.push({ path, known: new Set(known.filter((value): value is string => typeof value === 'string')) });
  }
  const properties = node.properties;
  if (properties && typeof properties === 'object') {
    for (const [name, child] of Object.entries(properties as Json))
      collect(child, [...path, name], out, depth + 1);
  }
}

/**
 * Finds, from the effective spec, every item field with published values, and returns a function that
 * lists the JSON pointers of fields holding a value outside that list. Such values are expected (D1 adds
 * values without notice, contract 9.3): they are reported, never refused.
 */
export function unknownValueFinder(operationId: 'notifyCardOperations' | 'notifyCardAuthorisations') {
  const meta = operations[operationId];
  const doc = loadEffectiveSpec(meta.spec as SpecName);
  const operation = (doc.paths as Json)[meta.path] as Json;
  const body = resolveLocalRefs(doc, (operation[meta.method] as Json).requestBody) as Json;
  const items = (((body.content as Json)['application/json'] as Json).schema as Json).properties as Json;
  const fields: KnownField[] = [];
  collect((items.operations as Json).items, [], fields);
  return (item: unknown): string[] => {
    const found: string[] = [];
    for (const field of fields) {
      const value = field.path.reduce<unknown>(
        (node, key) => (node && typeof node === 'object' ? (node as Json)[key] : undefined),
        item,
      );
      if (typeof value === 'string' && !field.known.has(value)) found.push(`/${field.path.join('/')}`);
    }
    return found;
  };
}
