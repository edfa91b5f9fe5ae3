import { nameOperations } from './naming.js';
import { inboundOperations } from './operation-runtime.js';

type Request = (operationId: string, input: Record<string, unknown>) => Promise<unknown>;
type Method = (...args: unknown[]) => Promise<unknown>;

/**
 * `d1.cards.suspend(cardId, body, options)` for every inbound operation, built from the metadata: the
 * positional arguments are the path parameters in path order (issuerId comes from the client), then
 * the body when the operation has one, then the call options.
 */
export function buildGroups(request: Request): Record<string, Record<string, Method>> {
  const metas = inboundOperations();
  const groups: Record<string, Record<string, Method>> = {};
  for (const named of nameOperations(metas)) {
    const meta = metas.find((candidate) => candidate.operationId === named.operationId)!;
    const pathNames = meta.parameters
      .filter((p) => p.in === 'path' && p.name !== 'issuerId')
      .map((p) => p.name);
    const takesBody = meta.requestBody !== null;
    const method: Method = (...args) => {
      const path: Record<string, unknown> = {};
      pathNames.forEach((name, index) => {
        path[name] = args[index];
      });
      const body = takesBody ? args[pathNames.length] : undefined;
      const options = (args[pathNames.length + (takesBody ? 1 : 0)] ?? {}) as Record<string, unknown>;
      return request(named.operationId, { ...options, path, ...(body === undefined ? {} : { body }) });
    };
    Object.defineProperty(method, 'name', { value: named.method });
    groups[named.group] ??= {};
    groups[named.group]![named.method] = method;
  }
  for (const group of Object.values(groups)) Object.freeze(group);
  return groups;
}
