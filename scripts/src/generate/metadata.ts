import { type OperationRef, operationsOf } from './checks.js';
import type { LoadedSpec } from './load.js';
import type { JweFieldMeta, OperationMeta, ParameterMeta } from './meta-template.js';
import { deref, isObject, pointerSegment } from './walk.js';

function collectJwe(
  doc: unknown,
  node: unknown,
  pointer: string,
  required: boolean,
  base: Omit<JweFieldMeta, 'pointer' | 'schema' | 'required'>,
  out: JweFieldMeta[],
  stack: Set<unknown>,
): void {
  if (!isObject(node)) return;
  const marker = node['x-d1kit-jwe'];
  const schema = deref(doc, node);
  if (!isObject(schema) || stack.has(schema)) return;
  const jwe = typeof marker === 'string' ? marker : schema['x-d1kit-jwe'];
  if (typeof jwe === 'string') {
    if (!out.some((f) => f.pointer === pointer && f.in === base.in && f.status === base.status)) {
      out.push({ ...base, pointer: pointer || '/', schema: jwe, required });
    }
    return;
  }
  stack.add(schema);
  const requiredList = Array.isArray(schema.required) ? schema.required : [];
  if (isObject(schema.properties)) {
    for (const [name, prop] of Object.entries(schema.properties)) {
      const childRequired = required && requiredList.includes(name);
      collectJwe(doc, prop, `${pointer}/${pointerSegment(name)}`, childRequired, base, out, stack);
    }
  }
  if (schema.items) collectJwe(doc, schema.items, `${pointer}/*`, required, base, out, stack);
  for (const key of ['allOf', 'oneOf', 'anyOf'] as const) {
    const members = schema[key];
    // Inside oneOf/anyOf a field is only required where every alternative requires it; keep it simple and
    // call those optional.
    if (Array.isArray(members)) {
      for (const m of members) collectJwe(doc, m, pointer, required && key === 'allOf', base, out, stack);
    }
  }
  stack.delete(schema);
}

function contentOf(doc: unknown, holder: unknown): [string, unknown][] {
  const resolved = deref(doc, holder);
  if (!isObject(resolved) || !isObject(resolved.content)) return [];
  return Object.entries(resolved.content).map(([type, media]) => [
    type,
    isObject(media) ? media.schema : undefined,
  ]);
}

function operationMeta(op: OperationRef): OperationMeta {
  const doc = op.spec.effective;
  const { operation, pathItem } = op;
  const params = new Map<string, ParameterMeta>();
  for (const list of [pathItem.parameters, operation.parameters]) {
    if (!Array.isArray(list)) continue;
    for (const raw of list) {
      const p = deref(doc, raw);
      if (!isObject(p) || typeof p.name !== 'string' || typeof p.in !== 'string') continue;
      params.set(`${p.in}:${p.name.toLowerCase()}`, {
        name: p.name,
        in: p.in,
        required: p.required === true,
      });
    }
  }
  const body = operation.requestBody ? deref(doc, operation.requestBody) : undefined;
  const jweFields: JweFieldMeta[] = [];
  for (const [contentType, schema] of contentOf(doc, body)) {
    const required = isObject(body) && body.required === true;
    collectJwe(doc, schema, '', required, { in: 'request', contentType }, jweFields, new Set());
  }
  const responses = isObject(operation.responses) ? operation.responses : {};
  for (const [status, response] of Object.entries(responses)) {
    for (const [contentType, schema] of contentOf(doc, response)) {
      collectJwe(doc, schema, '', true, { in: 'response', status, contentType }, jweFields, new Set());
    }
  }
  const security = (Array.isArray(operation.security) ? operation.security : doc.security) ?? [];
  const assumptions: string[] = [];
  const opPointer = `/paths/${pointerSegment(op.path)}/${op.method}`;
  if (typeof pathItem['x-d1kit-assumption'] === 'string')
    assumptions.push(`/paths/${pointerSegment(op.path)}`);
  collectAssumptions(operation, opPointer, assumptions);
  return {
    operationId: String(operation.operationId),
    spec: op.spec.name,
    direction: op.spec.entry.direction,
    method: op.method,
    path: op.path,
    summary: typeof operation.summary === 'string' ? operation.summary : null,
    security: Array.isArray(security) ? security.filter(isObject).map((req) => Object.keys(req)) : [],
    parameters: [...params.values()],
    requestBody: isObject(body)
      ? { required: body.required === true, contentTypes: contentOf(doc, body).map(([t]) => t) }
      : null,
    successCodes: Object.keys(responses)
      .filter((code) => /^2\d\d$/.test(code))
      .map(Number),
    responseCodes: Object.keys(responses),
    jweFields,
    assumptions,
  };
}

function collectAssumptions(node: unknown, pointer: string, out: string[]): void {
  if (Array.isArray(node)) {
    for (const [i, v] of node.entries()) collectAssumptions(v, `${pointer}/${i}`, out);
  }
  if (!isObject(node)) return;
  if (typeof node['x-d1kit-assumption'] === 'string') out.push(pointer);
  for (const [k, v] of Object.entries(node)) collectAssumptions(v, `${pointer}/${pointerSegment(k)}`, out);
}

export function operationMetadata(specs: readonly LoadedSpec[]): OperationMeta[] {
  return specs.flatMap((spec) => operationsOf(spec).map(operationMeta));
}
