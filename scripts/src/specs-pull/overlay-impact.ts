import { resolveJsonPath } from 'openapi-format';
import { type ContractChange, childPointer, formatLocation } from '../contract-diff/index.js';
import { applyOverlay, type OverlayAction, type OverlayDocument } from '../lib/overlay.js';

type JsonObject = Record<string, unknown>;

/** What one overlay action hit when it ran: the nodes its target matched and the pointers it wrote. */
export interface ActionTrace {
  readonly matched: readonly string[];
  readonly touched: readonly string[];
}

export interface OverlayReplay {
  /** The document with every action applied: the effective spec. */
  readonly effective: JsonObject;
  readonly traces: readonly ActionTrace[];
}

export type ImpactStatus = 'unused' | 'retargeted' | 'affected';

export interface ActionImpact {
  /** 1-based, as the overlay file is read. */
  readonly index: number;
  readonly target: string;
  readonly description?: string;
  readonly status: ImpactStatus;
  readonly detail: string;
  /** The contract changes at or under what the action writes, as `location: kind`. */
  readonly changes: readonly string[];
}

/** Pointer of every object and array in the document, so matched nodes can be named. */
function pointerIndex(doc: unknown): Map<unknown, string> {
  const index = new Map<unknown, string>();
  const visit = (node: unknown, pointer: string) => {
    if (typeof node !== 'object' || node === null || index.has(node)) return;
    index.set(node, pointer);
    const entries = Array.isArray(node) ? node.map((v, i) => [String(i), v] as const) : Object.entries(node);
    for (const [key, value] of entries) visit(value, childPointer(pointer, key));
  };
  visit(doc, '');
  return index;
}

function matchedPointers(state: JsonObject, target: string): string[] {
  const index = pointerIndex(state);
  return resolveJsonPath(state, target).flatMap((node) => {
    if (node.key === undefined) return [''];
    const parent = index.get(node.parent);
    return parent === undefined ? [] : [childPointer(parent, node.key)];
  });
}

/** The leaves an action writes: for an update, each scalar or array it sets, deep-merge style. */
function touchedPointers(matched: readonly string[], action: OverlayAction): string[] {
  const touched: string[] = [];
  const leaves = (value: unknown, pointer: string) => {
    const isMap = typeof value === 'object' && value !== null && !Array.isArray(value);
    if (!isMap || Object.keys(value).length === 0) {
      touched.push(pointer);
      return;
    }
    for (const [key, child] of Object.entries(value)) leaves(child, childPointer(pointer, key));
  };
  for (const pointer of matched) {
    if (action.remove === true) touched.push(pointer);
    if (action.update !== undefined) leaves(action.update, pointer);
  }
  return touched;
}

/**
 * Applies the overlay one action at a time (exactly as the whole overlay applies: in order, each on the
 * result of the previous), recording what each action's target matched at the moment it ran.
 */
export async function replayOverlay(doc: JsonObject, overlay: OverlayDocument): Promise<OverlayReplay> {
  let state = structuredClone(doc);
  const traces: ActionTrace[] = [];
  for (const action of overlay.actions) {
    const matched = matchedPointers(state, action.target);
    traces.push({ matched, touched: touchedPointers(matched, action) });
    state = (await applyOverlay(state, { ...overlay, actions: [action] })).document;
  }
  return { effective: state, traces };
}

const parentOf = (pointer: string) => pointer.slice(0, Math.max(0, pointer.lastIndexOf('/')));

/**
 * A write concerns a change when one pointer is the other or lies inside it, or when both are keys of
 * the same node: `x-d1kit-known-values` written beside an `enum` the vendor just published, or an
 * operationId beside a parameter list that changed.
 */
function related(written: string, changed: string): boolean {
  if (written === changed || written.startsWith(`${changed}/`) || changed.startsWith(`${written}/`))
    return true;
  const parent = parentOf(written);
  return parent !== '' && parent === parentOf(changed);
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}

function list(pointers: readonly string[]): string {
  const shown = pointers.slice(0, 3).map((p) => p || '(root)');
  return shown.join(', ') + (pointers.length > 3 ? ` and ${pointers.length - 3} more` : '');
}

/**
 * Which overlay actions a pull concerns: those whose target matches nothing in the pulled spec (the
 * generator would fail), those whose target now matches other nodes, and those that write at or under a
 * location the pull changed (the guess or addition may no longer fit).
 */
export function assessOverlay(
  overlay: OverlayDocument,
  before: OverlayReplay,
  after: OverlayReplay,
  changes: readonly ContractChange[],
): ActionImpact[] {
  const impacts: ActionImpact[] = [];
  overlay.actions.forEach((action, i) => {
    const was = before.traces[i] ?? { matched: [], touched: [] };
    const now = after.traces[i] ?? { matched: [], touched: [] };
    const base = {
      index: i + 1,
      target: action.target,
      ...(action.description ? { description: action.description } : {}),
    };
    const written = [...new Set([...was.touched, ...now.touched])];
    const concerned = changes.filter((c) => written.some((p) => related(p, c.pointer)));
    const summaries = [
      ...new Set(concerned.map((c) => `${formatLocation(c)}: ${c.kind}${c.facet ? ` ${c.facet}` : ''}`)),
    ];
    if (now.matched.length === 0) {
      const detail =
        was.matched.length === 0
          ? 'matches nothing in the pulled spec (nor in the current one); generation would fail'
          : `matches nothing in the pulled spec (it matched ${list(was.matched)}); generation would fail`;
      impacts.push({ ...base, status: 'unused', detail, changes: summaries });
    } else if (!sameSet(was.matched, now.matched)) {
      const detail = `now matches ${list(now.matched)}; it matched ${was.matched.length ? list(was.matched) : 'nothing'}`;
      impacts.push({ ...base, status: 'retargeted', detail, changes: summaries });
    } else if (concerned.length > 0) {
      impacts.push({
        ...base,
        status: 'affected',
        detail: `writes at ${list(written)}, which the pull changed`,
        changes: summaries,
      });
    }
  });
  return impacts;
}

/** The effective spec's operationIds by method and path, to label changes in vendor files that lack them. */
export function operationIdLookup(
  effective: JsonObject,
): (method: string, path: string) => string | undefined {
  return (method, path) => {
    const paths = effective.paths as
      | Record<string, Record<string, { operationId?: unknown }> | undefined>
      | undefined;
    const id = paths?.[path]?.[method]?.operationId;
    return typeof id === 'string' ? id : undefined;
  };
}
