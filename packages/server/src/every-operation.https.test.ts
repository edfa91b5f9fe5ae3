// Every outbound operation over real HTTPS + mTLS, table-driven from the generated metadata: the happy
// path, each kind of bad input, missing and forged tokens, refused certificates, and a handler body that
// breaks the spec.
import { operations } from '@d1kit/generated';
import { cardCredentials, pinBlockPayload } from '@d1kit/jwe';
import { createMtlsAgent } from '@d1kit/mtls';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HandledOperationId, IssuerHandlers } from './operation-types.js';
import {
  createTestKeys,
  ISSUER_ID,
  startTestIssuer,
  type TestIssuer,
  type TestKeys,
} from './test-support.js';

const PIN_BLOCK = '041234FFFFFFFFFE';
const CREDENTIALS = { pan: '4111111111111111', exp: '0629', name: 'A CARDHOLDER' };
const item = (operationId: string) => ({
  operationId,
  operation: 'PURCHASE',
  status: 'APPROVED',
  startTime: '2025-01-17T06:28:02.492Z',
  cardId: 'card-1',
});

let keys: TestKeys;
let issuer: TestIssuer;
let token: string;
const wrong = new Set<HandledOperationId>();
const calls: HandledOperationId[] = [];

const handlers: IssuerHandlers = {
  getCardPin: async () =>
    wrong.has('getCardPin')
      ? ({ status: 200, body: { type: 'ISO0' } } as never)
      : { status: 200, body: { type: 'ISO0', encryptedData: { pinBlock: PIN_BLOCK } } },
  setCardPin: async () => (wrong.has('setCardPin') ? ({ status: 200, body: {} } as never) : { status: 204 }),
  ActivateCard: async () =>
    wrong.has('ActivateCard') ? ({ status: 204, body: { activated: true } } as never) : { status: 204 },
  notifyCardOperations: async () =>
    wrong.has('notifyCardOperations') ? ({ status: 400, body: { message: 'x' } } as never) : { status: 204 },
  notifyCardAuthorisations: async () =>
    wrong.has('notifyCardAuthorisations')
      ? ({ status: 204, body: 'ok', contentType: 'text/plain' } as never)
      : { status: 204 },
  getCardCredentials: async () =>
    wrong.has('getCardCredentials')
      ? ({ status: 200, body: {} } as never)
      : { status: 200, body: { encryptedData: CREDENTIALS } },
};
const counted = Object.fromEntries(
  Object.entries(handlers).map(([id, handler]) => [
    id,
    (input: never, context: never) => {
      calls.push(id as HandledOperationId);
      return (handler as (i: never, c: never) => unknown)(input, context);
    },
  ]),
) as IssuerHandlers;

beforeAll(async () => {
  keys = await createTestKeys();
  issuer = await startTestIssuer({
    auth: { bearer: 'required' },
    keys: { decryption: keys.issuerDecryption, d1: keys.d1Recipient },
    handlers: counted,
    bodyLimitBytes: 16 * 1024,
  });
  token = await issuer.token();
});
afterAll(() => issuer?.close());

interface Case {
  readonly id: HandledOperationId;
  readonly method: string;
  readonly path: (overrides?: { issuerId?: string; cardId?: string }) => string;
  readonly body?: () => Promise<unknown>;
  /** A body that parses but breaks the schema, and the pointer the answer must name. */
  readonly invalidBody?: readonly [unknown, string];
  readonly check: (reply: Awaited<ReturnType<TestIssuer['call']>>) => Promise<void>;
  readonly driftPointer: string;
}

const pathOf =
  (id: HandledOperationId) =>
  (o: { issuerId?: string; cardId?: string } = {}) =>
    operations[id].path
      .replace('{issuerId}', o.issuerId ?? ISSUER_ID)
      .replace('{cardId}', o.cardId ?? 'card-1');

const cases: Case[] = [
  {
    id: 'getCardPin',
    method: 'GET',
    path: pathOf('getCardPin'),
    check: async (reply) => {
      expect(reply.status).toBe(200);
      const jwe = String(reply.json().encryptedData);
      expect(await pinBlockPayload.decrypt(jwe, keys.d1Decryption)).toEqual({ pinBlock: PIN_BLOCK });
    },
    driftPointer: '/body/encryptedData',
  },
  {
    id: 'setCardPin',
    method: 'PUT',
    path: pathOf('setCardPin'),
    body: async () => ({
      type: 'ISO0',
      encryptedData: await pinBlockPayload.encrypt({ pinBlock: PIN_BLOCK }, keys.issuerRecipient),
    }),
    invalidBody: [{ type: 7, encryptedData: 'x' }, '/body/type'],
    check: async (reply) => expect(reply.status).toBe(204),
    driftPointer: '/status',
  },
  {
    id: 'ActivateCard',
    method: 'POST',
    path: pathOf('ActivateCard'),
    check: async (reply) => expect([reply.status, reply.text]).toEqual([204, '']),
    driftPointer: '/body',
  },
  {
    id: 'notifyCardOperations',
    method: 'POST',
    path: pathOf('notifyCardOperations'),
    body: async () => ({ operations: [{ ...item('op-1'), operation: 'ACTIVATE', status: 'SUCCESSFUL' }] }),
    invalidBody: [
      { operations: [{ ...item('op-1'), startTime: undefined }] },
      '/body/operations/0/startTime',
    ],
    check: async (reply) => expect(reply.status).toBe(204),
    driftPointer: '/body/error',
  },
  {
    id: 'notifyCardAuthorisations',
    method: 'POST',
    path: pathOf('notifyCardAuthorisations'),
    body: async () => ({ operations: [item('123456789012')] }),
    invalidBody: [{ operations: [item('1234567890123')] }, '/body/operations/0/operationId'],
    check: async (reply) => expect(reply.status).toBe(204),
    driftPointer: '/body',
  },
  {
    id: 'getCardCredentials',
    method: 'GET',
    path: pathOf('getCardCredentials'),
    check: async (reply) => {
      expect(reply.status).toBe(200);
      expect(reply.text).not.toContain(CREDENTIALS.pan);
      expect(await cardCredentials.decrypt(String(reply.json().encryptedData), keys.d1Decryption)).toEqual(
        CREDENTIALS,
      );
    },
    driftPointer: '/body/encryptedData',
  },
];

it('covers every handled outbound operation', () => {
  const outbound = Object.values(operations)
    .filter((op) => op.direction === 'outbound')
    .map((op) => op.operationId);
  expect(new Set([...cases.map((c) => c.id), 'issueOutboundToken'])).toEqual(new Set(outbound));
});

describe.each(cases)('$id', (c) => {
  const send = async (options: Parameters<TestIssuer['call']>[2] = {}, path = c.path()) =>
    issuer.call(c.method, path, { token, ...(c.body ? { body: await c.body() } : {}), ...options });

  it('happy path', async () => {
    const before = calls.length;
    await c.check(await send({ headers: { 'x-correlation-id': `happy-${c.id}` } }));
    expect(calls.slice(before)).toEqual([c.id]);
  });

  it('refuses a bad path parameter and a bad header, naming the pointer', async () => {
    const badIssuer = await send({}, c.path({ issuerId: 'SHORT' }));
    expect([badIssuer.status, String(badIssuer.json().message)]).toEqual([
      400,
      expect.stringMatching(/^\/path\/issuerId: /),
    ]);
    if (c.path().includes('card-1')) {
      const badCard = await send({}, c.path({ cardId: 'no%20spaces' }));
      expect(String(badCard.json().message)).toMatch(/^\/path\/cardId: /);
    }
    const badHeader = await send({ headers: { 'x-correlation-id': 'x'.repeat(65) } });
    expect(String(badHeader.json().message)).toMatch(/^\/header\/x-correlation-id: /);
    const unknownQuery = await send({}, `${c.path()}?debug=1`);
    expect(String(unknownQuery.json().message)).toMatch(/^\/query\/debug: /);
  });

  it('refuses bad bodies: missing, malformed, wrong type, oversize, schema violations (or any body at all)', async () => {
    if (!c.body) {
      const reply = await send({ body: { unexpected: true } });
      expect([reply.status, reply.json().error]).toEqual([400, 'BODY_NOT_ALLOWED']);
      return;
    }
    const missing = await send({ body: undefined, headers: { 'content-type': 'application/json' } });
    expect([missing.status, missing.json().error]).toEqual([400, 'MISSING_FIELD']);
    const malformed = await send({
      body: undefined,
      raw: '{"a":',
      headers: { 'content-type': 'application/json' },
    });
    expect([malformed.status, malformed.json().error]).toEqual([400, 'MALFORMED_JSON']);
    const wrongType = await send({
      body: undefined,
      raw: JSON.stringify(await c.body()),
      headers: { 'content-type': 'text/plain' },
    });
    expect(wrongType.status).toBe(415);
    const oversize = await send({ body: { padding: 'x'.repeat(20_000) } });
    expect(oversize.status).toBe(413);
    const [invalid, pointer] = c.invalidBody!;
    const violation = await send({ body: invalid });
    expect([violation.status, String(violation.json().message)]).toEqual([
      400,
      expect.stringMatching(new RegExp(`^${pointer}: `)),
    ]);
  });

  it('refuses missing and forged bearer tokens before any validation or handler', async () => {
    const before = calls.length;
    const missing = await send({ token: '' });
    expect([missing.status, missing.json().error]).toEqual([401, 'invalid_token']);
    const [head, payload] = token.split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString());
    const escalated = Buffer.from(JSON.stringify({ ...claims, sub: 'someone-else' })).toString('base64url');
    for (const forged of [
      `${head}.${escalated}.${token.split('.')[2]}`,
      `${head}.${payload}.`,
      'opaque-token',
    ]) {
      const reply = await send({ token: forged });
      expect(reply.status).toBe(401);
    }
    // Token checks run before validation: a bad body without a token is still a 401.
    expect((await send({ token: '', body: { nonsense: 1 } })).status).toBe(401);
    expect(calls.length).toBe(before);
  });

  it('catches a handler body that breaks the spec with a 500 and a logged pointer', async () => {
    wrong.add(c.id);
    try {
      const reply = await send({ headers: { 'x-correlation-id': `wrong-${c.id}` } });
      expect([reply.status, reply.json().error]).toEqual([500, 'INTERNAL_ERROR']);
      const logged = issuer.logger.entries.find(
        (e) => e.fields.correlationId === `wrong-${c.id}` && e.fields.event === 'response.invalid',
      );
      expect(logged?.fields.pointer).toBe(c.driftPointer);
    } finally {
      wrong.delete(c.id);
    }
  });
});

describe('mTLS in front of everything', () => {
  it('refuses a trusted certificate the policy does not allow, with 403 and no handler call', async () => {
    const before = calls.length;
    const other = await issuer.pki.issue({ kind: 'client', commonName: 'D1-OTHERISSUE-PPR' });
    const agent = createMtlsAgent(issuer.pki.tlsFor(other));
    try {
      const reply = await request(`${issuer.url}${pathOf('ActivateCard')()}`, {
        method: 'POST',
        dispatcher: agent,
        headers: { authorization: `Bearer ${token}` },
      });
      expect(reply.statusCode).toBe(403);
      expect(await reply.body.json()).toMatchObject({ error: 'CLIENT_CERTIFICATE_NOT_ALLOWED' });
    } finally {
      await agent.close();
    }
    expect(calls.length).toBe(before);
  });

  it('never completes a TLS handshake without a client certificate', async () => {
    const { Agent } = await import('undici');
    const agent = new Agent({ connect: { ca: issuer.pki.ca.cert } });
    try {
      await expect(
        request(`${issuer.url}${pathOf('ActivateCard')()}`, { method: 'POST', dispatcher: agent }),
      ).rejects.toThrow();
    } finally {
      await agent.close();
    }
  });
});
