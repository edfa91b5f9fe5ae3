/** Small JSON helpers shared by the generator's checks and metadata extraction. */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** RFC 6901 escaping of one pointer segment. */
export function pointerSegment(key: string | number): string {
  return String(key).replaceAll('~', '~0').replaceAll('/', '~1');
}

/** Visits every node depth-first with its JSON pointer (document order, so output is deterministic). */
export function visit(node: unknown, fn: (value: unknown, pointer: string) => void, pointer = ''): void {
  fn(node, pointer);
  if (Array.isArray(node)) {
    for (const [i, item] of node.entries()) visit(item, fn, `${pointer}/${i}`);
  } else if (isObject(node))
    for (const [k, v] of Object.entries(node)) visit(v, fn, `${pointer}/${pointerSegment(k)}`);
}

/** Resolves a local `#/...` reference; external references are not allowed in d1kit specs. */
export function resolveLocalRef(doc: unknown, ref: string): unknown {
  if (!ref.startsWith('#/')) throw new Error(`only local $refs are supported, got '${ref}'`);
  let node: unknown = doc;
  for (const raw of ref.slice(2).split('/')) {
    const key = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    if (!isObject(node) || !(key in node)) throw new Error(`unresolvable $ref '${ref}'`);
    node = node[key];
  }
  return node;
}

/** Follows `$ref` chains until a non-reference node. */
export function deref(doc: unknown, node: unknown, seen = new Set<string>()): unknown {
  let current = node;
  while (isObject(current) && typeof current.$ref === 'string') {
    if (seen.has(current.$ref)) throw new Error(`circular $ref '${current.$ref}'`);
    seen.add(current.$ref);
    current = resolveLocalRef(doc, current.$ref);
  }
  return current;
}

/** Deep equality for plain JSON values. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(sortKeys(a)) === JSON.stringify(sortKeys(b));
}

export function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (isObject(value)) {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, sortKeys(value[k])]),
    );
  }
  return value;
}
