import { createHash } from 'node:crypto';
import type { OperationMeta } from '@d1kit/generated';

/** First line of every generated file: the hash of the rest, so a rerun can tell edited files apart. */
export const HASH_PREFIX = '// d1kit-scaffold sha256:';

export interface ScaffoldFile {
  /** Path relative to the output directory. */
  readonly path: string;
  readonly content: string;
}

export function withHashLine(body: string): string {
  return `${HASH_PREFIX}${createHash('sha256').update(body).digest('hex')}\n${body}`;
}

/** The body after the hash line, when the hash still matches it (the file is as generated). */
export function unedited(content: string): boolean {
  const newline = content.indexOf('\n');
  if (!content.startsWith(HASH_PREFIX) || newline < 0) return false;
  const recorded = content.slice(HASH_PREFIX.length, newline);
  return (
    createHash('sha256')
      .update(content.slice(newline + 1))
      .digest('hex') === recorded
  );
}

/** `getCardPin` → `get-card-pin`, `ActivateCard` → `activate-card`. */
export function fileStem(operationId: string): string {
  return operationId.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
}

/** `ActivateCard` → `activateCard`: the exported handler's name. */
export function handlerName(operationId: string): string {
  return operationId.charAt(0).toLowerCase() + operationId.slice(1);
}

function describeOperation(op: OperationMeta): string[] {
  const params = op.parameters.filter((p) => p.in === 'path').map((p) => p.name);
  const lines = [
    `// ${op.summary ?? op.operationId}: ${op.method.toUpperCase()} ${op.path} (${op.spec}).`,
    `// Answers the spec declares: ${op.responseCodes.join(', ')}; success: ${op.successCodes.join(', ') || 'none'}.`,
  ];
  if (params.length > 0) lines.push(`// Path parameters (validated before this runs): ${params.join(', ')}.`);
  if (op.requestBody) lines.push('// The request body has been validated against the spec before this runs.');
  for (const field of op.jweFields) {
    lines.push(
      field.in === 'request'
        ? `// The server decrypts ${field.pointer} for you: input.body has the ${field.schema} plaintext there.`
        : `// Return ${field.pointer} (status ${field.status}) as a ${field.schema} plaintext: the server encrypts it to D1.`,
    );
  }
  if (op.operationId.startsWith('notify')) {
    lines.push(
      "// For de-duplication and durable 204s, consider createNotificationHandler('" +
        `${op.operationId}', { store, onNotification }) from @d1kit/server instead of a plain handler.`,
    );
  }
  return lines;
}

function handlerFile(op: OperationMeta): ScaffoldFile {
  const name = handlerName(op.operationId);
  const body = [
    ...describeOperation(op),
    "import { notImplemented, type OperationHandler } from '@d1kit/server';",
    '',
    `export const ${name}: OperationHandler<'${op.operationId}'> = async (_input, context) => {`,
    `  context.logger.info({}, '${op.operationId} is not implemented yet');`,
    `  // Replace with your implementation; the return type only admits answers the spec allows.`,
    `  return notImplemented('${op.operationId}');`,
    '};',
    '',
  ].join('\n');
  return { path: `${fileStem(op.operationId)}.ts`, content: withHashLine(body) };
}

function testFile(op: OperationMeta): ScaffoldFile {
  const name = handlerName(op.operationId);
  const stem = fileStem(op.operationId);
  const body = [
    `// Runs ${name} as the server would, on a sample input built from the spec, and checks its answer`,
    '// against the spec (status, body, media type, JWE plaintext). Adjust once the handler is implemented.',
    "import { invokeHandler, sampleHandlerInput } from '@d1kit/server/testing';",
    "import { describe, expect, it } from 'vitest';",
    `import { ${name} } from './${stem}.js';`,
    '',
    `describe('${op.operationId}', () => {`,
    "  it('answers only what the spec allows', async () => {",
    `    const input = sampleHandlerInput('${op.operationId}');`,
    `    const { result, violation } = await invokeHandler('${op.operationId}', ${name}, { input });`,
    '    expect(violation).toBeUndefined();',
    '    // The stub answers 501 Not Implemented; expect your real status here once it does the work.',
    '    expect(result.status).toBe(501);',
    '  });',
    '});',
    '',
  ].join('\n');
  return { path: `${stem}.test.ts`, content: withHashLine(body) };
}

function indexFile(ops: readonly OperationMeta[]): ScaffoldFile {
  const body = [
    '// Every handler, for createIssuerApp({ handlers, ... }). The token endpoint (issueOutboundToken) is not a',
    '// handler: configure it with auth.tokenEndpoint.',
    "import type { IssuerHandlers } from '@d1kit/server';",
    ...ops.map((op) => `import { ${handlerName(op.operationId)} } from './${fileStem(op.operationId)}.js';`),
    '',
    'export const handlers = {',
    ...ops.map((op) => {
      const name = handlerName(op.operationId);
      return name === op.operationId ? `  ${name},` : `  ${op.operationId}: ${name},`;
    }),
    '} satisfies IssuerHandlers;',
    '',
  ].join('\n');
  return { path: 'handlers.ts', content: withHashLine(body) };
}

/** Every file for the chosen operations: a stub and a test each, plus `handlers.ts` collecting them. */
export function scaffoldFiles(ops: readonly OperationMeta[]): ScaffoldFile[] {
  return [...ops.flatMap((op) => [handlerFile(op), testFile(op)]), indexFile(ops)];
}
