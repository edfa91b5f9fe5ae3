// The direct path calls EOV's compiled validators without its per-request middleware; it must decide
// exactly as the middleware does. Every operation gets the same battery through both, in one request.
import type { AddressInfo } from 'node:net';
import { operations } from '@d1kit/generated';
import express from 'express';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleInput } from '../sample.js';
import { type CompiledSpecs, compileSpecs } from './engine.js';
import { issueFromEov } from './issues.js';

let compiled: CompiledSpecs;
let server: ReturnType<ReturnType<typeof express>['listen']>;
let base: string;

function outcome(run: () => void): string {
  try {
    run();
    return 'pass';
  } catch (error) {
    const issue = issueFromEov(error, 'request');
    return `${(error as { status?: number }).status} ${issue.pointer} ${issue.keyword ?? ''}`;
  }
}

beforeAll(async () => {
  compiled = await compileSpecs();
  const app = express();
  for (const operation of compiled.operations.values()) {
    const method = operation.method.toLowerCase() as 'post';
    app[method](operation.expressRoute, express.json({ type: () => true }), (req, res) => {
      if (operation.requestMediaTypes.length === 0) delete req.headers['content-type'];
      else req.headers['content-type'] = operation.requestMediaTypes[0];
      const direct = outcome(() => operation.validateRequest(req, res));
      const middleware = outcome(() => operation.validateRequestWithMiddleware(req, res));
      res.json({ direct, middleware, usedDirect: operation.directValidation });
    });
  }
  await new Promise<void>((resolve) => {
    server = app.listen(0, '127.0.0.1', () => resolve());
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const handled = Object.values(operations).filter(
  (op) => op.direction === 'outbound' && op.operationId !== 'issueOutboundToken',
);

describe.each(handled)('$operationId: direct validation decides like the EOV middleware', (op) => {
  const sample = sampleInput(op);
  const path = (params: Record<string, unknown>) =>
    op.path.replace(/\{(\w+)\}/g, (_m, name: string) => encodeURIComponent(String(params[name])));
  const send = async (options: {
    params?: Record<string, unknown>;
    query?: string;
    headers?: Record<string, string>;
    body?: unknown;
  }) => {
    const url = `${base}${path({ ...sample.params, ...options.params })}${options.query ?? ''}`;
    // null stands for "declared JSON, but no body at all".
    const body =
      options.body === undefined || options.body === null ? undefined : JSON.stringify(options.body);
    const reply = await request(url, {
      method: op.method.toUpperCase() as 'POST',
      headers: {
        ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...options.headers,
      },
      body,
    });
    return (await reply.body.json()) as { direct: string; middleware: string; usedDirect: boolean };
  };
  // A body that is valid on the wire: JWE fields as (any) strings, as they arrive before decryption.
  const wireBody = (() => {
    if (sample.body === undefined) return undefined;
    const copy = structuredClone(sample.body) as Record<string, unknown>;
    for (const field of op.jweFields.filter((f) => f.in === 'request'))
      copy[field.pointer.slice(1)] = 'a.b.c.d.e';
    return copy;
  })();

  it.each([
    ['valid', {}],
    ['bad path parameter', { params: { issuerId: 'SHORT', cardId: 'bad id!' } }],
    ['bad correlation header', { headers: { 'x-correlation-id': 'no/slash' } }],
    ['good correlation header', { headers: { 'x-correlation-id': 'ok id.1' } }],
    ['unknown query parameter', { query: '?debug=1' }],
    ['empty query', { query: '?' }],
    ...(wireBody === undefined
      ? []
      : ([
          ['missing body', { body: null }],
          ['wrong body type', { body: [] }],
          ['missing required member', { body: {} }],
          ['wrong member type', { body: Object.fromEntries(Object.keys(wireBody).map((k) => [k, 12])) }],
        ] as const)),
  ] as [string, Parameters<typeof send>[0]][])('%s', async (_label, options) => {
    const result = await send({ body: wireBody, ...options });
    expect(result.usedDirect).toBe(true);
    expect(result.direct).toBe(result.middleware);
  });
});
