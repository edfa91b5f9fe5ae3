// Test helpers for issuers: run a handler the way the server would, without HTTP, and check its answer
// against the spec (status, body, media type, JWE plaintext). Import from `@d1kit/server/testing`.
import { operations, type SpecName } from '@d1kit/generated';
import { generateKeyPair, importDecryptionKeySet, importRecipientKey } from '@d1kit/jwe';
import type { Request } from 'express';
import { checkResultShape, HandlerResultError, serializeResult } from './handler-runner.js';
import { JweFieldError, planJweFields } from './jwe-fields.js';
import type { ServerLogger } from './logger.js';
import type {
  HandledOperationId,
  HandlerContext,
  HandlerInput,
  HandlerResult,
  OperationHandler,
} from './operation-types.js';
import { sampleInput } from './sample.js';
import { type CompiledSpecs, compileSpecs } from './validation/engine.js';
import type { FieldIssue } from './validation/issues.js';

export interface InvokeOptions<Id extends HandledOperationId> {
  /** Defaults to a sample built from the spec (path parameters and a minimal valid body). */
  readonly input?: HandlerInput<Id>;
  readonly context?: Partial<HandlerContext>;
}

export interface InvokeOutcome<Id extends HandledOperationId> {
  readonly result: HandlerResult<Id>;
  /** Where the answer breaks the spec (what the server would turn into a 500), or undefined. */
  readonly violation: FieldIssue | undefined;
  /** What the handler logged through `context.logger`. */
  readonly logs: readonly { readonly level: string; readonly message: string; readonly fields: object }[];
}

const compiledBySpec = new Map<string, Promise<CompiledSpecs>>();

/** The sample input `invokeHandler` uses by default, to start a test from. */
export function sampleHandlerInput<Id extends HandledOperationId>(operationId: Id): HandlerInput<Id> {
  return sampleInput(operations[operationId]) as unknown as HandlerInput<Id>;
}

/** Runs `handler` as the server would and checks what it returns against the spec. */
export async function invokeHandler<Id extends HandledOperationId>(
  operationId: Id,
  handler: OperationHandler<Id>,
  options: InvokeOptions<Id> = {},
): Promise<InvokeOutcome<Id>> {
  const meta = operations[operationId];
  let compiled = compiledBySpec.get(meta.spec);
  if (!compiled) {
    compiled = compileSpecs([meta.spec as SpecName]);
    compiledBySpec.set(meta.spec, compiled);
  }
  const operation = (await compiled).operations.get(operationId)!;
  const logs: { level: string; message: string; fields: object }[] = [];
  const log = (level: string) => (fields: object, message: string) => logs.push({ level, message, fields });
  const logger: ServerLogger = { info: log('info'), warn: log('warn'), error: log('error') };
  const context: HandlerContext = {
    operationId,
    correlationId: 'test-correlation-id',
    client: undefined,
    bearer: { mode: 'off', authenticated: false },
    logger,
    request: { headers: {}, params: {}, query: {} } as unknown as Request,
    ...options.context,
  };
  const input = options.input ?? sampleHandlerInput(operationId);
  const result = await handler(input, context);
  // A throwaway D1 key: the check needs real encryption to see the wire body D1 would get.
  const d1 = await generateKeyPair();
  const keys = {
    d1: await importRecipientKey(d1.publicJwk),
    decryption: await importDecryptionKeySet([d1.privateJwk]),
  };
  let violation: FieldIssue | undefined;
  try {
    const shaped = checkResultShape(result);
    const plan = planJweFields(operationId, meta.jweFields, keys);
    const body =
      shaped.body === undefined ? undefined : await plan.encryptResponse(shaped.status, shaped.body);
    violation = operation.checkResponse(serializeResult(shaped, body));
  } catch (error) {
    if (error instanceof HandlerResultError) violation = { pointer: error.pointer, rule: error.rule };
    else if (error instanceof JweFieldError) violation = error.issue;
    else throw error;
  }
  return { result, violation, logs };
}
