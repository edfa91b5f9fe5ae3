type Json = Record<string, unknown>;

const decodeToken = (token: string) => token.replaceAll('~1', '/').replaceAll('~0', '~');

/** Follows local `$ref`s (`#/components/...`) so a schema can be read without a resolver; depth-bounded. */
export function resolveLocalRefs(doc: unknown, value: unknown, depth = 0): unknown {
  if (depth > 32 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => resolveLocalRefs(doc, item, depth + 1));
  const ref = (value as Json).$ref;
  if (typeof ref === 'string' && ref.startsWith('#/')) {
    const target = ref
      .slice(2)
      .split('/')
      .reduce<unknown>((node, token) => (node as Json | undefined)?.[decodeToken(token)], doc);
    return resolveLocalRefs(doc, target, depth + 1);
  }
  return Object.fromEntries(
    Object.entries(value).map(([key, child]) => [key, resolveLocalRefs(doc, child, depth + 1)]),
  );
}
