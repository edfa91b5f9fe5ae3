import { isObject, type JsonObject } from './refs.js';
import type { ChangeFacts, ChangeKind } from './types.js';

/** Comparisons of a schema's own keywords (type, enum, bounds, …): no recursion into sub-schemas. */

export const LOWER_BOUNDS = ['minimum', 'minLength', 'minItems', 'minProperties'] as const;
export const UPPER_BOUNDS = ['maximum', 'maxLength', 'maxItems', 'maxProperties'] as const;
/** Boolean keywords where `true` allows fewer values. */
export const NARROWING_FLAGS = ['exclusiveMinimum', 'exclusiveMaximum', 'uniqueItems'] as const;
/** String keywords where any value restricts and two different values cannot be ordered. */
export const OPAQUE_RESTRICTIONS = ['pattern', 'format'] as const;
export const COMPOSITIONS = ['oneOf', 'anyOf', 'allOf'] as const;

export interface Detail {
  readonly pointer: string;
  readonly before?: unknown;
  readonly after?: unknown;
  readonly facts?: ChangeFacts;
  /** Defaults to the schema being compared; property and member changes name the child. */
  readonly jsonPath?: string;
}

export type Emit = (kind: ChangeKind, facet: string | undefined, detail: Detail) => void;

/** A short human description of a schema for before/after: its `$ref`, else its type. */
export function summarize(schema: unknown): string {
  if (!isObject(schema)) return JSON.stringify(schema) ?? 'nothing';
  if (typeof schema.$ref === 'string') return schema.$ref;
  if (typeof schema.type === 'string') return schema.type;
  for (const keyword of COMPOSITIONS) if (Array.isArray(schema[keyword])) return keyword;
  return 'schema';
}

function typesOf(schema: JsonObject): Set<string> | undefined {
  const t = schema.type;
  if (typeof t === 'string') return new Set([t]);
  if (Array.isArray(t)) return new Set(t.filter((x): x is string => typeof x === 'string'));
  return undefined;
}

/** Whether every value of type set `inner` is a value of type set `outer` (integers are numbers). */
function covers(outer: Set<string> | undefined, inner: Set<string> | undefined): boolean {
  if (outer === undefined) return true;
  if (inner === undefined) return false;
  return [...inner].every((t) => outer.has(t) || (t === 'integer' && outer.has('number')));
}

/** Returns false when the types cannot be ordered: comparing the rest would only produce noise. */
export function diffType(os: JsonObject, ns: JsonObject, emit: Emit, pointer: string): boolean {
  const before = typesOf(os);
  const after = typesOf(ns);
  const wider = covers(after, before);
  const narrower = covers(before, after);
  if (wider && narrower) return true;
  const change = { pointer, before: os.type, after: ns.type };
  if (wider) emit('schema-widened', 'type', change);
  else if (narrower) emit('schema-narrowed', 'type', change);
  else {
    emit('schema-changed', 'type', change);
    return false;
  }
  return true;
}

export function diffNullable(os: JsonObject, ns: JsonObject, emit: Emit, pointer: string): void {
  const before = os.nullable === true;
  const after = ns.nullable === true;
  if (before !== after)
    emit(after ? 'schema-widened' : 'schema-narrowed', 'nullable', { pointer, before, after });
}

export function diffEnum(os: JsonObject, ns: JsonObject, emit: Emit, pointer: string): void {
  const before = Array.isArray(os.enum) ? os.enum : undefined;
  const after = Array.isArray(ns.enum) ? ns.enum : undefined;
  if (before === undefined && after === undefined) return;
  if (before === undefined || after === undefined) {
    if (after !== undefined) emit('schema-narrowed', 'enum', { pointer, after });
    if (before !== undefined) emit('schema-widened', 'enum', { pointer, before });
    return;
  }
  const oldValues = new Set(before.map((v) => JSON.stringify(v)));
  const newValues = new Set(after.map((v) => JSON.stringify(v)));
  for (const value of after) {
    if (!oldValues.has(JSON.stringify(value))) emit('enum-value-added', undefined, { pointer, after: value });
  }
  for (const value of before) {
    if (!newValues.has(JSON.stringify(value)))
      emit('enum-value-removed', undefined, { pointer, before: value });
  }
}

function numberOrUndefined(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

export function diffBounds(os: JsonObject, ns: JsonObject, emit: Emit, at: (facet: string) => string): void {
  const bound = (facet: string, isLower: boolean) => {
    const before = numberOrUndefined(os[facet]);
    const after = numberOrUndefined(ns[facet]);
    if (before === after) return;
    const change = { pointer: at(facet), before, after };
    const narrowed =
      before === undefined || (after !== undefined && (isLower ? after > before : after < before));
    emit(narrowed ? 'schema-narrowed' : 'schema-widened', facet, change);
  };
  for (const facet of LOWER_BOUNDS) bound(facet, true);
  for (const facet of UPPER_BOUNDS) bound(facet, false);
  for (const facet of NARROWING_FLAGS) {
    const before = os[facet] === true;
    const after = ns[facet] === true;
    if (before !== after)
      emit(after ? 'schema-narrowed' : 'schema-widened', facet, { pointer: at(facet), before, after });
  }
  const before = numberOrUndefined(os.multipleOf);
  const after = numberOrUndefined(ns.multipleOf);
  if (before !== after) {
    const change = { pointer: at('multipleOf'), before, after };
    if (before === undefined || (after !== undefined && Number.isInteger(after / before))) {
      emit('schema-narrowed', 'multipleOf', change);
    } else if (after === undefined || Number.isInteger(before / after)) {
      emit('schema-widened', 'multipleOf', change);
    } else emit('schema-changed', 'multipleOf', change);
  }
  for (const facet of OPAQUE_RESTRICTIONS) {
    const was = typeof os[facet] === 'string' ? os[facet] : undefined;
    const now = typeof ns[facet] === 'string' ? ns[facet] : undefined;
    if (was === now) continue;
    const kind =
      was === undefined ? 'schema-narrowed' : now === undefined ? 'schema-widened' : 'schema-changed';
    emit(kind, facet, { pointer: at(facet), before: was, after: now });
  }
}

/** Keywords compared as a whole: any difference is an unordered change. */
export function diffOpaque(os: JsonObject, ns: JsonObject, facet: string, emit: Emit, pointer: string): void {
  if (JSON.stringify(os[facet]) !== JSON.stringify(ns[facet])) {
    emit('schema-changed', facet, { pointer, before: os[facet], after: ns[facet] });
  }
}
