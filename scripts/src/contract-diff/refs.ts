/** JSON pointer helpers and local `$ref` resolution for the contract diff. */

export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function escapeToken(token: string): string {
  return token.replace(/~/g, '~0').replace(/\//g, '~1');
}

export function unescapeToken(token: string): string {
  return token.replace(/~1/g, '/').replace(/~0/g, '~');
}

export function childPointer(pointer: string, ...tokens: readonly (string | number)[]): string {
  return tokens.reduce<string>((acc, token) => `${acc}/${escapeToken(String(token))}`, pointer);
}

/** The node at a JSON pointer (`''` is the document itself), or undefined when any step is missing. */
export function nodeAt(doc: unknown, pointer: string): unknown {
  if (pointer === '') return doc;
  if (!pointer.startsWith('/')) return undefined;
  let node: unknown = doc;
  for (const raw of pointer.slice(1).split('/')) {
    const token = unescapeToken(raw);
    if (Array.isArray(node)) {
      if (!/^(0|[1-9][0-9]*)$/.test(token)) return undefined;
      node = node[Number(token)];
    } else if (isObject(node) && Object.hasOwn(node, token)) {
      node = node[token];
    } else {
      return undefined;
    }
  }
  return node;
}

export interface Resolved {
  /** The node after following every `$ref`; undefined for a dangling or circular reference chain. */
  readonly node: unknown;
  /** Where the node lives in the document. */
  readonly pointer: string;
  /** The last `$ref` followed, e.g. `#/components/schemas/Card`, when the node was reached through one. */
  readonly ref?: string;
}

/**
 * Follows a chain of local `$ref`s starting at `node` (found at `pointer`). In OpenAPI 3.0 the siblings of
 * `$ref` are ignored, so the target replaces the node entirely. A chain that loops yields `node: undefined`
 * instead of spinning; external references are refused before a document reaches the diff.
 */
export function resolve(doc: unknown, node: unknown, pointer: string): Resolved {
  let current = node;
  let at = pointer;
  let ref: string | undefined;
  const followed = new Set<string>();
  while (isObject(current) && typeof current.$ref === 'string') {
    ref = current.$ref;
    if (!ref.startsWith('#') || followed.has(ref)) return { node: undefined, pointer: at, ref };
    followed.add(ref);
    const decoded = decodeFragment(ref.slice(1));
    if (decoded === undefined) return { node: undefined, pointer: at, ref };
    at = decoded;
    current = nodeAt(doc, at);
  }
  return ref === undefined ? { node: current, pointer: at } : { node: current, pointer: at, ref };
}

function decodeFragment(fragment: string): string | undefined {
  try {
    return decodeURIComponent(fragment);
  } catch {
    return undefined;
  }
}
