/**
 * The naming rule of the convenience layer (`d1.cards.suspend`), computed from the operation metadata so a
 * regenerated spec brings its methods with it. naming-types.ts is the same rule at the type level; the
 * tests keep the two in step.
 *
 * - Group: the collection segment after `{issuerId}` (`cards`, `physicalCards`); without one, the first
 *   path segment (`/oauth2/token` → `oauth2`).
 * - Method: the operationId without the group's noun (`suspendCard` → `suspend`, `orderPhysicalCard` →
 *   `order`). A read that names more than the noun is called after its last word
 *   (`getPhysicalCardProductionStatus` → `status`, `getToken` → `token`); other verbs keep the rest
 *   (`listCardOperations` → `listOperations`).
 * - Two operations landing on the same name in a group both keep their operationId instead.
 */

export function groupOf(path: string): string {
  const segments = path.split('/').filter(Boolean);
  const issuer = segments.indexOf('{issuerId}');
  const candidate = issuer >= 0 ? segments[issuer + 1] : segments[0];
  // A custom method (`cards:batch`) still belongs to its collection.
  return (candidate ?? 'root').split(':')[0]!;
}

/** `physicalCards` → `PhysicalCard`: the noun operationIds use. */
export function nounOf(group: string): string {
  const stem = group.endsWith('s') ? group.slice(0, -1) : group;
  return stem.charAt(0).toUpperCase() + stem.slice(1);
}

function firstWord(text: string): [string, string] {
  const at = text.search(/[A-Z]/);
  return at < 0 ? [text, ''] : [text.slice(0, at), text.slice(at)];
}

function lastWord(text: string): string {
  const match = /[A-Z][^A-Z]*$/.exec(text);
  return match ? match[0] : text;
}

const uncapitalize = (text: string) => text.charAt(0).toLowerCase() + text.slice(1);

export function methodNameOf(operationId: string, group: string): string {
  const noun = nounOf(group);
  const at = operationId.indexOf(noun);
  const [verb, rest] =
    at >= 0 ? [operationId.slice(0, at), operationId.slice(at + noun.length)] : firstWord(operationId);
  if (verb === '') return operationId;
  if (rest === '') return verb;
  if (verb === 'get') return uncapitalize(lastWord(rest));
  return `${verb}${rest}`;
}

export interface NamedOperation {
  readonly operationId: string;
  readonly group: string;
  readonly method: string;
}

/** Group and method name of every operation; colliding names fall back to the operationIds. */
export function nameOperations(
  operations: readonly { operationId: string; path: string }[],
): NamedOperation[] {
  const named = operations.map((operation) => {
    const group = groupOf(operation.path);
    return { operationId: operation.operationId, group, method: methodNameOf(operation.operationId, group) };
  });
  const counts = new Map<string, number>();
  for (const entry of named)
    counts.set(`${entry.group}.${entry.method}`, (counts.get(`${entry.group}.${entry.method}`) ?? 0) + 1);
  return named.map((entry) =>
    (counts.get(`${entry.group}.${entry.method}`) ?? 0) > 1 ? { ...entry, method: entry.operationId } : entry,
  );
}
