import { childPointer, isObject, type JsonObject, resolve } from './refs.js';
import { diffSchema, type SchemaScope } from './schema-diff.js';
import type { ChangeFacts, ChangeKind, ChangeLocation, Flow, RawChange } from './types.js';

/** The parts of one operation the contract diff compares: parameters, request body, responses. */

export interface Operation {
  readonly method: string;
  readonly path: string;
  readonly node: JsonObject;
  readonly pointer: string;
  readonly pathItem: JsonObject;
  readonly pathItemPointer: string;
}

export interface OperationScope {
  readonly oldDoc: unknown;
  readonly newDoc: unknown;
  readonly before: Operation;
  readonly after: Operation;
  readonly location: Omit<ChangeLocation, 'jsonPath' | 'part' | 'flow'>;
  readonly emit: (change: RawChange) => void;
}

interface Extra {
  readonly before?: unknown;
  readonly after?: unknown;
  readonly facts?: ChangeFacts;
  readonly facet?: string;
  readonly jsonPath?: string;
}

export type Emitter = (kind: ChangeKind, pointer: string, extra?: Extra) => void;

export function emitterFor(scope: OperationScope, flow: Flow | 'operation', part: string): Emitter {
  return (kind, pointer, { jsonPath = '', ...extra } = {}) =>
    scope.emit({ kind, location: { ...scope.location, flow, part, jsonPath }, pointer, ...extra });
}

function schemaScope(scope: OperationScope, flow: Flow, part: string): SchemaScope {
  return {
    oldDoc: scope.oldDoc,
    newDoc: scope.newDoc,
    location: { ...scope.location, flow, part },
    emit: scope.emit,
  };
}

interface Parameter {
  readonly node: JsonObject;
  readonly pointer: string;
  readonly name: string;
  readonly in: string;
}

/** Path-level parameters, overridden by operation-level ones of the same location and name. */
function parametersOf(doc: unknown, op: Operation): Map<string, Parameter> {
  const found = new Map<string, Parameter>();
  const slots = [...op.path.matchAll(/\{([^}]*)\}/g)].map((m) => m[1]);
  const collect = (list: unknown, pointer: string) => {
    if (!Array.isArray(list)) return;
    list.forEach((raw, i) => {
      const p = resolve(doc, raw, childPointer(pointer, i));
      if (!isObject(p.node) || typeof p.node.name !== 'string' || typeof p.node.in !== 'string') return;
      const where = p.node.in;
      const name = p.node.name;
      // Path parameters are identified by their slot in the template: renaming one changes nothing on the wire.
      const slot = slots.indexOf(name);
      const key =
        where === 'path' && slot >= 0
          ? `path#${slot}`
          : `${where}:${where === 'header' ? name.toLowerCase() : name}`;
      found.set(key, { node: p.node, pointer: p.pointer, name, in: where });
    });
  };
  collect(op.pathItem.parameters, childPointer(op.pathItemPointer, 'parameters'));
  collect(op.node.parameters, childPointer(op.pointer, 'parameters'));
  return found;
}

const DEFAULT_STYLE: Record<string, string> = {
  query: 'form',
  cookie: 'form',
  path: 'simple',
  header: 'simple',
};

function serialisation(p: Parameter): string {
  const style = typeof p.node.style === 'string' ? p.node.style : (DEFAULT_STYLE[p.in] ?? 'simple');
  const explode = typeof p.node.explode === 'boolean' ? p.node.explode : style === 'form';
  return `style=${style}, explode=${explode}`;
}

function isRequired(p: Parameter): boolean {
  return p.in === 'path' || p.node.required === true;
}

export function diffParameters(scope: OperationScope): void {
  const before = parametersOf(scope.oldDoc, scope.before);
  const after = parametersOf(scope.newDoc, scope.after);
  const listPointer = childPointer(scope.before.pointer, 'parameters');
  for (const [key, p] of after) {
    if (!before.has(key)) {
      const emit = emitterFor(scope, 'request', `parameter ${p.in} ${p.name}`);
      emit('parameter-added', listPointer, { after: p.name, facts: { required: isRequired(p), in: p.in } });
    }
  }
  for (const [key, old] of before) {
    const part = `parameter ${old.in} ${old.name}`;
    const emit = emitterFor(scope, 'request', part);
    const now = after.get(key);
    if (!now) {
      emit('parameter-removed', old.pointer, {
        before: old.name,
        facts: { required: isRequired(old), in: old.in },
      });
      continue;
    }
    if (isRequired(old) && !isRequired(now))
      emit('parameter-required-removed', childPointer(old.pointer, 'required'));
    if (!isRequired(old) && isRequired(now))
      emit('parameter-required-added', childPointer(old.pointer, 'required'));
    if (serialisation(old) !== serialisation(now)) {
      emit('parameter-style-changed', old.pointer, { before: serialisation(old), after: serialisation(now) });
    }
    if (old.node.schema !== undefined || now.node.schema !== undefined) {
      diffSchema(
        schemaScope(scope, 'request', part),
        old.node.schema,
        childPointer(old.pointer, 'schema'),
        now.node.schema,
        childPointer(now.pointer, 'schema'),
      );
    }
    diffContent(
      scope,
      'request',
      part,
      old.node.content,
      childPointer(old.pointer, 'content'),
      now.node.content,
      childPointer(now.pointer, 'content'),
    );
  }
}

export function diffRequestBody(scope: OperationScope): void {
  const o = resolve(
    scope.oldDoc,
    scope.before.node.requestBody,
    childPointer(scope.before.pointer, 'requestBody'),
  );
  const n = resolve(
    scope.newDoc,
    scope.after.node.requestBody,
    childPointer(scope.after.pointer, 'requestBody'),
  );
  const emit = emitterFor(scope, 'request', 'request body');
  const oldBody = isObject(o.node) ? o.node : undefined;
  const newBody = isObject(n.node) ? n.node : undefined;
  if (!oldBody || !newBody) {
    if (newBody) emit('request-body-added', o.pointer, { facts: { required: newBody.required === true } });
    if (oldBody) emit('request-body-removed', o.pointer, { facts: { required: oldBody.required === true } });
    return;
  }
  const required = childPointer(o.pointer, 'required');
  if (oldBody.required === true && newBody.required !== true) emit('request-body-required-removed', required);
  if (oldBody.required !== true && newBody.required === true) emit('request-body-required-added', required);
  diffContent(
    scope,
    'request',
    'request body',
    oldBody.content,
    childPointer(o.pointer, 'content'),
    newBody.content,
    childPointer(n.pointer, 'content'),
  );
}

export function diffResponses(scope: OperationScope): void {
  const oldAt = childPointer(scope.before.pointer, 'responses');
  const newAt = childPointer(scope.after.pointer, 'responses');
  const before = isObject(scope.before.node.responses) ? scope.before.node.responses : {};
  const after = isObject(scope.after.node.responses) ? scope.after.node.responses : {};
  for (const status of Object.keys(after)) {
    if (!Object.hasOwn(before, status)) {
      emitterFor(scope, 'response', `response ${status}`)('response-added', childPointer(oldAt, status), {
        after: status,
        facts: { status },
      });
    }
  }
  for (const [status, raw] of Object.entries(before)) {
    const part = `response ${status}`;
    const emit = emitterFor(scope, 'response', part);
    const o = resolve(scope.oldDoc, raw, childPointer(oldAt, status));
    if (!Object.hasOwn(after, status)) {
      emit('response-removed', o.pointer, { before: status, facts: { status } });
      continue;
    }
    const n = resolve(scope.newDoc, after[status], childPointer(newAt, status));
    if (!isObject(o.node) || !isObject(n.node)) continue;
    diffHeaders(scope, part, o.node, o.pointer, n.node, n.pointer);
    diffContent(
      scope,
      'response',
      part,
      o.node.content,
      childPointer(o.pointer, 'content'),
      n.node.content,
      childPointer(n.pointer, 'content'),
    );
  }
}

function diffHeaders(
  scope: OperationScope,
  part: string,
  o: JsonObject,
  oldAt: string,
  n: JsonObject,
  newAt: string,
): void {
  // OpenAPI ignores a Content-Type response header definition; names are case-insensitive.
  const byName = (response: JsonObject, at: string) => {
    const map = new Map<string, { name: string; raw: unknown; pointer: string }>();
    if (!isObject(response.headers)) return map;
    for (const [name, raw] of Object.entries(response.headers)) {
      if (name.toLowerCase() !== 'content-type')
        map.set(name.toLowerCase(), { name, raw, pointer: childPointer(at, 'headers', name) });
    }
    return map;
  };
  const before = byName(o, oldAt);
  const after = byName(n, newAt);
  for (const [key, h] of after) {
    if (before.has(key)) continue;
    const node = resolve(scope.newDoc, h.raw, h.pointer).node;
    const required = isObject(node) && node.required === true;
    emitterFor(scope, 'response', `${part} header ${h.name}`)(
      'header-added',
      childPointer(oldAt, 'headers', h.name),
      {
        after: h.name,
        facts: { required },
      },
    );
  }
  for (const [key, h] of before) {
    const headerPart = `${part} header ${h.name}`;
    const emit = emitterFor(scope, 'response', headerPart);
    const o2 = resolve(scope.oldDoc, h.raw, h.pointer);
    const now = after.get(key);
    if (!now) {
      emit('header-removed', o2.pointer, { before: h.name });
      continue;
    }
    const n2 = resolve(scope.newDoc, now.raw, now.pointer);
    if (!isObject(o2.node) || !isObject(n2.node)) continue;
    const required = childPointer(o2.pointer, 'required');
    if (o2.node.required === true && n2.node.required !== true) emit('header-required-removed', required);
    if (o2.node.required !== true && n2.node.required === true) emit('header-required-added', required);
    if (o2.node.schema !== undefined || n2.node.schema !== undefined) {
      diffSchema(
        schemaScope(scope, 'response', headerPart),
        o2.node.schema,
        childPointer(o2.pointer, 'schema'),
        n2.node.schema,
        childPointer(n2.pointer, 'schema'),
      );
    }
  }
}

function diffContent(
  scope: OperationScope,
  flow: Flow,
  part: string,
  oldContent: unknown,
  oldAt: string,
  newContent: unknown,
  newAt: string,
): void {
  // Media type names are case-insensitive.
  const byType = (content: unknown) =>
    new Map(
      isObject(content)
        ? Object.entries(content).map(([type, media]) => [type.toLowerCase(), { type, media }])
        : [],
    );
  const before = byType(oldContent);
  const after = byType(newContent);
  for (const [key, { type }] of after) {
    if (!before.has(key))
      emitterFor(scope, flow, `${part} ${type}`)('media-type-added', childPointer(oldAt, type), {
        after: type,
      });
  }
  for (const [key, { type, media }] of before) {
    const mediaPart = `${part} ${type}`;
    const now = after.get(key);
    if (!now) {
      emitterFor(scope, flow, mediaPart)('media-type-removed', childPointer(oldAt, type), { before: type });
      continue;
    }
    const oldSchema = isObject(media) ? media.schema : undefined;
    const newSchema = isObject(now.media) ? now.media.schema : undefined;
    const oldPointer = childPointer(oldAt, type, 'schema');
    const emit = emitterFor(scope, flow, mediaPart);
    // A media type without a schema accepts any body: adding one narrows, dropping it widens.
    if (oldSchema === undefined && newSchema !== undefined)
      emit('schema-narrowed', oldPointer, { facet: 'schema', jsonPath: '$', after: 'schema' });
    else if (oldSchema !== undefined && newSchema === undefined)
      emit('schema-widened', oldPointer, { facet: 'schema', jsonPath: '$', before: 'schema' });
    else if (oldSchema !== undefined) {
      diffSchema(
        schemaScope(scope, flow, mediaPart),
        oldSchema,
        oldPointer,
        newSchema,
        childPointer(newAt, now.type, 'schema'),
      );
    }
  }
}
