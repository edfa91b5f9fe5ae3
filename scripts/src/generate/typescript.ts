import openapiTS, { astToString, STRING, tsLiteral, tsUnion } from 'openapi-typescript';
import ts from 'typescript';
import type { JsonObject } from './walk.js';

/**
 * D1 may add values to the enums it sends (operation, status, …), so d1kit models them as open strings
 * listing `x-d1kit-known-values`. Typing them `'A' | 'B' | (string & {})` keeps editor completion for the
 * known values while still accepting any string.
 */
function openEnumType(schema: Record<string, unknown>): ts.TypeNode | undefined {
  const known = schema['x-d1kit-known-values'];
  if (schema.type !== 'string' || !Array.isArray(known) || known.length === 0) return undefined;
  if (!known.every((v): v is string => typeof v === 'string')) return undefined;
  const anyString = ts.factory.createIntersectionTypeNode([STRING, ts.factory.createTypeLiteralNode([])]);
  return tsUnion([...known.map((v) => tsLiteral(v)), anyString]);
}

/** openapi-typescript output for one OpenAPI document, as module source text. */
export async function typesFor(document: JsonObject): Promise<string> {
  // openapi-typescript accepts the parsed document; a deep copy keeps it from touching ours.
  const ast = await openapiTS(structuredClone(document) as never, {
    silent: true,
    alphabetize: false,
    // A default is what the receiver assumes when a field is absent; it does not make the field required.
    defaultNonNullable: false,
    transform: (schema) => openEnumType(schema as Record<string, unknown>),
  });
  return astToString(ast);
}
