import { childPointer, isObject, type JsonObject, resolve } from './refs.js';
import {
  COMPOSITIONS,
  diffBounds,
  diffEnum,
  diffNullable,
  diffOpaque,
  diffType,
  type Emit,
  summarize,
} from './schema-facets.js';
import type { ChangeFacts, ChangeLocation, RawChange } from './types.js';

/** Everything a schema walk needs besides the two schemas: the documents, the location and the sink. */
export interface SchemaScope {
  readonly oldDoc: unknown;
  readonly newDoc: unknown;
  readonly location: Omit<ChangeLocation, 'jsonPath'>;
  readonly emit: (change: RawChange) => void;
}

/** Far deeper than any real payload; stops a pathological document from exhausting the stack. */
const MAX_DEPTH = 64;

/**
 * Compares two schemas (either may be a `$ref`) and emits one RawChange per difference that affects which
 * values are valid. `$ref` cycles are cut on the current walk path, so a recursive schema is compared
 * once per location and a shared schema reached through two properties is compared at both.
 */
export function diffSchema(
  scope: SchemaScope,
  oldSchema: unknown,
  oldPointer: string,
  newSchema: unknown,
  newPointer: string,
  jsonPath = '$',
): void {
  walk(scope, new Set(), oldSchema, oldPointer, newSchema, newPointer, jsonPath);
}

function walk(
  scope: SchemaScope,
  stack: Set<string>,
  oldRaw: unknown,
  oldAt: string,
  newRaw: unknown,
  newAt: string,
  jsonPath: string,
): void {
  const o = resolve(scope.oldDoc, oldRaw, oldAt);
  const n = resolve(scope.newDoc, newRaw, newAt);
  const key = `${o.pointer}\u0000${n.pointer}`;
  if (stack.has(key) || stack.size >= MAX_DEPTH) return;
  const emit: Emit = (kind, facet, detail) =>
    scope.emit({
      kind,
      ...(facet === undefined ? {} : { facet }),
      location: { ...scope.location, jsonPath: detail.jsonPath ?? jsonPath },
      pointer: detail.pointer,
      ...('before' in detail ? { before: detail.before } : {}),
      ...('after' in detail ? { after: detail.after } : {}),
      ...(detail.facts ? { facts: detail.facts } : {}),
    });
  if (!isObject(o.node) || !isObject(n.node)) {
    if (JSON.stringify(o.node) !== JSON.stringify(n.node)) {
      emit('schema-changed', 'schema', {
        pointer: o.pointer,
        before: summarize(oldRaw),
        after: summarize(newRaw),
      });
    }
    return;
  }
  stack.add(key);
  const os = o.node;
  const ns = n.node;
  const at = (facet: string) => childPointer(o.pointer, facet);
  if (diffType(os, ns, emit, at('type'))) {
    diffNullable(os, ns, emit, at('nullable'));
    diffEnum(os, ns, emit, at('enum'));
    diffBounds(os, ns, emit, at);
    diffProperties(scope, stack, o.pointer, os, n.pointer, ns, jsonPath, emit);
    diffAdditionalProperties(scope, stack, o.pointer, os, n.pointer, ns, jsonPath, emit);
    diffItems(scope, stack, o.pointer, os, n.pointer, ns, jsonPath, emit);
    for (const keyword of COMPOSITIONS) {
      diffComposition(scope, stack, keyword, o.pointer, os, n.pointer, ns, jsonPath, emit);
    }
    diffOpaque(os, ns, 'discriminator', emit, at('discriminator'));
    diffOpaque(os, ns, 'not', emit, at('not'));
  }
  stack.delete(key);
}

function propertySegment(jsonPath: string, name: string): string {
  return /^[A-Za-z_$][\w$-]*$/.test(name) ? `${jsonPath}.${name}` : `${jsonPath}[${JSON.stringify(name)}]`;
}

function requiredSet(schema: JsonObject): Set<string> {
  return new Set(Array.isArray(schema.required) ? schema.required.filter((x) => typeof x === 'string') : []);
}

function diffProperties(
  scope: SchemaScope,
  stack: Set<string>,
  oldAt: string,
  os: JsonObject,
  newAt: string,
  ns: JsonObject,
  jsonPath: string,
  emit: Emit,
): void {
  const before = isObject(os.properties) ? os.properties : {};
  const after = isObject(ns.properties) ? ns.properties : {};
  const oldRequired = requiredSet(os);
  const newRequired = requiredSet(ns);
  for (const name of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const path = propertySegment(jsonPath, name);
    const pointer = childPointer(oldAt, 'properties', name);
    const inOld = Object.hasOwn(before, name);
    const inNew = Object.hasOwn(after, name);
    if (!inOld) {
      const facts: ChangeFacts = {
        required: newRequired.has(name),
        closed: os.additionalProperties === false,
      };
      emit('property-added', undefined, { pointer, after: summarize(after[name]), facts, jsonPath: path });
    } else if (!inNew) {
      const facts: ChangeFacts = {
        required: oldRequired.has(name),
        closed: ns.additionalProperties === false,
      };
      emit('property-removed', undefined, {
        pointer,
        before: summarize(before[name]),
        facts,
        jsonPath: path,
      });
    } else {
      walk(scope, stack, before[name], pointer, after[name], childPointer(newAt, 'properties', name), path);
    }
  }
  // Required-ness of properties present on both sides (or declared nowhere): additions and removals
  // above already carry it in their facts.
  const required = childPointer(oldAt, 'required');
  for (const name of new Set([...oldRequired, ...newRequired])) {
    if (Object.hasOwn(before, name) !== Object.hasOwn(after, name)) continue;
    const path = propertySegment(jsonPath, name);
    if (oldRequired.has(name) && !newRequired.has(name))
      emit('required-removed', undefined, { pointer: required, jsonPath: path });
    if (!oldRequired.has(name) && newRequired.has(name))
      emit('required-added', undefined, { pointer: required, jsonPath: path });
  }
}

type Extra = { mode: 'open' } | { mode: 'closed' } | { mode: 'schema'; schema: unknown };

function extraOf(schema: JsonObject): Extra {
  const value = schema.additionalProperties;
  if (value === false) return { mode: 'closed' };
  if (isObject(value)) return { mode: 'schema', schema: value };
  return { mode: 'open' };
}

/** open ⊃ schema ⊃ closed: moving right narrows, moving left widens; two schemas are compared. */
function diffAdditionalProperties(
  scope: SchemaScope,
  stack: Set<string>,
  oldAt: string,
  os: JsonObject,
  newAt: string,
  ns: JsonObject,
  jsonPath: string,
  emit: Emit,
): void {
  const before = extraOf(os);
  const after = extraOf(ns);
  const pointer = childPointer(oldAt, 'additionalProperties');
  if (before.mode === 'schema' && after.mode === 'schema') {
    walk(
      scope,
      stack,
      before.schema,
      pointer,
      after.schema,
      childPointer(newAt, 'additionalProperties'),
      `${jsonPath}.*`,
    );
    return;
  }
  if (before.mode === after.mode) return;
  const rank = { open: 0, schema: 1, closed: 2 };
  const kind = rank[after.mode] > rank[before.mode] ? 'schema-narrowed' : 'schema-widened';
  emit(kind, 'additionalProperties', {
    pointer,
    before: os.additionalProperties === undefined ? true : summarize(os.additionalProperties),
    after: ns.additionalProperties === undefined ? true : summarize(ns.additionalProperties),
  });
}

function diffItems(
  scope: SchemaScope,
  stack: Set<string>,
  oldAt: string,
  os: JsonObject,
  newAt: string,
  ns: JsonObject,
  jsonPath: string,
  emit: Emit,
): void {
  const pointer = childPointer(oldAt, 'items');
  if (os.items !== undefined && ns.items !== undefined) {
    walk(scope, stack, os.items, pointer, ns.items, childPointer(newAt, 'items'), `${jsonPath}[]`);
  } else if (ns.items !== undefined) {
    emit('schema-narrowed', 'items', { pointer, after: summarize(ns.items) });
  } else if (os.items !== undefined) {
    emit('schema-widened', 'items', { pointer, before: summarize(os.items) });
  }
}

/** Members reached by `$ref` match by reference; inline members match by their order among inline ones. */
function memberKeys(members: readonly unknown[]): string[] {
  let inline = 0;
  return members.map((m) =>
    isObject(m) && typeof m.$ref === 'string' ? `ref:${m.$ref}` : `inline:${inline++}`,
  );
}

function diffComposition(
  scope: SchemaScope,
  stack: Set<string>,
  keyword: (typeof COMPOSITIONS)[number],
  oldAt: string,
  os: JsonObject,
  newAt: string,
  ns: JsonObject,
  jsonPath: string,
  emit: Emit,
): void {
  const before = Array.isArray(os[keyword]) ? (os[keyword] as unknown[]) : undefined;
  const after = Array.isArray(ns[keyword]) ? (ns[keyword] as unknown[]) : undefined;
  const pointer = childPointer(oldAt, keyword);
  // Any composition adds a condition the schema did not have; dropping one removes a condition.
  if (before === undefined || after === undefined) {
    if (after !== undefined)
      emit('schema-narrowed', keyword, { pointer, after: `${after.length} member(s)` });
    if (before !== undefined)
      emit('schema-widened', keyword, { pointer, before: `${before.length} member(s)` });
    return;
  }
  const oldKeys = memberKeys(before);
  const newKeys = memberKeys(after);
  // allOf is a conjunction (a new member narrows); oneOf/anyOf are disjunctions (a new member widens).
  const addedKind = keyword === 'allOf' ? 'schema-narrowed' : 'schema-widened';
  const removedKind = keyword === 'allOf' ? 'schema-widened' : 'schema-narrowed';
  newKeys.forEach((k, i) => {
    const j = oldKeys.indexOf(k);
    const memberPath = `${jsonPath}<${keyword}[${i}]>`;
    if (j === -1) emit(addedKind, keyword, { pointer, after: summarize(after[i]), jsonPath: memberPath });
    else
      walk(
        scope,
        stack,
        before[j],
        childPointer(oldAt, keyword, j),
        after[i],
        childPointer(newAt, keyword, i),
        memberPath,
      );
  });
  oldKeys.forEach((k, j) => {
    if (!newKeys.includes(k)) {
      emit(removedKind, keyword, {
        pointer,
        before: summarize(before[j]),
        jsonPath: `${jsonPath}<${keyword}[${j}]>`,
      });
    }
  });
}
