import {
  diffParameters,
  diffRequestBody,
  diffResponses,
  emitterFor,
  type Operation,
  type OperationScope,
} from './operation-parts.js';
import { childPointer, isObject, type JsonObject, resolve } from './refs.js';
import { classify } from './rules.js';
import type { ChangeKind, ChangeLocation, ContractChange, DiffOptions, RawChange } from './types.js';

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

/** Template variable names do not travel on the wire, so `/cards/{id}` and `/cards/{cardId}` are one path. */
function pathShape(path: string): string {
  return path.replace(/\{[^}]*\}/g, '{}');
}

function operationsOf(doc: unknown): Map<string, Operation> {
  const ops = new Map<string, Operation>();
  const paths = isObject(doc) && isObject(doc.paths) ? doc.paths : {};
  for (const [path, raw] of Object.entries(paths)) {
    const item = resolve(doc, raw, childPointer('/paths', path));
    if (!isObject(item.node)) continue;
    for (const method of METHODS) {
      const node = item.node[method];
      if (!isObject(node)) continue;
      const pointer = childPointer(item.pointer, method);
      ops.set(`${method} ${pathShape(path)}`, {
        method,
        path,
        node,
        pointer,
        pathItem: item.node,
        pathItemPointer: item.pointer,
      });
    }
  }
  return ops;
}

/**
 * The contract diff of two OpenAPI 3.0 documents: every change to operations, parameters, request and
 * response bodies, status codes, headers and schemas, each classified for d1kit's role (client of
 * inbound specs, server of outbound ones). Pure: reads both documents, changes neither.
 */
export function diffSpecs(oldDoc: unknown, newDoc: unknown, options: DiffOptions): ContractChange[] {
  const role = options.direction === 'inbound' ? 'client' : 'server';
  const raw: RawChange[] = [];
  const oldOps = operationsOf(oldDoc);
  const newOps = operationsOf(newDoc);
  const pairs: [Operation, Operation][] = [];
  const removed = new Map(oldOps);
  const added = new Map(newOps);
  for (const [key, op] of newOps) {
    const before = oldOps.get(key);
    if (before) {
      pairs.push([before, op]);
      removed.delete(key);
      added.delete(key);
    }
  }
  const idOf = (op: Operation) =>
    typeof op.node.operationId === 'string'
      ? op.node.operationId
      : options.operationIdOf?.(op.method, op.path);
  const baseLocation = (op: Operation): Omit<ChangeLocation, 'jsonPath' | 'part' | 'flow'> => {
    const operationId = idOf(op);
    return { method: op.method.toUpperCase(), path: op.path, ...(operationId ? { operationId } : {}) };
  };
  const opChange = (kind: ChangeKind, op: Operation, pointer: string, before?: unknown, after?: unknown) =>
    raw.push({
      kind,
      location: { ...baseLocation(op), flow: 'operation', part: 'operation', jsonPath: '' },
      pointer,
      ...(before === undefined ? {} : { before }),
      ...(after === undefined ? {} : { after }),
    });
  // An operation that kept its operationId but moved is one operation whose path changed.
  for (const [oldKey, before] of removed) {
    const id = before.node.operationId;
    if (typeof id !== 'string') continue;
    const match = [...added].find(([, op]) => op.node.operationId === id && op.method === before.method);
    if (!match) continue;
    opChange('operation-path-changed', before, before.pointer, before.path, match[1].path);
    pairs.push([before, match[1]]);
    removed.delete(oldKey);
    added.delete(match[0]);
  }
  for (const op of removed.values()) opChange('operation-removed', op, op.pointer);
  for (const op of added.values()) opChange('operation-added', op, op.pointer);
  for (const [before, after] of pairs) {
    diffOperation({
      oldDoc,
      newDoc,
      before,
      after,
      location: baseLocation(before),
      emit: (c) => raw.push(c),
    });
  }
  return raw.map((change) => classify(change, role));
}

function diffOperation(scope: OperationScope): void {
  const { before, after } = scope;
  const emit = emitterFor(scope, 'operation', 'operation');
  const oldId = typeof before.node.operationId === 'string' ? before.node.operationId : undefined;
  const newId = typeof after.node.operationId === 'string' ? after.node.operationId : undefined;
  const idPointer = childPointer(before.pointer, 'operationId');
  if (oldId === undefined && newId !== undefined) emit('operation-id-added', idPointer, { after: newId });
  if (oldId !== undefined && newId === undefined) emit('operation-id-removed', idPointer, { before: oldId });
  if (oldId !== undefined && newId !== undefined && oldId !== newId) {
    emit('operation-id-changed', idPointer, { before: oldId, after: newId });
  }
  const oldSecurity = securityOf(scope.oldDoc, before.node);
  const newSecurity = securityOf(scope.newDoc, after.node);
  if (oldSecurity !== newSecurity) {
    emit('security-changed', childPointer(before.pointer, 'security'), {
      before: oldSecurity,
      after: newSecurity,
    });
  }
  diffParameters(scope);
  diffRequestBody(scope);
  diffResponses(scope);
}

/** Effective requirements (the operation's, else the document's) in a canonical, order-free form. */
function securityOf(doc: unknown, op: JsonObject): string {
  const list = Array.isArray(op.security)
    ? op.security
    : isObject(doc) && Array.isArray(doc.security)
      ? doc.security
      : [];
  const canonical = list.map((req) =>
    isObject(req)
      ? JSON.stringify(
          Object.keys(req)
            .sort()
            .map((name) => [
              name,
              Array.isArray(req[name]) ? [...(req[name] as unknown[])].map(String).sort() : [],
            ]),
        )
      : 'invalid',
  );
  return [...new Set(canonical)].sort().join(' | ') || 'none';
}
