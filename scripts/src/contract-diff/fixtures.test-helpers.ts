import { diffSpecs } from './diff.js';
import type { ContractChange, Direction } from './types.js';

type Json = Record<string, unknown>;

/**
 * A one-operation document: `POST /cards/{cardId}` whose JSON request body is `components.schemas.Req`
 * and whose 200 response body is `components.schemas.Res`. Tests vary one piece and diff.
 */
export function cardDoc(
  parts: {
    req?: Json;
    res?: Json;
    schemas?: Json;
    operation?: Json;
    paths?: Json;
    parameters?: unknown[];
    responses?: Json;
  } = {},
): Json {
  return {
    openapi: '3.0.3',
    info: { title: 'fixture', version: '1' },
    paths: {
      '/cards/{cardId}': {
        post: {
          operationId: 'createCard',
          parameters: parts.parameters ?? [
            { name: 'cardId', in: 'path', required: true, schema: { type: 'string' } },
          ],
          requestBody: {
            required: true,
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Req' } } },
          },
          responses: parts.responses ?? {
            '200': {
              description: 'ok',
              content: { 'application/json': { schema: { $ref: '#/components/schemas/Res' } } },
            },
            default: { description: 'error' },
          },
          ...parts.operation,
        },
      },
      ...parts.paths,
    },
    components: {
      schemas: {
        Req: parts.req ?? { type: 'object', properties: { a: { type: 'string' } } },
        Res: parts.res ?? { type: 'object', properties: { a: { type: 'string' } } },
        ...parts.schemas,
      },
    },
  };
}

/** `kind[ facet] jsonPath B|N` per change: compact enough to assert a whole diff in one line. */
export function brief(changes: readonly ContractChange[]): string[] {
  return changes.map((c) => {
    const head = c.facet ? `${c.kind} ${c.facet}` : c.kind;
    const where = c.location.jsonPath || c.location.part;
    return `${head} ${where} ${c.breaking ? 'B' : 'N'}`;
  });
}

export function briefDiff(before: Json, after: Json, direction: Direction): string[] {
  return brief(diffSpecs(before, after, { direction }));
}
