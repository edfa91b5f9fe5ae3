import type { LoadedSpec } from './load.js';
import { GenerateError } from './load.js';
import { isObject, jsonEqual, visit } from './walk.js';

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

export interface OperationRef {
  readonly spec: LoadedSpec;
  readonly path: string;
  readonly method: (typeof HTTP_METHODS)[number];
  readonly pathItem: Record<string, unknown>;
  readonly operation: Record<string, unknown>;
}

/** Every operation of a spec in document order. */
export function operationsOf(spec: LoadedSpec): OperationRef[] {
  const out: OperationRef[] = [];
  const paths = isObject(spec.effective.paths) ? spec.effective.paths : {};
  for (const [path, pathItem] of Object.entries(paths)) {
    if (!isObject(pathItem)) continue;
    for (const method of HTTP_METHODS) {
      const operation = pathItem[method];
      if (isObject(operation)) out.push({ spec, path, method, pathItem, operation });
    }
  }
  return out;
}

/**
 * The invariants the rest of d1kit relies on. Violations are collected and reported together so a
 * maintainer fixing a freshly pulled spec sees every problem in one run.
 */
export function checkSpecs(specs: readonly LoadedSpec[]): void {
  const problems: string[] = [];
  const operationIds = new Map<string, string>();
  const plaintext = new Map<string, { spec: string; schema: unknown }>();

  for (const spec of specs) {
    const where = (pointer: string) => `${spec.entry.file}#${pointer}`;
    visit(spec.published, (_value, pointer) => {
      const key = pointer.slice(pointer.lastIndexOf('/') + 1);
      if (key.startsWith('x-d1kit-')) {
        problems.push(`${where(pointer)}: d1kit extensions belong in the overlay, not in the vendor layer`);
      }
    });
    const schemas = isObject(spec.effective.components) ? spec.effective.components.schemas : undefined;
    visit(spec.effective, (value, pointer) => {
      if (!isObject(value)) return;
      const assumption = value['x-d1kit-assumption'];
      if (assumption !== undefined && (typeof assumption !== 'string' || assumption.trim() === '')) {
        problems.push(`${where(pointer)}: x-d1kit-assumption needs a non-empty reason`);
      }
      const jwe = value['x-d1kit-jwe'];
      if (jwe !== undefined) {
        const target = isObject(schemas) && typeof jwe === 'string' ? schemas[jwe] : undefined;
        if (!isObject(target) || target['x-d1kit-plaintext'] !== true) {
          problems.push(
            `${where(pointer)}: x-d1kit-jwe '${String(jwe)}' names no schema marked x-d1kit-plaintext`,
          );
        }
        if (value.type !== 'string' && value.$ref === undefined) {
          problems.push(`${where(pointer)}: x-d1kit-jwe must sit on a string schema (a compact JWE)`);
        }
      }
    });
    if (isObject(schemas)) {
      for (const [name, schema] of Object.entries(schemas)) {
        if (!isObject(schema) || schema['x-d1kit-plaintext'] !== true) continue;
        const previous = plaintext.get(name);
        if (previous && !jsonEqual(previous.schema, schema)) {
          problems.push(
            `${spec.entry.file}: plaintext schema ${name} differs from the one in ${previous.spec}`,
          );
        } else if (!previous) plaintext.set(name, { spec: spec.entry.file, schema });
      }
    }
    for (const op of operationsOf(spec)) {
      const id = op.operation.operationId;
      const label = `${spec.entry.file} ${op.method.toUpperCase()} ${op.path}`;
      if (typeof id !== 'string' || !/^[A-Za-z][A-Za-z0-9]*$/.test(id)) {
        problems.push(`${label}: needs an operationId (letters and digits); add one in the overlay`);
        continue;
      }
      const clash = operationIds.get(id);
      if (clash) problems.push(`${label}: operationId '${id}' is already used by ${clash}`);
      operationIds.set(id, label);
      const responses = isObject(op.operation.responses) ? Object.keys(op.operation.responses) : [];
      if (!responses.some((code) => /^2\d\d$/.test(code)))
        problems.push(`${label}: declares no 2xx response`);
    }
  }
  if (problems.length > 0) {
    throw new GenerateError(
      'SPEC_RULES',
      `the specs break ${problems.length} d1kit rule(s):\n  - ${problems.join('\n  - ')}`,
    );
  }
}
