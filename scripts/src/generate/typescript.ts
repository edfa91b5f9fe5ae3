import openapiTS, { astToString } from 'openapi-typescript';
import type { JsonObject } from './walk.js';

/** openapi-typescript output for one OpenAPI document, as module source text. */
export async function typesFor(document: JsonObject): Promise<string> {
  // openapi-typescript accepts the parsed document; a deep copy keeps it from touching ours.
  const ast = await openapiTS(structuredClone(document) as never, { silent: true, alphabetize: false });
  return astToString(ast);
}
