import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ISSUER_ID, startTestIssuer, type TestIssuer } from './test-support.js';

const ACTIVATE = `/cms/api/v1/issuers/${ISSUER_ID}/physicalCards/card-1/activate`;
const NOTIFY = `/notifications/d1/v2/issuers/${ISSUER_ID}/cards`;
const CREDENTIALS = `/cms/api/v1/issuers/${ISSUER_ID}/cards/card-1/credentials`;

const item = {
  operationId: 'op-1',
  operation: 'ACTIVATE',
  status: 'SUCCESSFUL',
  startTime: '2025-01-17T06:28:02.492Z',
  cardId: 'card-1',
};

let issuer: TestIssuer;
let drift: 'none' | 'text' | 'json' | 'body-on-204' | 'status' | 'raw' = 'none';

beforeAll(async () => {
  issuer = await startTestIssuer({
    bodyLimitBytes: 4096,
    handlers: {
      ActivateCard: async (input, context) => {
        if (input.params.cardId === 'boom') throw new Error('database down for PAN 4111111111111111');
        if (input.params.cardId === 'uri') throw new URIError('a decoding bug in the handler');
        if (drift === 'body-on-204') return { status: 204, body: { surprise: true } } as never;
        if (drift === 'status') return { status: 202 } as never;
        if (drift === 'text') return { status: 404, body: 'not found', contentType: 'text/plain' } as never;
        if (drift === 'json') return { status: 404, body: { message: 'no error code' } } as never;
        if (drift === 'raw') {
          context.request.res?.status(200).type('text/html').send('<p>hi</p>');
          return new Promise(() => {}) as never;
        }
        return { status: 204 };
      },
      notifyCardOperations: async () => ({ status: 204 }),
    },
  });
});
afterAll(() => issuer?.close());

describe('D1-shaped refusals of bad input', () => {
  it('answers 404 for an unknown path', async () => {
    const reply = await issuer.call('GET', '/cms/api/v1/nothing-here');
    expect(reply.status).toBe(404);
    expect(reply.json()).toEqual({ error: 'NOT_FOUND', message: 'No D1 operation at this path' });
  });

  it('answers 405 with Allow for a known path and the wrong method, HEAD included', async () => {
    for (const method of ['GET', 'DELETE', 'HEAD']) {
      const reply = await issuer.call(method, ACTIVATE);
      expect(reply.status).toBe(405);
      expect(reply.headers.allow).toBe('POST');
    }
  });

  it('is case- and slash-strict about paths', async () => {
    expect((await issuer.call('POST', ACTIVATE.toUpperCase())).status).toBe(404);
    expect((await issuer.call('POST', `${ACTIVATE}/`)).status).toBe(404);
  });

  it('answers 400 MALFORMED_JSON for a body that is not JSON, without echoing it', async () => {
    const reply = await issuer.call('POST', NOTIFY, {
      raw: '{"operations": [4111111111111111',
      headers: { 'content-type': 'application/json' },
    });
    expect(reply.status).toBe(400);
    expect(reply.json().error).toBe('MALFORMED_JSON');
    expect(reply.text).not.toContain('4111');
  });

  it('answers 400 for a JSON scalar body (strict JSON)', async () => {
    const reply = await issuer.call('POST', NOTIFY, {
      raw: '"text"',
      headers: { 'content-type': 'application/json' },
    });
    expect(reply.status).toBe(400);
  });

  it('answers 415 for a wrong, missing or non-UTF-8 content type, and for compressed bodies', async () => {
    const body = JSON.stringify({ operations: [item] });
    for (const headers of <Record<string, string>[]>[
      { 'content-type': 'text/plain' },
      { 'content-type': 'application/json; charset=latin1' },
      { 'content-type': 'application/merge-patch+json' },
      {},
      { 'content-type': 'application/json', 'content-encoding': 'gzip' },
    ]) {
      const reply = await issuer.call('POST', NOTIFY, { raw: body, headers });
      expect(reply.status, JSON.stringify(headers)).toBe(415);
      expect(reply.json().error).toBe('UNSUPPORTED_MEDIA_TYPE');
    }
  });

  it('accepts the declared type with a UTF-8 charset in any case', async () => {
    const reply = await issuer.call('POST', NOTIFY, {
      raw: JSON.stringify({ operations: [item] }),
      headers: { 'content-type': 'Application/JSON; charset=UTF-8' },
    });
    expect(reply.status).toBe(204);
  });

  it('answers 413 for a body over the limit', async () => {
    const reply = await issuer.call('POST', NOTIFY, {
      body: { operations: [{ ...item, error: 'x'.repeat(5000) }] },
    });
    expect(reply.status).toBe(413);
    expect(reply.json().error).toBe('PAYLOAD_TOO_LARGE');
  });

  it('answers 400 BODY_NOT_ALLOWED for a body on an operation that takes none', async () => {
    const reply = await issuer.call('POST', ACTIVATE, { body: { activate: true } });
    expect(reply.status).toBe(400);
    expect(reply.json().error).toBe('BODY_NOT_ALLOWED');
  });

  it('names the JSON pointer of the offending field, never its value', async () => {
    const cases: [unknown, string, string][] = [
      [{}, 'MISSING_FIELD', '/body/operations'],
      [{ operations: [] }, 'INVALID_FIELD', '/body/operations'],
      [
        { operations: [{ ...item, operationId: undefined }] },
        'MISSING_FIELD',
        '/body/operations/0/operationId',
      ],
      [
        { operations: [{ ...item, cardId: 4111111111111111 }] },
        'FIELD_INVALID_FORMAT',
        '/body/operations/0/cardId',
      ],
      [
        { operations: [{ ...item, operationId: 'x'.repeat(65) }] },
        'FIELD_INVALID_FORMAT',
        '/body/operations/0/operationId',
      ],
    ];
    for (const [body, code, pointer] of cases) {
      const reply = await issuer.call('POST', NOTIFY, { body });
      expect(reply.status, pointer).toBe(400);
      expect(reply.json().error).toBe(code);
      expect(String(reply.json().message)).toMatch(new RegExp(`^${pointer}: `));
      expect(reply.text).not.toContain('4111111111111111');
    }
  });

  it('checks path parameters and headers', async () => {
    const badCard = await issuer.call(
      'POST',
      `/cms/api/v1/issuers/${ISSUER_ID}/physicalCards/card$1/activate`,
    );
    expect([badCard.status, badCard.json().message]).toEqual([
      400,
      expect.stringMatching(/^\/path\/cardId: /),
    ]);
    const shortIssuer = await issuer.call('POST', '/cms/api/v1/issuers/SHORT/physicalCards/card-1/activate');
    expect(String(shortIssuer.json().message)).toMatch(/^\/path\/issuerId: /);
    const badEncoding = await issuer.call(
      'POST',
      `/cms/api/v1/issuers/${ISSUER_ID}/physicalCards/%E0%A4%A/activate`,
    );
    expect(badEncoding.status).toBe(400);
    const header = await issuer.call('POST', ACTIVATE, { headers: { 'x-correlation-id': 'bad/id' } });
    expect([header.status, header.json().message]).toEqual([
      400,
      expect.stringMatching(/^\/header\/x-correlation-id: /),
    ]);
    expect(header.headers['x-correlation-id']).not.toBe('bad/id');
  });

  it('refuses unknown query parameters, without echoing a PAN-like name', async () => {
    const reply = await issuer.call('POST', `${ACTIVATE}?4111111111111111=1`);
    expect(reply.status).toBe(400);
    expect(reply.text).not.toContain('4111111111111111');
  });
});

describe('correlation ids and faults', () => {
  it('echoes a valid x-correlation-id and generates one otherwise', async () => {
    const echoed = await issuer.call('POST', ACTIVATE, { headers: { 'x-correlation-id': 'use-case 42.a' } });
    expect([echoed.status, echoed.headers['x-correlation-id']]).toEqual([204, 'use-case 42.a']);
    const fresh = await issuer.call('POST', ACTIVATE);
    expect(fresh.headers['x-correlation-id']).toMatch(/^[0-9a-f-]{36}$/);
    const request = issuer.logger.entries.find((e) => e.fields.correlationId === 'use-case 42.a');
    expect(request?.fields).toMatchObject({ event: 'request', operationId: 'ActivateCard', status: 204 });
  });

  it('answers 500 with the correlation id and nothing about a handler that throws', async () => {
    const reply = await issuer.call('POST', `/cms/api/v1/issuers/${ISSUER_ID}/physicalCards/boom/activate`, {
      headers: { 'x-correlation-id': 'corr-500' },
    });
    expect(reply.status).toBe(500);
    expect(reply.json()).toEqual({
      error: 'INTERNAL_ERROR',
      message: 'Internal error; quote correlation id corr-500',
    });
    expect(reply.text).not.toMatch(/database|stack|at /);
    const logged = issuer.logger.entries.find((e) => e.fields.event === 'request.failed');
    expect(logged?.fields.correlationId).toBe('corr-500');
    expect(JSON.stringify(logged)).not.toContain('4111111111111111');
    expect(String(logged?.fields.errorMessage)).toContain('411111…1111');
  });

  it('answers 500, not 400, when a handler throws what Express uses for bad paths (a URIError)', async () => {
    const reply = await issuer.call('POST', `/cms/api/v1/issuers/${ISSUER_ID}/physicalCards/uri/activate`);
    expect([reply.status, reply.json().error]).toEqual([500, 'INTERNAL_ERROR']);
  });
});

describe('response validation catches drift of every kind', () => {
  afterAll(() => {
    drift = 'none';
  });

  it.each([
    ['body-on-204', '/body'],
    ['status', '/status'],
    ['text', '/headers/content-type'],
    ['json', '/body/error'],
    ['raw', '/status'],
  ] as const)('replaces a %s response with a 500 and logs %s', async (kind, pointer) => {
    drift = kind;
    const reply = await issuer.call('POST', ACTIVATE, { headers: { 'x-correlation-id': `drift-${kind}` } });
    expect(reply.status).toBe(500);
    expect(reply.json().error).toBe('INTERNAL_ERROR');
    expect(reply.headers['x-correlation-id']).toBe(`drift-${kind}`);
    const logged = issuer.logger.entries.find(
      (e) => e.fields.event === 'response.invalid' && e.fields.correlationId === `drift-${kind}`,
    );
    expect(logged?.fields.pointer).toBe(pointer);
  });

  it('lets a valid 501 for an unimplemented operation through', async () => {
    const reply = await issuer.call('GET', CREDENTIALS);
    expect(reply.status).toBe(501);
    expect(reply.json().error).toBe('NOT_IMPLEMENTED');
  });
});
